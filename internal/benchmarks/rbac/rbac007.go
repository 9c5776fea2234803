package rbac

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	corev1 "k8s.io/api/core/v1"
)

func rbac007() check.Check {
	return check.Check{
		ID:       "RBAC-007",
		Title:    "People authenticate through the organisation's identity provider, not static or service account tokens",
		Domain:   check.DomainRBAC,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S10.6"}, NIST: []string{"4.3.2", "7.2"}, MLPS: []string{"G1a"},
		},
		Rationale: "Identities from the existing IAM are disabled when people leave and carry their groups; " +
			"static token files and service account tokens handed to people are never rotated and cannot be " +
			"traced to a person. The check reads the kube-apiserver mirror pods and flags long-lived service " +
			"account token Secrets that no workload uses, which are usually personal or CI credentials.",
		Remediation: "Configure OIDC (--oidc-issuer-url or an AuthenticationConfiguration with JWT issuers) " +
			"against the identity provider, remove --token-auth-file, bind people as User/Group subjects, and " +
			"replace handed-out service account token Secrets with short-lived tokens (kubectl create token).",
		Evaluate: evaluateIdentityIntegration,
	}
}

func evaluateIdentityIntegration(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("identity integration is a fact of a live cluster")}
	}
	var out []check.Finding
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		out = append(out, check.Manualf("no kube-apiserver mirror pod in kube-system (managed control plane?): verify that "+
			"people sign in through the provider's IAM integration or OIDC and that static local accounts are disabled"))
	}
	for _, srv := range servers {
		if file, ok := srv.Flags["token-auth-file"]; ok {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver accepts static tokens from --token-auth-file=%s", file))
		}
		switch {
		case srv.Flags["oidc-issuer-url"] != "":
		case srv.Flags["authentication-config"] != "":
			f := check.Manualf("kube-apiserver uses --authentication-config=%s: verify that the AuthenticationConfiguration "+
				"on the control-plane nodes has a jwt issuer for the organisation's identity provider", srv.Flags["authentication-config"])
			f.Object = srv.Ref
			out = append(out, f)
		default:
			out = append(out, check.Failf(srv.Ref, "kube-apiserver has neither --oidc-issuer-url nor --authentication-config, "+
				"so people cannot sign in with the organisation's identity provider"))
		}
	}
	return append(out, handedOutTokens(s, env)...)
}

// handedOutTokens reports long-lived service account token Secrets that no workload of their
// namespace uses, through its service account or by mounting the Secret: such a token is held
// outside the cluster, by a person or a pipeline.
func handedOutTokens(s *check.Snapshot, env *check.Env) []check.Finding {
	usedSA, usedSecret := map[string]bool{}, map[string]bool{}
	for _, w := range env.Workloads(s) {
		if len(w.Spec.Containers) == 0 {
			continue // a controller-owned pod listed for its ephemeral containers; its template counts
		}
		ns := w.Ref.Namespace
		usedSA[ns+"/"+check.PodServiceAccount(w.Spec)] = true
		for _, name := range check.PodSecretRefs(w.Spec) {
			usedSecret[ns+"/"+name] = true
		}
	}
	var out []check.Finding
	for _, sec := range s.Secrets {
		if sec.Type != corev1.SecretTypeServiceAccountToken || !env.Scope.InScope(s, sec.Namespace) {
			continue
		}
		sa := sec.Annotations[corev1.ServiceAccountNameKey]
		if usedSA[sec.Namespace+"/"+sa] || usedSecret[sec.Namespace+"/"+sec.Name] {
			continue
		}
		lastUsed := ""
		if d := sec.Labels["kubernetes.io/legacy-token-last-used"]; d != "" {
			lastUsed = fmt.Sprintf(", last used %s", d)
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Secret", Namespace: sec.Namespace, Name: sec.Name},
			"long-lived token of ServiceAccount %s, which no workload uses%s: it is likely a personal or CI credential",
			sa, lastUsed))
	}
	return out
}
