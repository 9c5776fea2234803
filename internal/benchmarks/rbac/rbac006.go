package rbac

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
)

func rbac006() check.Check {
	return check.Check{
		ID:         "RBAC-006",
		Title:      "RBAC objects are in use, resolvable and not duplicated",
		Domain:     check.DomainRBAC,
		Level:      check.L2,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S6.1"}, MLPS: []string{"G2a"}},
		Rationale: "Unused roles, bindings to roles or service accounts that no longer exist, and duplicate " +
			"bindings make reviews harder and hide real grants; a dangling binding also grants its permissions " +
			"to whoever later creates an object of that name.",
		Remediation: "Delete roles no binding uses, bindings whose role or service account is gone, and the " +
			"duplicate of each pair of bindings that grant the same role to the same subject in the same scope.",
		Evaluate: evaluateRBACHygiene,
	}
}

func evaluateRBACHygiene(s *check.Snapshot, env *check.Env) []check.Finding {
	bindings := rbacBindings(s, func(ns string) bool { return env.Scope.InScope(s, ns) })
	live := s.Source != check.SourceManifests
	var out []check.Finding
	if live {
		out = append(out, unusedRoles(s, env)...)
		out = append(out, danglingBindings(s, bindings)...)
	}
	out = append(out, duplicateBindings(bindings)...)
	if len(out) == 0 && len(bindings) == 0 && len(s.Roles)+len(s.ClusterRoles) == 0 {
		return []check.Finding{check.NotApplicablef("no RBAC objects to inspect")}
	}
	return out
}

// unusedRoles reports custom roles that no binding references, no aggregated ClusterRole
// selects and no bind rule names.
func unusedRoles(s *check.Snapshot, env *check.Env) []check.Finding {
	used := map[string]bool{} // "ClusterRole:name" or "Role:namespace/name"
	for _, b := range rbacBindings(s, func(string) bool { return true }) {
		if b.RoleRef.Kind == "Role" {
			used["Role:"+b.Namespace+"/"+b.RoleRef.Name] = true
		} else {
			used["ClusterRole:"+b.RoleRef.Name] = true
		}
	}
	bindable := func(rules []rbacv1.PolicyRule, ns string) {
		for i := range rules {
			r := &rules[i]
			if !rbacMatch(r.Verbs, "bind") {
				continue
			}
			for _, n := range r.ResourceNames {
				if rbacRuleAllows(r, rbacv1.GroupName, "clusterroles", "bind") {
					used["ClusterRole:"+n] = true
				}
				if ns != "" && rbacRuleAllows(r, rbacv1.GroupName, "roles", "bind") {
					used["Role:"+ns+"/"+n] = true
				}
			}
		}
	}
	for _, r := range s.ClusterRoles {
		bindable(r.Rules, "")
	}
	for _, r := range s.Roles {
		bindable(r.Rules, r.Namespace)
	}
	var out []check.Finding
	for _, r := range s.ClusterRoles {
		if rbacSystemProvided(&r.ObjectMeta) || r.AggregationRule != nil || used["ClusterRole:"+r.Name] {
			continue
		}
		aggregated := false
		for _, agg := range s.ClusterRoles {
			if agg != r && clusterRoleAggregates(agg, r) {
				aggregated = true
				break
			}
		}
		if !aggregated {
			out = append(out, check.Failf(check.ObjectRef{Kind: "ClusterRole", Name: r.Name}, "no binding references this ClusterRole"))
		}
	}
	for _, r := range s.Roles {
		if env.Scope.InScope(s, r.Namespace) && !rbacSystemProvided(&r.ObjectMeta) && !used["Role:"+r.Namespace+"/"+r.Name] {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Role", Namespace: r.Namespace, Name: r.Name},
				"no RoleBinding in namespace %s references this Role", r.Namespace))
		}
	}
	return out
}

// danglingBindings reports custom bindings whose role or service account subjects are missing.
func danglingBindings(s *check.Snapshot, bindings []rbacBinding) []check.Finding {
	ix := newRBACIndex(s)
	sas := map[string]bool{}
	for _, sa := range s.ServiceAccounts {
		sas[sa.Namespace+"/"+sa.Name] = true
	}
	var out []check.Finding
	for _, b := range bindings {
		if rbacSystemProvided(b.Meta) {
			continue
		}
		var missing []string
		if !ix.exists(b) {
			missing = append(missing, b.role())
		}
		for _, sub := range b.Subjects {
			if sub.Kind != rbacv1.ServiceAccountKind {
				continue
			}
			if ns, name, _ := serviceAccountOf(sub, b.Namespace); !sas[ns+"/"+name] {
				missing = append(missing, fmt.Sprintf("ServiceAccount %s/%s", ns, name))
			}
		}
		if len(missing) > 0 {
			out = append(out, check.Failf(b.Ref, "references %s, which does not exist", strings.Join(missing, " and ")))
		}
	}
	return out
}

// duplicateBindings reports each custom binding that grants a role to a subject that an
// earlier binding already grants it to in the same scope. System-provided bindings come first,
// so a copy of a default binding is the one reported.
func duplicateBindings(bindings []rbacBinding) []check.Finding {
	sorted := append([]rbacBinding(nil), bindings...)
	sort.SliceStable(sorted, func(i, j int) bool {
		si, sj := rbacSystemProvided(sorted[i].Meta), rbacSystemProvided(sorted[j].Meta)
		if si != sj {
			return si
		}
		return check.RefLess(sorted[i].Ref, sorted[j].Ref)
	})
	first := map[string]check.ObjectRef{} // scope|roleRef|subject → first binding
	var out []check.Finding
	for _, b := range sorted {
		var dups []string
		for _, sub := range b.Subjects {
			key := b.Namespace + "|" + b.RoleRef.Kind + "/" + b.RoleRef.Name + "|" + subjectID(sub, b.Namespace)
			prev, seen := first[key]
			switch {
			case !seen:
				first[key] = b.Ref
			case prev != b.Ref:
				dups = append(dups, fmt.Sprintf("%s (already granted by %s)", subjectID(sub, b.Namespace), prev))
			}
		}
		if len(dups) > 0 && !rbacSystemProvided(b.Meta) {
			out = append(out, check.Failf(b.Ref, "duplicates the grant of %s to %s", b.role(), strings.Join(dups, ", ")))
		}
	}
	return out
}
