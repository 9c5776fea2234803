package secrets

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func sec004() check.Check {
	return check.Check{
		ID:       "SEC-004",
		Title:    "Encryption-at-rest keys are rotated",
		Domain:   check.DomainSecrets,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S6.5"},
		},
		Rationale: "A key that never changes protects every Secret ever written with it; once it leaks, all " +
			"backups are readable. The key lives in the EncryptionConfiguration file on the control-plane nodes " +
			"or in a KMS, neither visible through the API, so a person verifies its age.",
		Remediation: "Rotate the key: add a new key first in the provider's key list on every API server, restart " +
			"them, rewrite all Secrets, then remove the old key. With KMS, enable automatic key rotation no " +
			"longer than Secrets.EncryptionKeyMaxAge.",
		Evaluate: secEncryptionKeyRotation,
	}
}

func secEncryptionKeyRotation(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("encryption keys are a fact of a live control plane")}
	}
	maxAge := secSpan(env.Params.Secrets.EncryptionKeyMaxAge)
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: verify with the provider that the KMS key encrypting Secrets "+
			"rotates at least every %s (aws kms get-key-rotation-status; gcloud kms keys describe --format='value(rotationPeriod)'; "+
			"az keyvault key rotation-policy show), then attest it", maxAge)}
	}
	var out []check.Finding
	for _, srv := range servers {
		file := srv.Flags["encryption-provider-config"]
		if file == "" {
			continue // SEC-003 fails it: there is no key to rotate
		}
		f := check.Manualf("on the control-plane node of this pod, read %s (sudo cat). For aescbc/aesgcm/secretbox, the first "+
			"key of the secrets resource is the active one: confirm it was introduced less than %s ago (the key name "+
			"conventionally carries its date; sudo stat %s shows the last change). For kms, confirm the KMS key "+
			"rotates at least every %s. Then attest it", file, maxAge, file, maxAge)
		f.Object = srv.Ref
		out = append(out, f)
	}
	if len(out) == 0 {
		return []check.Finding{check.NotApplicablef("no kube-apiserver has --encryption-provider-config, so there is no encryption key " +
			"to rotate (SEC-003 fails)")}
	}
	return out
}
