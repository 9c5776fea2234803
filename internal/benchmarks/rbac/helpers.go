package rbac

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// subjectClass sorts a binding subject by how much it may be trusted with privilege.
type subjectClass int

const (
	// subjectOrdinary is a subject that is neither a system subject nor allowlisted.
	subjectOrdinary subjectClass = iota
	// subjectPublic is anonymous, unauthenticated or every authenticated identity.
	subjectPublic
	// subjectAllowlisted is in Params.PrivilegedSubjects.
	subjectAllowlisted
	// subjectSystem is the control plane itself: system: users and groups and kube-system
	// service accounts.
	subjectSystem
)

// privileged reports whether the subject may hold cluster-admin and sensitive permissions.
func (c subjectClass) privileged() bool { return c == subjectSystem || c == subjectAllowlisted }

const (
	userAnonymous        = "system:anonymous"
	groupUnauthenticated = "system:unauthenticated"
	groupAuthenticated   = "system:authenticated"
	saUserPrefix         = "system:serviceaccount:"
	saGroupPrefix        = "system:serviceaccounts"
)

// classifySubject decides whether sub, from a binding in bindingNS ("" for a
// ClusterRoleBinding), is a system subject, an allowlisted one, a public group or an ordinary
// subject. Public groups are never trusted, even when listed: their names start with "system:"
// but they stand for everyone.
func classifySubject(s *check.Snapshot, env *check.Env, sub rbacv1.Subject, bindingNS string) subjectClass {
	if sub.Kind != rbacv1.ServiceAccountKind {
		switch sub.Name {
		case userAnonymous, groupUnauthenticated, groupAuthenticated:
			return subjectPublic
		}
	}
	id := subjectID(sub, bindingNS)
	for _, p := range env.Params.PrivilegedSubjects {
		if p == id {
			return subjectAllowlisted
		}
	}
	if ns, _, ok := serviceAccountOf(sub, bindingNS); ok {
		if ns == "kube-system" {
			return subjectSystem
		}
		return subjectOrdinary
	}
	// The service-account groups stand for workloads: every service account of the cluster, or
	// of one namespace, which is only the platform's for kube-system.
	if sub.Kind == rbacv1.GroupKind && strings.HasPrefix(sub.Name, saGroupPrefix) {
		if sub.Name == saGroupPrefix+":kube-system" {
			return subjectSystem
		}
		return subjectOrdinary
	}
	if strings.HasPrefix(sub.Name, "system:") {
		return subjectSystem
	}
	return subjectOrdinary
}

// serviceAccountOf returns the namespace and name of a service account subject, whether given
// as a ServiceAccount or as its user name system:serviceaccount:NS:NAME.
func serviceAccountOf(sub rbacv1.Subject, bindingNS string) (ns, name string, ok bool) {
	switch {
	case sub.Kind == rbacv1.ServiceAccountKind:
		ns = sub.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return ns, sub.Name, true
	case sub.Kind == rbacv1.UserKind && strings.HasPrefix(sub.Name, saUserPrefix):
		ns, name, ok = strings.Cut(strings.TrimPrefix(sub.Name, saUserPrefix), ":")
		return ns, name, ok
	}
	return "", "", false
}

// subjectID writes a subject as Params.PrivilegedSubjects does: User:alice, Group:admins or
// ServiceAccount:ns/name.
func subjectID(sub rbacv1.Subject, bindingNS string) string {
	if ns, name, ok := serviceAccountOf(sub, bindingNS); ok {
		return rbacv1.ServiceAccountKind + ":" + ns + "/" + name
	}
	return sub.Kind + ":" + sub.Name
}

// unprivilegedSubjects lists the subjects of b that may not hold privileged permissions.
func unprivilegedSubjects(s *check.Snapshot, env *check.Env, b rbacBinding) []string {
	var out []string
	for _, sub := range b.Subjects {
		if !classifySubject(s, env, sub, b.Namespace).privileged() {
			out = append(out, subjectID(sub, b.Namespace))
		}
	}
	return out
}

// rbacBinding is a RoleBinding or a ClusterRoleBinding.
type rbacBinding struct {
	Ref  check.ObjectRef
	Meta *metav1.ObjectMeta
	// Namespace is the RoleBinding's namespace, "" for a ClusterRoleBinding.
	Namespace string
	RoleRef   rbacv1.RoleRef
	Subjects  []rbacv1.Subject
}

// role describes the binding's role for a message, such as `ClusterRole "edit"`.
func (b rbacBinding) role() string { return fmt.Sprintf("%s %q", b.RoleRef.Kind, b.RoleRef.Name) }

// scope says where the binding grants its role, for a message.
func (b rbacBinding) scope() string {
	if b.Namespace == "" {
		return "cluster-wide"
	}
	return "in namespace " + b.Namespace
}

// rbacInScope reports whether the privilege checks inspect RBAC objects in ns. Unlike workload
// checks they include system namespaces: a RoleBinding in kube-system reaches the platform's
// own secrets, and the platform's subjects are recognised by classifySubject instead.
func rbacInScope(s *check.Snapshot, env *check.Env, ns string) bool {
	if ns == "" {
		return true
	}
	if env.Scope.IsSystem(ns) {
		return !env.Scope.Excluded[ns]
	}
	return env.Scope.InScope(s, ns)
}

// rbacBindings returns the ClusterRoleBindings and the RoleBindings of namespaces that
// inScope accepts.
func rbacBindings(s *check.Snapshot, inScope func(ns string) bool) []rbacBinding {
	var out []rbacBinding
	for _, b := range s.ClusterRoleBindings {
		out = append(out, rbacBinding{Ref: check.ObjectRef{Kind: "ClusterRoleBinding", Name: b.Name}, Meta: &b.ObjectMeta,
			RoleRef: b.RoleRef, Subjects: b.Subjects})
	}
	for _, b := range s.RoleBindings {
		if !inScope(b.Namespace) {
			continue
		}
		out = append(out, rbacBinding{Ref: check.ObjectRef{Kind: "RoleBinding", Namespace: b.Namespace, Name: b.Name},
			Meta: &b.ObjectMeta, Namespace: b.Namespace, RoleRef: b.RoleRef, Subjects: b.Subjects})
	}
	return out
}

// privilegeBindingsKey and rbacIndexKey name values derived once per snapshot.
type (
	privilegeBindingsKey struct{}
	rbacIndexKey         struct{}
)

// privilegeBindings returns the bindings the privilege checks inspect: every binding of the
// snapshot, built once per snapshot for all of them, filtered by the evaluation's scope.
func privilegeBindings(s *check.Snapshot, env *check.Env) []rbacBinding {
	all := check.Derived(s, privilegeBindingsKey{}, func(s *check.Snapshot) []rbacBinding {
		return rbacBindings(s, func(string) bool { return true })
	})
	out := make([]rbacBinding, 0, len(all))
	for _, b := range all {
		if rbacInScope(s, env, b.Namespace) {
			out = append(out, b)
		}
	}
	return out
}

// rbacSystemProvided reports whether a role or binding ships with Kubernetes: its name starts
// with "system:", it is one of the user-facing default ClusterRoles (or their bindings), or the
// API server labelled it as a bootstrap default.
func rbacSystemProvided(meta *metav1.ObjectMeta) bool {
	switch meta.Name {
	case "cluster-admin", "admin", "edit", "view":
		if meta.Namespace == "" {
			return true
		}
	}
	return strings.HasPrefix(meta.Name, "system:") || meta.Labels["kubernetes.io/bootstrapping"] == "rbac-defaults"
}

// rbacIndex looks up roles by reference.
type rbacIndex struct {
	s            *check.Snapshot
	roles        map[string]*rbacv1.Role // namespace/name
	clusterRoles map[string]*rbacv1.ClusterRole
}

// newRBACIndex returns the snapshot's index of roles, built once per snapshot; it is read-only.
func newRBACIndex(s *check.Snapshot) *rbacIndex {
	return check.Derived(s, rbacIndexKey{}, buildRBACIndex)
}

func buildRBACIndex(s *check.Snapshot) *rbacIndex {
	ix := &rbacIndex{s: s, roles: map[string]*rbacv1.Role{}, clusterRoles: map[string]*rbacv1.ClusterRole{}}
	for _, r := range s.Roles {
		ix.roles[r.Namespace+"/"+r.Name] = r
	}
	for _, r := range s.ClusterRoles {
		ix.clusterRoles[r.Name] = r
	}
	return ix
}

// exists reports whether the binding's role is in the snapshot.
func (ix *rbacIndex) exists(b rbacBinding) bool {
	switch b.RoleRef.Kind {
	case "ClusterRole":
		return ix.clusterRoles[b.RoleRef.Name] != nil
	case "Role":
		return ix.roles[b.Namespace+"/"+b.RoleRef.Name] != nil
	}
	return false
}

// rules returns the rules of the binding's role; nil when the role is missing.
func (ix *rbacIndex) rules(b rbacBinding) []rbacv1.PolicyRule {
	switch b.RoleRef.Kind {
	case "ClusterRole":
		return ix.clusterRoleRules(b.RoleRef.Name, map[string]bool{})
	case "Role":
		if r := ix.roles[b.Namespace+"/"+b.RoleRef.Name]; r != nil {
			return r.Rules
		}
	}
	return nil
}

// clusterRoleRules returns the rules of a ClusterRole. In a cluster the controller fills in the
// rules of aggregated ClusterRoles; a manifest scan sees them empty, so they are aggregated here.
func (ix *rbacIndex) clusterRoleRules(name string, seen map[string]bool) []rbacv1.PolicyRule {
	cr := ix.clusterRoles[name]
	if cr == nil || seen[name] {
		return nil
	}
	seen[name] = true
	if cr.AggregationRule == nil || len(cr.Rules) > 0 {
		return cr.Rules
	}
	var out []rbacv1.PolicyRule
	for _, other := range ix.s.ClusterRoles {
		if other.Name != name && clusterRoleAggregates(cr, other) {
			out = append(out, ix.clusterRoleRules(other.Name, seen)...)
		}
	}
	return out
}

// clusterRoleAggregates reports whether the aggregation rule of agg selects the ClusterRole part.
func clusterRoleAggregates(agg, part *rbacv1.ClusterRole) bool {
	if agg.AggregationRule == nil {
		return false
	}
	for i := range agg.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&agg.AggregationRule.ClusterRoleSelectors[i])
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(part.Labels)) {
			return true
		}
	}
	return false
}

// rbacRuleAllows reports whether rule allows verb on resource (with subresource, "pods/exec") in
// group, following the RBAC authorizer: "*" matches anything and "*/exec" any resource's exec
// subresource. An empty verb stands for any verb.
func rbacRuleAllows(rule *rbacv1.PolicyRule, group, resource, verb string) bool {
	if !rbacMatch(rule.APIGroups, group) {
		return false
	}
	if verb != "" && !rbacMatch(rule.Verbs, verb) {
		return false
	}
	if verb == "" && len(rule.Verbs) == 0 {
		return false
	}
	_, sub, hasSub := strings.Cut(resource, "/")
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || r == resource || (hasSub && r == "*/"+sub) {
			return true
		}
	}
	return false
}

// rbacMatch reports whether list holds v or the wildcard "*".
func rbacMatch(list []string, v string) bool {
	for _, x := range list {
		if x == v || x == "*" {
			return true
		}
	}
	return false
}
