package rbac

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func rbac004() check.Check {
	return check.Check{
		ID:         "RBAC-004",
		Title:      "Custom Roles and ClusterRoles name their verbs and resources instead of using wildcards",
		Domain:     check.DomainRBAC,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S12.1"}, MLPS: []string{"G2a"}, CIS: []string{"5.1.3"}},
		Rationale: "A wildcard grants every verb or resource, including those added later by new API versions " +
			"and CRDs (escalate, impersonate, secrets), so the role's reach can grow without anyone changing it.",
		Remediation: "List the verbs and resources the role needs explicitly, for example verbs [get, list, watch] " +
			"on resources [pods, services].",
		Evaluate: evaluateWildcardRoles,
	}
}

func evaluateWildcardRoles(s *check.Snapshot, env *check.Env) []check.Finding {
	type namedRules struct {
		ref   check.ObjectRef
		meta  *metav1.ObjectMeta
		rules []rbacv1.PolicyRule
	}
	var roles []namedRules
	for _, r := range s.ClusterRoles {
		// An aggregated ClusterRole's rules are copies; the role it copies them from is reported.
		if r.AggregationRule == nil {
			roles = append(roles, namedRules{check.ObjectRef{Kind: "ClusterRole", Name: r.Name}, &r.ObjectMeta, r.Rules})
		}
	}
	for _, r := range s.Roles {
		if rbacInScope(s, env, r.Namespace) {
			roles = append(roles, namedRules{check.ObjectRef{Kind: "Role", Namespace: r.Namespace, Name: r.Name}, &r.ObjectMeta, r.Rules})
		}
	}
	if len(roles) == 0 {
		return []check.Finding{check.NotApplicablef("no Roles or ClusterRoles to inspect")}
	}
	var out []check.Finding
	for _, r := range roles {
		if rbacSystemProvided(r.meta) {
			continue
		}
		var wild []string
		for i, rule := range r.rules {
			wildResource := slices.ContainsFunc(rule.Resources, func(res string) bool { return strings.Contains(res, "*") })
			if wildResource || slices.Contains(rule.Verbs, "*") {
				wild = append(wild, fmt.Sprintf("rule %d grants verbs [%s] on resources [%s]", i+1,
					strings.Join(rule.Verbs, ", "), strings.Join(slices.Concat(rule.Resources, rule.NonResourceURLs), ", ")))
			}
		}
		if len(wild) > 0 {
			out = append(out, check.Failf(r.ref, "%s", strings.Join(wild, "; ")))
		}
	}
	return out
}
