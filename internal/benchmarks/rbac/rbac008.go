package rbac

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
)

func rbac008() check.Check {
	return check.Check{
		ID:         "RBAC-008",
		Title:      "Write-capable ClusterRoles are granted per namespace with RoleBindings, not cluster-wide",
		Domain:     check.DomainRBAC,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S12.1"}, NIST: []string{"4.3.1"}, MLPS: []string{"G2a"}},
		Rationale: "A ClusterRoleBinding of admin, edit or any role that can write applies it to every " +
			"namespace, present and future, including the platform's; least privilege confines it to the " +
			"namespaces where the subject works.",
		Remediation: "Replace the ClusterRoleBinding with a RoleBinding of the same ClusterRole in each namespace " +
			"the subject needs. Controllers that must write cluster-wide go in the profile's privilegedSubjects.",
		Evaluate: evaluateClusterWideWrite,
	}
}

// rbacReviewResources are created to ask a question and never stored, so creating them is not a write.
var rbacReviewResources = map[string]bool{
	"selfsubjectaccessreviews": true, "selfsubjectrulesreviews": true, "selfsubjectreviews": true,
	"localsubjectaccessreviews": true, "subjectaccessreviews": true, "tokenreviews": true,
}

// rbacWriteVerbs are the verbs that change objects.
var rbacWriteVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}

// rbacWriteRule returns a description of what the rule can write, or "" when it only reads.
func rbacWriteRule(rule *rbacv1.PolicyRule) string {
	var verbs []string
	for _, v := range rbacWriteVerbs {
		if rbacMatch(rule.Verbs, v) {
			verbs = append(verbs, v)
		}
	}
	if len(verbs) == 0 {
		return ""
	}
	var res []string
	for _, r := range rule.Resources {
		if !rbacReviewResources[r] {
			res = append(res, r)
		}
	}
	if len(res) == 0 {
		return ""
	}
	return fmt.Sprintf("%s on %s", strings.Join(verbs, "/"), strings.Join(res, ", "))
}

func evaluateClusterWideWrite(s *check.Snapshot, env *check.Env) []check.Finding {
	if len(s.ClusterRoleBindings) == 0 {
		return []check.Finding{check.NotApplicablef("no ClusterRoleBindings to inspect")}
	}
	ix := newRBACIndex(s)
	var out []check.Finding
	clusterOnly := func(string) bool { return false }
	for _, b := range rbacBindings(s, clusterOnly) {
		write := ""
		switch b.RoleRef.Name {
		case "cluster-admin", "admin", "edit":
			write = "a default role that writes"
		default:
			rules := ix.rules(b)
			for i := range rules {
				if w := rbacWriteRule(&rules[i]); w != "" {
					write = w
					break
				}
			}
		}
		if write == "" {
			continue
		}
		if subs := unprivilegedSubjects(s, env, b); len(subs) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s (%s) in every namespace to %s", b.role(), write, strings.Join(subs, ", ")))
		}
	}
	return out
}
