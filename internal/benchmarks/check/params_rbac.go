package check

import (
	rbacv1 "k8s.io/api/rbac/v1"
)

// RBACParams are the parameters of the RBAC- checks.
type RBACParams struct {
	// SensitivePermissions are the permissions RBAC-005 reports when a subject that is neither
	// a system subject nor in Params.PrivilegedSubjects holds them.
	SensitivePermissions []SensitivePermission
	// PublicGrantRoles are the roles that may be granted to system:anonymous,
	// system:unauthenticated and system:authenticated (RBAC-003), written "ClusterRole:name" or
	// "Role:namespace/name". The defaults are the bindings Kubernetes and kubeadm create.
	PublicGrantRoles []string
}

// SensitivePermission is one permission of RBAC-005. A rule grants it when it allows any of
// the verbs on any of the resources in any of the API groups.
type SensitivePermission struct {
	// Name describes the permission in findings, such as "read secrets cluster-wide".
	Name string
	// APIGroups are the API groups of the resources; "" is the core group.
	APIGroups []string
	// Resources are resource names, with subresources written "pods/exec".
	Resources []string
	// Verbs are the verbs that grant the permission; empty means any verb.
	Verbs []string
	// ClusterWide counts only grants through a ClusterRoleBinding. Cluster-scoped resources of
	// the built-in API groups (nodes, certificate signing requests, webhook configurations…) are
	// always counted only there, since a RoleBinding cannot reach them.
	ClusterWide bool
	// Namespace, when set, counts only grants that reach this namespace: a ClusterRoleBinding
	// or a RoleBinding in it.
	Namespace string
	// UnnamedOnly ignores rules limited by resourceNames, which reach named objects only.
	UnnamedOnly bool
}

func defaultRBACParams() RBACParams {
	write := []string{"create", "update", "patch", "delete", "deletecollection"}
	return RBACParams{
		SensitivePermissions: []SensitivePermission{
			{Name: "read secrets cluster-wide", APIGroups: []string{""}, Resources: []string{"secrets"},
				Verbs: []string{"get", "list", "watch"}, ClusterWide: true, UnnamedOnly: true},
			// get is listed because clusters before 1.35 (or with AuthorizePodWebsocketUpgradeCreatePermission
			// off) authorize a WebSocket exec with get alone.
			{Name: "exec, attach or port-forward into pods", APIGroups: []string{""},
				Resources: []string{"pods/exec", "pods/attach", "pods/portforward"}, Verbs: []string{"create", "get"}},
			{Name: "access the kubelet API through nodes/proxy", APIGroups: []string{""}, Resources: []string{"nodes/proxy"}},
			{Name: "escalate or bind roles", APIGroups: []string{rbacv1.GroupName},
				Resources: []string{"roles", "clusterroles"}, Verbs: []string{"escalate", "bind"}},
			{Name: "impersonate users, groups or service accounts", APIGroups: []string{"", "authentication.k8s.io"},
				Resources: []string{"users", "groups", "serviceaccounts", "uids"}, Verbs: []string{"impersonate"}},
			{Name: "create service account tokens", APIGroups: []string{""}, Resources: []string{"serviceaccounts/token"},
				Verbs: []string{"create"}},
			{Name: "approve certificate signing requests", APIGroups: []string{"certificates.k8s.io"},
				Resources: []string{"certificatesigningrequests/approval"}, Verbs: []string{"update", "patch"}},
			{Name: "change admission webhooks or policies", APIGroups: []string{"admissionregistration.k8s.io"},
				Resources: []string{
					"validatingwebhookconfigurations", "mutatingwebhookconfigurations",
					"validatingadmissionpolicies", "validatingadmissionpolicybindings",
					"mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
				}, Verbs: write},
			{Name: "create pods in kube-system", APIGroups: []string{""}, Resources: []string{"pods"},
				Verbs: []string{"create"}, Namespace: "kube-system"},
		},
		PublicGrantRoles: []string{
			"ClusterRole:system:public-info-viewer",
			"ClusterRole:system:discovery",
			"ClusterRole:system:basic-user",
			"Role:kube-public/kubeadm:bootstrap-signer-clusterinfo",
		},
	}
}
