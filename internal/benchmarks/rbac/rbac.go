package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Checks returns the RBAC- checks.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:         "RBAC-001",
			Title:      "The API server authorizes requests with the Node and RBAC authorizers and never AlwaysAllow",
			Domain:     check.DomainRBAC,
			Level:      check.L2,
			Severity:   check.SeverityCritical,
			References: check.References{Standard: []string{"S6.1"}, MLPS: []string{"G2a"}},
			Rationale: "Without the RBAC authorizer, roles and bindings have no effect; with AlwaysAllow every " +
				"authenticated request is permitted. The Node authorizer limits each kubelet to its own pods' objects. " +
				"The check reads the kube-apiserver mirror pods in kube-system; managed control planes need a person to verify.",
			Remediation: "Start every kube-apiserver with --authorization-mode=Node,RBAC (or an --authorization-config " +
				"with Node and RBAC authorizers and no AlwaysAllow). On a managed cluster, confirm with the provider " +
				"that RBAC is enforced and attest it.",
			Evaluate: evaluateAuthorizationMode,
		},
		{
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
		},
		{
			ID:       "RBAC-003",
			Title:    "Anonymous, unauthenticated and all-authenticated groups hold only the default discovery roles",
			Domain:   check.DomainRBAC,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S12.1", "S3.13"}, NIST: []string{"3.3.2"}, MLPS: []string{"G1a"},
			},
			Rationale: "A binding to system:anonymous or system:unauthenticated gives its permissions to anyone who " +
				"can reach the API server; one to system:authenticated gives them to every user and every " +
				"service account of the cluster.",
			Remediation: "Delete the binding, or replace the public group with the users, groups or service accounts " +
				"that need the role. Roles that are meant to be public (such as a discovery role) go in the " +
				"profile's RBAC.PublicGrantRoles.",
			Evaluate: evaluatePublicBindings,
		},
		{
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
		},
		{
			ID:       "RBAC-005",
			Title:    "Sensitive permissions are held only by system subjects and allowlisted subjects",
			Domain:   check.DomainRBAC,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.10", "S12.1"}, NIST: []string{"4.3.1"}, MLPS: []string{"G1c"},
				CIS: []string{"5.1.2", "5.1.4", "5.1.8", "5.1.10", "5.1.11", "5.1.12", "5.1.13"},
			},
			Rationale: "Reading every secret, exec into pods, the kubelet API, escalate/bind/impersonate, minting " +
				"service account tokens, approving certificates, changing admission webhooks and creating pods in " +
				"kube-system each lead to more privilege than the role states. Note that the default admin and edit " +
				"roles include exec, impersonation of service accounts and token creation.",
			Scope: "Combines CIS 5.1.2 (secrets), 5.1.4 (pod creation), 5.1.8 (bind, impersonate, escalate), 5.1.10 (nodes/proxy), 5.1.11 (CSR approval), 5.1.12 (webhook configurations) and 5.1.13 (service account tokens). Reading secrets counts only cluster-wide and pod creation only in kube-system, and cluster-scoped resources count only through ClusterRoleBindings, because a RoleBinding cannot grant them.",
			Remediation: "Remove the permission from the role, or bind a narrower role. Grant it only to the people " +
				"and controllers that need it and list them in the profile's privilegedSubjects; a permission that is " +
				"acceptable within a namespace can be made cluster-wide-only in RBAC.SensitivePermissions.",
			Evaluate: evaluateSensitivePermissions,
		},
		{
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
		},
		{
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
		},
		{
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
		},
		{
			ID:         "RBAC-009",
			Title:      "Default service accounts neither mount tokens into pods nor receive permissions",
			Domain:     check.DomainRBAC,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S12.1"}, CIS: []string{"5.1.5", "5.1.6"}},
			Rationale: "Every pod that does not name a service account runs as its namespace's default one; a " +
				"permission granted to it reaches all of them, and a mounted token lets any compromised container " +
				"call the API server.",
			Remediation: "Set automountServiceAccountToken: false on each namespace's default ServiceAccount; give " +
				"workloads that call the API their own ServiceAccount and bind roles to that instead.",
			AutoRemediation: "DisableDefaultServiceAccountAutomount",
			Evaluate:        evaluateDefaultServiceAccounts,
		},
	}
}

// --- Subjects ---

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
func classifySubject(s *check.Snapshot, sub rbacv1.Subject, bindingNS string) subjectClass {
	if sub.Kind != rbacv1.ServiceAccountKind {
		switch sub.Name {
		case userAnonymous, groupUnauthenticated, groupAuthenticated:
			return subjectPublic
		}
	}
	id := subjectID(sub, bindingNS)
	for _, p := range s.Params.PrivilegedSubjects {
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
func unprivilegedSubjects(s *check.Snapshot, b rbacBinding) []string {
	var out []string
	for _, sub := range b.Subjects {
		if !classifySubject(s, sub, b.Namespace).privileged() {
			out = append(out, subjectID(sub, b.Namespace))
		}
	}
	return out
}

// --- Roles and bindings ---

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
func rbacInScope(s *check.Snapshot, ns string) bool {
	if ns == "" {
		return true
	}
	if s.IsSystem(ns) {
		return !s.Scope.Excluded[ns]
	}
	return s.InScope(ns)
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

// privilegeBindings returns the bindings the privilege checks inspect.
func privilegeBindings(s *check.Snapshot) []rbacBinding {
	return rbacBindings(s, func(ns string) bool { return rbacInScope(s, ns) })
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

func newRBACIndex(s *check.Snapshot) *rbacIndex {
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

// --- Rules ---

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

// grantsEverything reports whether a rule is as broad as cluster-admin's: every verb on every
// resource of every API group.
func grantsEverything(rule *rbacv1.PolicyRule) bool {
	return slices.Contains(rule.APIGroups, "*") && slices.Contains(rule.Resources, "*") && slices.Contains(rule.Verbs, "*")
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

// sensitiveGrants returns the names of the sensitive permissions that rules grant through b.
func sensitiveGrants(perms []check.SensitivePermission, b rbacBinding, rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, p := range perms {
		if p.ClusterWide && b.Namespace != "" {
			continue
		}
		if p.Namespace != "" && b.Namespace != "" && b.Namespace != p.Namespace {
			continue
		}
		if sensitivePermissionGranted(p, rules, b.Namespace != "") {
			out = append(out, p.Name)
		}
	}
	return out
}

// clusterScopedResources are the cluster-scoped resources of the built-in API groups that the
// sensitive permissions name, keyed by "group/resource" without subresource. A RoleBinding
// authorizes only requests inside its namespace, so a rule on one of these reaches nothing
// through it; users, groups and uids are impersonated in requests that carry no namespace.
var clusterScopedResources = map[string]bool{
	"/nodes": true, "/namespaces": true, "/persistentvolumes": true,
	"/users": true, "/groups": true, "/uids": true,
	"authentication.k8s.io/users": true, "authentication.k8s.io/groups": true, "authentication.k8s.io/uids": true,
	"certificates.k8s.io/certificatesigningrequests":                 true,
	"admissionregistration.k8s.io/validatingwebhookconfigurations":   true,
	"admissionregistration.k8s.io/mutatingwebhookconfigurations":     true,
	"admissionregistration.k8s.io/validatingadmissionpolicies":       true,
	"admissionregistration.k8s.io/validatingadmissionpolicybindings": true,
	"admissionregistration.k8s.io/mutatingadmissionpolicies":         true,
	"admissionregistration.k8s.io/mutatingadmissionpolicybindings":   true,
	"rbac.authorization.k8s.io/clusterrolebindings":                  true,
	"apiextensions.k8s.io/customresourcedefinitions":                 true,
	"storage.k8s.io/storageclasses":                                  true,
}

// clusterScoped reports whether resource (possibly with a subresource) of group is cluster-scoped.
// ClusterRoles are not listed: binding or escalating a ClusterRole is authorized in the namespace of
// the RoleBinding that references it.
func clusterScoped(group, resource string) bool {
	res, _, _ := strings.Cut(resource, "/")
	return clusterScopedResources[group+"/"+res]
}

// sensitivePermissionGranted reports whether rules grant p; inNamespace leaves out the
// cluster-scoped resources, which rules bound by a RoleBinding cannot reach.
func sensitivePermissionGranted(p check.SensitivePermission, rules []rbacv1.PolicyRule, inNamespace bool) bool {
	verbs := p.Verbs
	if len(verbs) == 0 {
		verbs = []string{""}
	}
	for i := range rules {
		r := &rules[i]
		if p.UnnamedOnly && len(r.ResourceNames) > 0 {
			continue
		}
		for _, g := range p.APIGroups {
			for _, res := range p.Resources {
				if inNamespace && clusterScoped(g, res) {
					continue
				}
				for _, v := range verbs {
					if rbacRuleAllows(r, g, res, v) {
						return true
					}
				}
			}
		}
	}
	return false
}

// --- kube-apiserver ---

// --- Evaluate functions ---

func evaluateAuthorizationMode(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the authorization mode is a fact of a live control plane")}
	}
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("no kube-apiserver mirror pod in kube-system (managed control plane?); %d ClusterRoleBindings "+
			"and %d RoleBindings exist. Verify with the provider that requests are authorized by RBAC "+
			"(and Node) and never AlwaysAllow, then attest it", len(s.ClusterRoleBindings), len(s.RoleBindings))}
	}
	var out []check.Finding
	for _, srv := range servers {
		if file, ok := srv.Flags["authorization-config"]; ok {
			f := check.Manualf("kube-apiserver uses --authorization-config=%s: verify that the AuthorizationConfiguration "+
				"on the control-plane nodes lists the Node and RBAC authorizers and no AlwaysAllow", file)
			f.Object = srv.Ref
			out = append(out, f)
			continue
		}
		mode, set := srv.Flags["authorization-mode"]
		if !set {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver has no --authorization-mode, so it defaults to AlwaysAllow"))
			continue
		}
		modes := map[string]bool{}
		for _, m := range strings.Split(mode, ",") {
			modes[strings.TrimSpace(m)] = true
		}
		var problems, missing []string
		if modes["AlwaysAllow"] {
			problems = append(problems, "includes AlwaysAllow")
		}
		for _, want := range []string{"Node", "RBAC"} {
			if !modes[want] {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "lacks "+strings.Join(missing, " and "))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver --authorization-mode=%s %s", mode, strings.Join(problems, "; ")))
		}
	}
	return out
}

func evaluateAdminBindings(s *check.Snapshot) []check.Finding {
	bindings := privilegeBindings(s)
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
		if subs := unprivilegedSubjects(s, b); len(subs) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s, outside the system subjects and privilegedSubjects",
				what, b.scope(), strings.Join(subs, ", ")))
		}
	}
	return out
}

func evaluatePublicBindings(s *check.Snapshot) []check.Finding {
	bindings := privilegeBindings(s)
	if len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no RoleBindings or ClusterRoleBindings to inspect")}
	}
	allowed := map[string]bool{}
	for _, r := range s.Params.RBAC.PublicGrantRoles {
		allowed[r] = true
	}
	var out []check.Finding
	for _, b := range bindings {
		ref := b.RoleRef.Kind + ":" + b.RoleRef.Name
		if b.RoleRef.Kind == "Role" {
			ref = "Role:" + b.Namespace + "/" + b.RoleRef.Name
		}
		if allowed[ref] {
			continue
		}
		var public []string
		for _, sub := range b.Subjects {
			if classifySubject(s, sub, b.Namespace) == subjectPublic {
				public = append(public, subjectID(sub, b.Namespace))
			}
		}
		if len(public) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s", b.role(), b.scope(), strings.Join(public, ", ")))
		}
	}
	return out
}

func evaluateWildcardRoles(s *check.Snapshot) []check.Finding {
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
		if rbacInScope(s, r.Namespace) {
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

func evaluateSensitivePermissions(s *check.Snapshot) []check.Finding {
	bindings := privilegeBindings(s)
	if len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no RoleBindings or ClusterRoleBindings to inspect")}
	}
	ix := newRBACIndex(s)
	var out []check.Finding
	for _, b := range bindings {
		subs := unprivilegedSubjects(s, b)
		if len(subs) == 0 {
			continue
		}
		if grants := sensitiveGrants(s.Params.RBAC.SensitivePermissions, b, ix.rules(b)); len(grants) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s, who can then: %s", b.role(), b.scope(),
				strings.Join(subs, ", "), strings.Join(grants, "; ")))
		}
	}
	return out
}

func evaluateRBACHygiene(s *check.Snapshot) []check.Finding {
	bindings := rbacBindings(s, s.InScope)
	live := s.Source != check.SourceManifests
	var out []check.Finding
	if live {
		out = append(out, unusedRoles(s)...)
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
func unusedRoles(s *check.Snapshot) []check.Finding {
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
		if s.InScope(r.Namespace) && !rbacSystemProvided(&r.ObjectMeta) && !used["Role:"+r.Namespace+"/"+r.Name] {
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

func evaluateIdentityIntegration(s *check.Snapshot) []check.Finding {
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
	return append(out, handedOutTokens(s)...)
}

// handedOutTokens reports long-lived service account token Secrets that no workload of their
// namespace uses, through its service account or by mounting the Secret: such a token is held
// outside the cluster, by a person or a pipeline.
func handedOutTokens(s *check.Snapshot) []check.Finding {
	usedSA, usedSecret := map[string]bool{}, map[string]bool{}
	for _, w := range s.Workloads() {
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
		if sec.Type != corev1.SecretTypeServiceAccountToken || !s.InScope(sec.Namespace) {
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

func evaluateClusterWideWrite(s *check.Snapshot) []check.Finding {
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
		if subs := unprivilegedSubjects(s, b); len(subs) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s (%s) in every namespace to %s", b.role(), write, strings.Join(subs, ", ")))
		}
	}
	return out
}

func evaluateDefaultServiceAccounts(s *check.Snapshot) []check.Finding {
	automountOff := map[string]bool{} // namespace → its default ServiceAccount disables automount
	for _, sa := range s.ServiceAccounts {
		if sa.Name == "default" && sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken {
			automountOff[sa.Namespace] = true
		}
	}
	var out []check.Finding
	workloads := s.Workloads()
	for _, w := range workloads {
		// A controller-owned pod appears only for its ephemeral containers; its template was judged.
		if len(w.Spec.Containers) == 0 || check.PodServiceAccount(w.Spec) != "default" {
			continue
		}
		switch am := w.Spec.AutomountServiceAccountToken; {
		case am != nil && *am:
			out = append(out, check.Failf(w.Ref, "runs as the default ServiceAccount with automountServiceAccountToken: true"))
		case am == nil && !automountOff[w.Ref.Namespace]:
			out = append(out, check.Failf(w.Ref, "runs as the default ServiceAccount and mounts its token: "+
				"automountServiceAccountToken is not false on the pod or on ServiceAccount %s/default", w.Ref.Namespace))
		}
	}
	bindings := rbacBindings(s, func(string) bool { return true })
	for _, b := range bindings {
		var defaults []string
		for _, sub := range b.Subjects {
			if ns, name, ok := serviceAccountOf(sub, b.Namespace); ok && name == "default" && s.InScope(ns) {
				defaults = append(defaults, subjectID(sub, b.Namespace))
			}
		}
		if len(defaults) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s", b.role(), b.scope(), strings.Join(defaults, ", ")))
		}
	}
	if len(out) == 0 && len(workloads) == 0 && len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no workloads or bindings to inspect")}
	}
	return out
}
