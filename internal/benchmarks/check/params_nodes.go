package check

import (
	"time"
)

// NodeParams are the parameters of the NODE- checks.
type NodeParams struct {
	// MaxRequestedPercent is the share of a node's allocatable CPU or memory that the requests of
	// its pods may reach before NODE-001 reports the node as overcommitted; 0 turns this off.
	MaxRequestedPercent int
	// MinRuntimeVersions maps a container runtime, as named before "://" in
	// nodeInfo.containerRuntimeVersion (containerd, cri-o, docker), to the lowest version a node
	// may run (NODE-002). A runtime with no entry is reported for manual review.
	MinRuntimeVersions map[string]string
	// MaxKubeletMinorSkew is how many minor versions a kubelet may lag behind the API server
	// (NODE-003); the upstream skew policy allows 3.
	MaxKubeletMinorSkew int
	// PoolLabels are node labels that name a node's pool, in order of preference: the first one a
	// node carries (with any value, even empty) puts it in the pool "label=value". Nodes carrying
	// none form one pool. Used by the drift checks NODE-003, NODE-004 and NODE-018.
	PoolLabels []string
	// OSMinimums set minimum OS and kernel versions for the nodes whose osImage matches; every
	// matching entry applies (NODE-004).
	OSMinimums []OSMinimum
	// ContainerOSImages are globs of nodeInfo.osImage values of container-specific operating
	// systems (NODE-005).
	ContainerOSImages []string
	// BenchmarkExceptions are CIS benchmark results accepted as documented exceptions: kube-bench
	// test numbers such as "4.2.6" or Trivy check IDs such as "KCV0083" (NODE-007, NODE-008).
	BenchmarkExceptions []string
	// BenchmarkMaxAge is the oldest a node's CIS benchmark report may be (NODE-008).
	BenchmarkMaxAge time.Duration
	// NodeScanMaxAge is the oldest a node's OS vulnerability scan report may be (NODE-009).
	NodeScanMaxAge time.Duration
	// CSRPendingMax is how long a kubelet certificate signing request may stay pending before
	// NODE-011 takes it as a sign that nobody approves kubelet certificates.
	CSRPendingMax time.Duration
	// MaxPodPidsLimit is the largest kubelet podPidsLimit accepted (NODE-012).
	MaxPodPidsLimit int64
	// RequireImageMaximumGCAge makes NODE-017 also require imageMaximumGCAge, which removes
	// images unused for that long even when the disk is not full.
	RequireImageMaximumGCAge bool
	// AutoscalerImages are globs of the last path element of an image name, without tag or
	// digest, that identify a node autoscaler Deployment (NODE-018).
	AutoscalerImages []string
	// AutoscalerKinds are optional kinds (GroupKind, such as "NodePool.karpenter.sh") whose
	// objects show that the cluster adds nodes by itself (NODE-018).
	AutoscalerKinds []string
}

// OSMinimum sets minimum versions for the nodes whose osImage matches a glob. Versions compare
// number by number, so "5.15.0-105" is below "5.15.0-1061".
type OSMinimum struct {
	// OSImage is a glob matched against nodeInfo.osImage, such as "Ubuntu *"; "*" matches all.
	OSImage string
	// MinOSVersion is the lowest version read from osImage (its first dotted number, such as
	// 22.04.4 in "Ubuntu 22.04.4 LTS"); empty means not checked.
	MinOSVersion string
	// MinKernelVersion is the lowest nodeInfo.kernelVersion; empty means not checked.
	MinKernelVersion string
}

func defaultNodeParams() NodeParams {
	const day = 24 * time.Hour
	return NodeParams{
		MaxRequestedPercent: 90,
		// The oldest patch releases of the runtime lines still maintained in 2025 that carry the
		// fixes for the runc escapes (CVE-2024-21626 and later).
		MinRuntimeVersions: map[string]string{
			"containerd": "1.7.24",
			"cri-o":      "1.31.0",
			"docker":     "25.0.2",
		},
		MaxKubeletMinorSkew: 3,
		PoolLabels: []string{
			"karpenter.sh/nodepool",
			"eks.amazonaws.com/nodegroup",
			"cloud.google.com/gke-nodepool",
			"kubernetes.azure.com/agentpool",
			"agentpool",
			"node-role.kubernetes.io/control-plane",
			"node.kubernetes.io/instance-type",
		},
		OSMinimums: []OSMinimum{
			// CentOS 7's 3.10 and older kernels lack the namespace and cgroup fixes containers rely on.
			{OSImage: "*", MinKernelVersion: "4.18"},
			{OSImage: "Ubuntu *", MinOSVersion: "22.04"},
			{OSImage: "Debian GNU/Linux *", MinOSVersion: "12"},
			{OSImage: "Red Hat Enterprise Linux [0-9]*", MinOSVersion: "8.10"},
		},
		ContainerOSImages: []string{
			"Bottlerocket OS*",
			"Flatcar Container Linux*",
			"Container-Optimized OS*",
			"Talos*",
			"Fedora CoreOS*",
			"Red Hat Enterprise Linux CoreOS*",
			"SUSE Linux Enterprise Micro*",
			"SUSE Linux Micro*",
		},
		BenchmarkMaxAge:  30 * day,
		NodeScanMaxAge:   7 * day,
		CSRPendingMax:    time.Hour,
		MaxPodPidsLimit:  4096,
		AutoscalerImages: []string{"cluster-autoscaler", "cluster-autoscaler-*"},
		AutoscalerKinds: []string{
			"NodePool.karpenter.sh",
			"NodeClaim.karpenter.sh",
			"MachineDeployment.cluster.x-k8s.io",
			"MachinePool.cluster.x-k8s.io",
			"MachineAutoscaler.autoscaling.openshift.io",
		},
	}
}
