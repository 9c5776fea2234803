package secrets

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	corev1 "k8s.io/api/core/v1"
)

func sec010() check.Check {
	return check.Check{
		ID:       "SEC-010",
		Title:    "Long-lived ServiceAccount token Secrets are recent and in use",
		Domain:   check.DomainSecrets,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S12.4"}, NIST: []string{"3.3.5"},
		},
		Rationale: "A kubernetes.io/service-account-token Secret holds a token that never expires. An old one has " +
			"had time to be copied, and one that no pod mounts is usually held by a person or a pipeline outside " +
			"the cluster. Projected tokens expire and are bound to the pod.",
		Remediation: "Replace the Secret with projected tokens (the default for pods) or kubectl create token for " +
			"external users, then delete it. Check the kubernetes.io/legacy-token-last-used label before deleting, " +
			"since an external user may still depend on it.",
		Evaluate: secLegacyTokens,
	}
}

func secLegacyTokens(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("token Secrets are created by the cluster, not by manifests")}
	}
	if f, unread := secSecretsUnread(s); unread {
		return []check.Finding{f}
	}
	mounted := map[string]bool{}
	for _, w := range env.Workloads(s) {
		for _, name := range check.PodSecretRefs(w.Spec) {
			mounted[w.Ref.Namespace+"/"+name] = true
		}
	}
	var out []check.Finding
	tokens := 0
	for _, sec := range s.Secrets {
		if sec.Type != corev1.SecretTypeServiceAccountToken || !env.Scope.InScope(s, sec.Namespace) {
			continue
		}
		tokens++
		var problems []string
		if !mounted[sec.Namespace+"/"+sec.Name] {
			problems = append(problems, "no pod mounts it")
		}
		issued := sec.CreationTimestamp.UTC()
		if f, ok := facts.Facts(&sec.ObjectMeta); ok && f.LastDataWrite != nil && f.LastDataWrite.After(issued) {
			issued = *f.LastDataWrite
		}
		if age := env.Now.Sub(issued); !issued.IsZero() && age > env.Params.Secrets.LegacyTokenMaxAge {
			problems = append(problems, fmt.Sprintf("it was issued %s, %s ago, beyond LegacyTokenMaxAge of %s",
				secDate(issued), secSpan(age), secSpan(env.Params.Secrets.LegacyTokenMaxAge)))
		}
		if len(problems) == 0 {
			continue
		}
		var notes []string
		for _, l := range []string{"kubernetes.io/legacy-token-last-used", "kubernetes.io/legacy-token-invalid-since"} {
			if v := sec.Labels[l]; v != "" {
				notes = append(notes, fmt.Sprintf("%s=%s", l, v))
			}
		}
		msg := fmt.Sprintf("long-lived token of ServiceAccount %s: %s", sec.Annotations[corev1.ServiceAccountNameKey],
			strings.Join(problems, "; "))
		if len(notes) > 0 {
			msg += " (" + strings.Join(notes, ", ") + ")"
		}
		out = append(out, check.Failf(secRef(sec), "%s", msg))
	}
	if tokens == 0 {
		return []check.Finding{check.NotApplicablef("no long-lived ServiceAccount token Secrets in scope: pods use projected tokens")}
	}
	return out
}
