package secrets

import (
	"time"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func sec005() check.Check {
	return check.Check{
		ID:       "SEC-005",
		Title:    "Node join (bootstrap) tokens expire within the configured lifetime",
		Domain:   check.DomainSecrets,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S6.4"}, NIST: []string{"3.3.5"},
		},
		Rationale: "A bootstrap token lets its holder register a node and receive a kubelet certificate. A token " +
			"without an expiration, or one that lives for weeks, is a standing invitation to join rogue nodes.",
		Remediation: "Delete tokens that do not expire or live too long (kubeadm token delete <id>) and create " +
			"join tokens only when needed with a short TTL (kubeadm token create --ttl 1h). Expired tokens are " +
			"removed by the kube-controller-manager's tokencleaner controller; make sure it is enabled.",
		AutoRemediation: securityv1alpha1.ActionDeleteExpiredBootstrapTokens,
		Evaluate:        secBootstrapTokens,
	}
}

// secTokenClockSlack absorbs the gap between the client that computes a token's expiration and
// the API server that stamps creationTimestamp a moment later, on possibly skewed clocks.
const secTokenClockSlack = time.Minute

func secBootstrapTokens(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("bootstrap tokens are a fact of a live cluster")}
	}
	if env.Scope.Excluded[metav1.NamespaceSystem] {
		return []check.Finding{check.NotApplicablef("kube-system, where bootstrap tokens live, is excluded")}
	}
	if f, unread := secSecretsUnread(s); unread {
		return []check.Finding{f}
	}
	maxTTL := env.Params.BootstrapTokenMaxTTL
	var out []check.Finding
	tokens := 0
	for _, sec := range s.Secrets {
		if sec.Namespace != metav1.NamespaceSystem || sec.Type != corev1.SecretTypeBootstrapToken {
			continue
		}
		tokens++
		ref := secRef(sec)
		f, ok := facts.Facts(&sec.ObjectMeta)
		if !ok {
			out = append(out, check.Errorf(ref, "no content facts were recorded for this bootstrap token"))
			continue
		}
		exp := f.TokenExpiration
		created := sec.CreationTimestamp.Time
		switch {
		case exp == nil && secHasParseError(f, facts.BootstrapTokenExpirationKey):
			// The token authenticator treats an unreadable expiration as expired.
			out = append(out, check.Failf(ref, "bootstrap token's %s, so it is treated as expired and should be deleted",
				secParseError(f, facts.BootstrapTokenExpirationKey)))
		case exp == nil:
			out = append(out, check.Failf(ref, "bootstrap token has no expiration, so it can join nodes forever"))
		case !exp.After(env.Now):
			out = append(out, check.Failf(ref, "bootstrap token expired on %s and was not deleted (is the tokencleaner controller enabled?)",
				exp.Format(time.RFC3339)))
		case !created.IsZero() && exp.Sub(created) > maxTTL+secTokenClockSlack:
			out = append(out, check.Failf(ref, "bootstrap token lives %s (created %s, expires %s), longer than BootstrapTokenMaxTTL %s",
				secSpan(exp.Sub(created)), created.UTC().Format(time.RFC3339), exp.Format(time.RFC3339), secSpan(maxTTL)))
		}
	}
	if tokens == 0 {
		return []check.Finding{check.NotApplicablef("no bootstrap tokens in kube-system")}
	}
	return out
}
