package secrets

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func sec003() check.Check {
	return check.Check{
		ID:       "SEC-003",
		Title:    "Secrets are encrypted at rest in etcd",
		Domain:   check.DomainSecrets,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S6.10", "S4.4"}, NIST: []string{"4.1.4"},
		},
		Rationale: "Without an encryption provider, Secrets are stored in plain text in etcd and in every etcd " +
			"backup. The API shows only that --encryption-provider-config is set; that its first provider is not " +
			"identity (and preferably KMS v2) can only be read on the control-plane nodes.",
		Remediation: "Write an EncryptionConfiguration for secrets whose first provider is kms (apiVersion v2) or " +
			"aescbc/aesgcm/secretbox, pass it with --encryption-provider-config to every kube-apiserver, then " +
			"rewrite existing Secrets (kubectl get secrets -A -o json | kubectl replace -f -). On a managed " +
			"cluster, enable the provider's envelope encryption with a KMS key.",
		Evaluate: secEncryptionAtRest,
	}
}

func secEncryptionAtRest(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("encryption at rest is a fact of a live control plane")}
	}
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("managed control plane (no kube-apiserver mirror pod in kube-system): verify with the " +
			"provider that Secrets are encrypted at rest with a KMS key (EKS envelope encryption, GKE application-layer " +
			"secrets encryption, AKS KMS etcd encryption), then attest it")}
	}
	var out []check.Finding
	for _, srv := range servers {
		if srv.Flags["encryption-provider-config"] == "" {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver has no --encryption-provider-config, so Secrets are stored "+
				"unencrypted in etcd"))
		}
	}
	return out
}
