package check

// NetworkParams are the parameters of the NET- checks.
type NetworkParams struct {
	// CNINamespaces are searched for CNI DaemonSets (NET-001).
	CNINamespaces []string
	// PolicyCNIs are name patterns (see glob.Match) of CNI or policy-agent DaemonSets that enforce
	// NetworkPolicy. A DaemonSet matches by its name or its k8s-app, app.kubernetes.io/name or
	// app label (NET-001).
	PolicyCNIs []string
	// NonPolicyCNIs are name patterns of CNI DaemonSets known not to enforce NetworkPolicy;
	// finding only these fails NET-001 instead of asking for a manual review.
	NonPolicyCNIs []string
	// SensitiveClassifications are values of the namespace label Params.ClassificationLabel,
	// compared case-insensitively, that forbid egress to every address (NET-003).
	SensitiveClassifications []string
	// MeshRootNamespace is the Istio root namespace, where a PeerAuthentication without a
	// selector applies to the whole mesh (NET-006).
	MeshRootNamespace string
	// ExternalCIDRs are external or corporate networks that the pod, service and node ranges
	// must not overlap (NET-009).
	ExternalCIDRs []string
	// InternalHostSuffixes are DNS suffixes of hostnames reachable only inside the cluster or the
	// private network; Gateway listeners for any other hostname must use TLS (NET-011).
	InternalHostSuffixes []string
	// FlowMonitors are name patterns of DaemonSets, in any namespace, that observe or inspect
	// network flows: flow exporters and network intrusion detection (NET-012).
	FlowMonitors []string
}

func defaultNetworkParams() NetworkParams {
	return NetworkParams{
		CNINamespaces: []string{"kube-system", "calico-system", "kube-flannel"},
		PolicyCNIs: []string{
			"calico-node", "cilium", "cilium-agent", "antrea-agent", "kube-router", "canal", "weave-net",
			"anetd",                 // GKE Dataplane V2 (Cilium)
			"azure-npm",             // Azure Network Policy Manager
			"kube-network-policies", // kubernetes-sigs standalone NetworkPolicy agent
		},
		NonPolicyCNIs:            []string{"kube-flannel-ds", "kube-flannel-ds-*", "flannel"},
		SensitiveClassifications: []string{"confidential", "secret", "sensitive", "restricted"},
		MeshRootNamespace:        "istio-system",
		InternalHostSuffixes:     []string{".cluster.local", ".svc", ".internal", ".local"},
		FlowMonitors: []string{
			"suricata*", "zeek*", "retina-agent", "netobserv-ebpf-agent", "kubeshark-worker*",
			"deepflow-agent", "vizier-pem", "neuvector-enforcer-pod",
		},
	}
}
