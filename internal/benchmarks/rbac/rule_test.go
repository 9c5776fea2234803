package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestRuleAllows(t *testing.T) {
	rule := func(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
	}
	core := []string{""}
	cases := []struct {
		name                  string
		rule                  rbacv1.PolicyRule
		group, resource, verb string
		want                  bool
	}{
		{"exact", rule(core, []string{"secrets"}, []string{"get"}), "", "secrets", "get", true},
		{"other verb", rule(core, []string{"secrets"}, []string{"list"}), "", "secrets", "get", false},
		{"other group", rule([]string{"apps"}, []string{"secrets"}, []string{"get"}), "", "secrets", "get", false},
		{"every verb", rule(core, []string{"secrets"}, []string{"*"}), "", "secrets", "delete", true},
		{"every group", rule([]string{"*"}, []string{"secrets"}, []string{"get"}), "", "secrets", "get", true},
		{"every resource", rule(core, []string{"*"}, []string{"get"}), "", "pods/exec", "get", true},
		{"a subresource of every resource", rule(core, []string{"*/exec"}, []string{"create"}), "", "pods/exec", "create", true},
		{"the resource is not its subresource", rule(core, []string{"pods"}, []string{"create"}), "", "pods/exec", "create", false},
		{"named objects still count", rule(core, []string{"secrets"}, []string{"get"}, "db-password"), "", "secrets", "get", true},
		{"any verb, the rule has one", rule(core, []string{"nodes/proxy"}, []string{"get"}), "", "nodes/proxy", "", true},
		{"any verb, the rule has none", rule(core, []string{"nodes/proxy"}, nil), "", "nodes/proxy", "", false},
		{"any verb, other resource", rule(core, []string{"nodes"}, []string{"get"}), "", "nodes/proxy", "", false},
	}
	for _, tc := range cases {
		if got := rbacRuleAllows(&tc.rule, tc.group, tc.resource, tc.verb); got != tc.want {
			t.Errorf("%s: rbacRuleAllows = %v, want %v", tc.name, got, tc.want)
		}
	}
}
