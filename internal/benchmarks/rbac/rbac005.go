package rbac

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	rbacv1 "k8s.io/api/rbac/v1"
)

func rbac005() check.Check {
	return check.Check{
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
	}
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

func evaluateSensitivePermissions(s *check.Snapshot, env *check.Env) []check.Finding {
	bindings := privilegeBindings(s, env)
	if len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no RoleBindings or ClusterRoleBindings to inspect")}
	}
	ix := newRBACIndex(s)
	var out []check.Finding
	for _, b := range bindings {
		subs := unprivilegedSubjects(s, env, b)
		if len(subs) == 0 {
			continue
		}
		if grants := sensitiveGrants(env.Params.RBAC.SensitivePermissions, b, ix.rules(b)); len(grants) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s, who can then: %s", b.role(), b.scope(),
				strings.Join(subs, ", "), strings.Join(grants, "; ")))
		}
	}
	return out
}
