package rbac

import (
	"fmt"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func BenchmarkRuleAllowsMiss(b *testing.B) {
	r := rbacv1.PolicyRule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list"}}
	for b.Loop() {
		rbacRuleAllows(&r, "", "secrets", "get")
	}
}

func BenchmarkRuleAllowsHit(b *testing.B) {
	r := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods", "secrets"}, Verbs: []string{"get", "list"}}
	for b.Loop() {
		rbacRuleAllows(&r, "", "secrets", "get")
	}
}

// BenchmarkRBAC005 evaluates the sensitive-permission check over 1,000 namespaces, each with a
// Role of ordinary rules bound three times.
func BenchmarkRBAC005(b *testing.B) {
	s := &check.Snapshot{}
	core := []string{""}
	for i := range 1000 {
		ns := fmt.Sprintf("ns-%d", i)
		s.Roles = append(s.Roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			{APIGroups: core, Resources: []string{"pods", "services", "configmaps", "endpoints"}, Verbs: []string{"get", "list", "watch", "create", "update"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch"}},
			{APIGroups: core, Resources: []string{"pods/log", "events"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"*"}},
		}})
		for j := range 3 {
			s.RoleBindings = append(s.RoleBindings, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("b%d", j), Namespace: ns},
				RoleRef:  rbacv1.RoleRef{Kind: "Role", Name: "app", APIGroup: rbacv1.GroupName},
				Subjects: []rbacv1.Subject{{Kind: "User", Name: fmt.Sprintf("user-%d-%d", i, j)}}})
		}
	}
	env := &check.Env{Params: check.DefaultParams()}
	c := rbac005()
	b.ResetTimer()
	for b.Loop() {
		c.Evaluate(s, env)
	}
}
