package rbac

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
)

func rbac002() check.Check {
	return check.Check{
		ID:       "RBAC-002",
		Title:    "Only system subjects and allowlisted subjects hold cluster-admin or wildcard roles",
		Domain:   check.DomainRBAC,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S12.1", "S2.10"}, NIST: []string{"4.3.1", "4.3.2"}, MLPS: []string{"G2a"},
			CIS: []string{"5.1.1"},
		},
		Rationale: "cluster-admin, or any role granting every verb on every resource, controls the whole cluster " +
			"including its secrets and nodes. Every holder beyond the platform itself must be a deliberate, " +
			"reviewed decision.",
		Scope: "CIS 5.1.1 covers cluster-admin only; this check also reports any role granting every verb on every resource, and accepts system subjects and the profile's privilegedSubjects.",
		Remediation: "Replace the binding with a role that grants only what the subject needs, bound in the " +
			"namespaces it works in. If the subject truly needs full control, add it to the profile's " +
			"privilegedSubjects so the decision is recorded.",
		Evaluate: evaluateAdminBindings,
	}
}

// grantsEverything reports whether a rule is as broad as cluster-admin's: every verb on every
// resource of every API group.
func grantsEverything(rule *rbacv1.PolicyRule) bool {
	return slices.Contains(rule.APIGroups, "*") && slices.Contains(rule.Resources, "*") && slices.Contains(rule.Verbs, "*")
}

func evaluateAdminBindings(s *check.Snapshot, env *check.Env) []check.Finding {
	bindings := privilegeBindings(s, env)
	if len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no RoleBindings or ClusterRoleBindings to inspect")}
	}
	ix := newRBACIndex(s)
	var out []check.Finding
	for _, b := range bindings {
		what := ""
		if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == "cluster-admin" {
			what = b.role()
		} else {
			rules := ix.rules(b)
			for i := range rules {
				if grantsEverything(&rules[i]) {
					what = b.role() + " (every verb on every resource)"
					break
				}
			}
		}
		if what == "" {
			continue
		}
		if subs := unprivilegedSubjects(s, env, b); len(subs) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s, outside the system subjects and privilegedSubjects",
				what, b.scope(), strings.Join(subs, ", ")))
		}
	}
	return out
}
