package nodes

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/version"
)

// Optional kinds the NODE- checks read from Snapshot.Extra.
const (
	// gkKubeBenchReport is Starboard's per-node kube-bench result (cluster-scoped, named after
	// the node, the report in kube-bench's own JSON schema).
	gkKubeBenchReport = "CISKubeBenchReport.aquasecurity.github.io"
	// gkNodeInfraAssessment is the Trivy Operator's per-node result of its node-collector (CIS
	// node checks such as KCV0079), labelled trivy-operator.resource.kind=Node.
	gkNodeInfraAssessment = "ClusterInfraAssessmentReport.aquasecurity.github.io"
	// gkInfraAssessment is the Trivy Operator's result for control-plane pods in kube-system.
	gkInfraAssessment = "InfraAssessmentReport.aquasecurity.github.io"
	// gkNodeVulnerabilityReport is the Trivy Operator's scan of a node's root filesystem.
	gkNodeVulnerabilityReport = "NodeVulnerabilityReport.aquasecurity.github.io"
	gkKarpenterNodePool       = "NodePool.karpenter.sh"
)

// Kubelet certificate signers (NODE-011).
const (
	signerKubeletClient  = "kubernetes.io/kube-apiserver-client-kubelet"
	signerKubeletServing = "kubernetes.io/kubelet-serving"
)

// nodeDebugShell opens a root shell on a node's host filesystem without SSH; the Manual checks
// tell people to use it.
const nodeDebugShell = "kubectl debug node/<node> -it --profile=sysadmin --image=busybox -- chroot /host"

// kubeletConfigOff is the Skipped message of the checks that read kubelet configuration.
const kubeletConfigOff = "reading kubelet configuration is off: set spec.parameters.readKubeletConfig: true and grant " +
	"the operator the optional node-proxy role (config/components/node-proxy)"

// Checks returns the NODE- checks: Nodes.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:       "NODE-001",
			Title:    "Every node is Ready, under no resource pressure and not overcommitted by pod requests",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S2.4"},
			},
			Rationale: "A node that is not Ready or reports memory, disk or PID pressure evicts pods and refuses new " +
				"ones; a node whose pods already request nearly all of its allocatable CPU or memory has no headroom " +
				"for bursts or for the pods of a failed neighbour.",
			Remediation: "Fix or replace nodes that are not Ready or under pressure (free disk, raise eviction " +
				"thresholds, move workloads), and add capacity or rebalance pods where requests exceed " +
				"Nodes.MaxRequestedPercent of allocatable.",
			Evaluate: nodeHealth,
		},
		{
			ID:       "NODE-002",
			Title:    "Every node runs a container runtime at or above the minimum version",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.7", "S12.6"}, NIST: []string{"4.4.1"},
			},
			Rationale: "Container escapes such as the runc file-descriptor leak (CVE-2024-21626) are fixed in the " +
				"runtime; a node on an old containerd, CRI-O or Docker release lets a malicious image break out to " +
				"the host.",
			Remediation: "Upgrade the container runtime on the listed nodes (or roll them onto a current node image) " +
				"to at least the version in Nodes.MinRuntimeVersions; add a minimum for any other runtime in use.",
			Evaluate: nodeRuntimeVersions,
		},
		{
			ID:       "NODE-003",
			Title:    "Kubelets are within the supported skew of the API server and uniform within each pool",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S2.3", "S12.6"},
			},
			Rationale: "A kubelet newer than the API server, or more than three minor versions older, is outside the " +
				"upstream version-skew policy and may misbehave or miss security fixes; nodes of one pool on " +
				"different versions show an upgrade that stalled.",
			Remediation: "Upgrade the control plane before the nodes, keep kubelets at most Nodes.MaxKubeletMinorSkew " +
				"minor versions behind it, and finish rolling upgrades so each pool runs one kubelet version.",
			Evaluate: nodeKubeletVersions,
		},
		{
			ID:       "NODE-004",
			Title:    "Node kernels and OS images meet the minimum versions and do not drift within a pool",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S12.6", "S2.3"}, NIST: []string{"4.5.3"},
			},
			Rationale: "Containers share the host kernel, so a kernel or OS release without current security fixes " +
				"exposes every container on the node; a node whose kernel or OS differs from the rest of its pool " +
				"missed an update.",
			Remediation: "Patch or replace the listed nodes with the current node image of their pool and keep the " +
				"OS on a supported release (Nodes.OSMinimums).",
			Evaluate: nodeOSVersions,
		},
		{
			ID:       "NODE-005",
			Title:    "Every node runs a container-specific operating system",
			Domain:   check.DomainNodes,
			Level:    check.L3,
			Severity: check.SeverityLow,
			References: check.References{
				Standard: []string{"S2.12"}, NIST: []string{"4.5.1"},
			},
			Rationale: "A container-optimised OS (Bottlerocket, Flatcar, Container-Optimized OS, Talos, CoreOS) ships " +
				"only what running containers needs, often with a read-only root and atomic updates, which removes " +
				"most of the host attack surface of a general-purpose distribution.",
			Remediation: "Move node pools to a container-specific OS image, or add the OS in use to " +
				"Nodes.ContainerOSImages if it qualifies.",
			Evaluate: nodeContainerOS,
		},
		{
			ID:       "NODE-006",
			Title:    "AppArmor or SELinux is enforcing on every node",
			Domain:   check.DomainNodes,
			Level:    check.L3,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.6"}, NIST: []string{"4.4.3", "5.2"},
			},
			Rationale: "Mandatory access control confines a container process even after it escapes its namespaces. " +
				"Whether the host has it enabled is only visible on the node itself, so a person verifies it.",
			Remediation: "Enable AppArmor (Ubuntu, Debian, SUSE) or SELinux in enforcing mode (RHEL, Fedora, " +
				"Bottlerocket) in the node image, then attest NODE-006 with the probe output as evidence.",
			Evaluate: nodeMACProbe,
		},
		{
			ID:       "NODE-007",
			Title:    "The CIS node benchmark shows no failures outside the documented exceptions",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.13", "S2.14"}, CIS: []string{"4.1.1", "4.2.1"},
			},
			Rationale: "The CIS Kubernetes node benchmark checks the hardening a cluster audit cannot see through the " +
				"API (file permissions, kubelet flags). Results are read from kube-bench reports " +
				"(CISKubeBenchReport) or the Trivy Operator's node-collector (ClusterInfraAssessmentReport); nodes " +
				"without one need a manual run.",
			Remediation: "Fix each failing benchmark item on the node image, or record a justified exception in " +
				"Nodes.BenchmarkExceptions; run kube-bench (job-node.yaml) or the Trivy Operator on nodes without results.",
			Evaluate: nodeBenchmarkClean,
		},
		{
			ID:       "NODE-008",
			Title:    "A CIS benchmark has passed recently on every node and on the control plane",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S12.10"},
			},
			Rationale: "Hardening drifts as nodes are patched and replaced; a benchmark that ran once proves little. " +
				"Every node needs a report younger than Nodes.BenchmarkMaxAge, and control-plane nodes one that " +
				"covers the control-plane components.",
			Remediation: "Schedule kube-bench (for example as a CronJob per node, or through Starboard) or the Trivy " +
				"Operator so that every node, including control-plane nodes, is benchmarked at least every " +
				"Nodes.BenchmarkMaxAge, and fix the failures it reports.",
			Evaluate: nodeBenchmarkCurrent,
		},
		{
			ID:       "NODE-009",
			Title:    "Every node's operating system has a recent vulnerability scan",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S2.11"}, NIST: []string{"4.5.1"},
			},
			Rationale: "Host packages and the kernel need the same continuous scanning as images. Reports are read " +
				"from the Trivy Operator's NodeVulnerabilityReport; without a scanner that reports through the API " +
				"a person verifies the host scans.",
			Remediation: "Enable node scanning in the Trivy Operator (or run your host scanner) so every node is " +
				"scanned at least every Nodes.NodeScanMaxAge, and patch what it finds.",
			Evaluate: nodeScanCurrent,
		},
		{
			ID:       "NODE-010",
			Title:    "Kubelets reject anonymous requests, authorize through the API server and close the read-only port",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S3.13"}, NIST: []string{"4.3.5"}, CIS: []string{"4.2.1", "4.2.2", "4.2.4"},
			},
			Rationale: "The kubelet API can run commands in every container of its node. With anonymous access or " +
				"AlwaysAllow authorization anyone who reaches port 10250 owns the node, and the read-only port " +
				"10255 leaks pod specs without any authentication.",
			Remediation: "In the kubelet configuration set authentication.anonymous.enabled: false, " +
				"authentication.webhook.enabled: true, authorization.mode: Webhook and readOnlyPort: 0, then restart " +
				"the kubelets (or roll the node pool).",
			Evaluate: nodeKubeletAuth,
		},
		{
			ID:       "NODE-011",
			Title:    "Kubelets rotate their client and serving certificates",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S6.6"}, NIST: []string{"4.3.5"}, CIS: []string{"4.2.11", "4.2.12"},
			},
			Rationale: "Without rotation a kubelet's client certificate expires (the node drops out) or is kept for " +
				"years, and its serving certificate is self-signed, so the API server cannot verify the kubelet. " +
				"Approved CSRs are garbage-collected after an hour, so their absence proves nothing, but denied, " +
				"failed or long-pending kubelet CSRs show that rotation is broken.",
			Remediation: "Set rotateCertificates: true and serverTLSBootstrap: true in the kubelet configuration and " +
				"run an approver for kubernetes.io/kubelet-serving CSRs (for example kubelet-csr-approver); resolve " +
				"denied or pending kubelet CSRs.",
			Evaluate: nodeKubeletRotation,
		},
		{
			ID:       "NODE-012",
			Title:    "Kubelets limit the number of processes per pod",
			Domain:   check.DomainNodes,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.14"}, CIS: []string{"4.2.13"},
			},
			Rationale: "Without podPidsLimit one pod can fork until the node runs out of process IDs, taking every " +
				"other pod on the node down with it (a fork bomb needs no privileges).",
			Remediation: "Set podPidsLimit in the kubelet configuration to a positive value no larger than " +
				"Nodes.MaxPodPidsLimit, sized for the most thread-hungry workload.",
			Evaluate: nodeKubeletPidsLimit,
		},
		{
			ID:       "NODE-013",
			Title:    "Remote login to nodes is disabled or restricted",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.15"}, NIST: []string{"4.5.4"},
			},
			Rationale: "SSH with root or password login bypasses Kubernetes RBAC and audit entirely. sshd's settings " +
				"are only visible on the host, so a person verifies them.",
			Remediation: "Stop sshd in the node image, or set PermitRootLogin no and PasswordAuthentication no and " +
				"allow logins only from a bastion; use kubectl debug node/... for break-glass access. Attest NODE-013.",
			Evaluate: nodeRemoteAccessProbe,
		},
		{
			ID:       "NODE-014",
			Title:    "auditd records changes to the container runtime and kubelet files on every node",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S9.1"}, NIST: []string{"4.5.4"},
			},
			Rationale: "Tampering with the runtime's binaries, configuration or state, logins and privilege " +
				"escalation on the host are invisible to Kubernetes audit logs; only host auditing records them.",
			Remediation: "Install auditd in the node image with -w rules on the runtime's and kubelet's files and " +
				"rules for logins and privilege escalation, ship the logs off the node, and attest NODE-014.",
			Evaluate: nodeAuditdProbe,
		},
		{
			ID:       "NODE-015",
			Title:    "Runtime and kubelet files and sockets are root-owned with restrictive modes",
			Domain:   check.DomainNodes,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S2.10"}, CIS: []string{"4.1.1", "4.1.2", "4.1.5", "4.1.6", "4.1.9", "4.1.10"},
			},
			Rationale: "Whoever can write the kubelet's kubeconfig or configuration, or open the runtime socket, " +
				"controls every container on the node; membership of the docker group is root in all but name.",
			Remediation: "Make the files root:root with mode 600 (sockets 660, group root or docker), remove " +
				"unapproved members from the docker group, bake this into the node image and attest NODE-015.",
			Evaluate: nodeFilePermissionsProbe,
		},
		{
			ID:             "NODE-016",
			Title:          "Docker daemons on nodes keep secure settings",
			Domain:         check.DomainNodes,
			Level:          check.L1,
			Severity:       check.SeverityMedium,
			LevelDependent: true,
			References: check.References{
				Standard: []string{"S2.14", "S7.3", "S7.4", "S7.5", "S7.6", "S9.6"},
			},
			Rationale: "On nodes that still run Docker Engine (through cri-dockerd) the daemon's own settings decide " +
				"whether containers can bypass iptables, share the docker0 bridge or talk to each other. They live " +
				"in daemon.json on the host, so a person verifies them; nodes on containerd or CRI-O are not affected.",
			Remediation: "Move the nodes to containerd or CRI-O, or set iptables true, log-level info and no " +
				"undeclared settings in /etc/docker/daemon.json (and at L2 icc false and userland-proxy false), then " +
				"attest NODE-016.",
			Evaluate: nodeDockerProbe,
		},
		{
			ID:       "NODE-017",
			Title:    "Kubelets garbage-collect unused images",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityLow,
			References: check.References{
				Standard: []string{"S4.8"},
			},
			Rationale: "Old images pile up on nodes, fill the disk (evicting pods) and keep vulnerable software " +
				"around that anyone on the node can start; kubelet image garbage collection removes them.",
			Remediation: "Keep imageGCHighThresholdPercent below 100 and imageGCLowThresholdPercent below it (defaults " +
				"85 and 80), and set imageMaximumGCAge (for example 168h) to remove images unused for a week.",
			Evaluate: nodeKubeletImageGC,
		},
		{
			ID:       "NODE-018",
			Title:    "Nodes are added automatically and every pool is homogeneous",
			Domain:   check.DomainNodes,
			Level:    check.L2,
			Severity: check.SeverityLow,
			References: check.References{
				Standard: []string{"S10.3"}, MLPS: []string{"G7a"},
			},
			Rationale: "Nodes provisioned by an autoscaler (Cluster Autoscaler, Karpenter, Cluster API) come from " +
				"one template, so new capacity is configured like the old; nodes of a pool that differ in kubelet, " +
				"OS image or runtime were changed by hand or missed an upgrade.",
			Remediation: "Run a node autoscaler (or manage the pools through Cluster API) and replace drifting nodes " +
				"from the pool's current template.",
			Evaluate: nodeAutoscaling,
		},
		{
			ID:       "NODE-019",
			Title:    "Management traffic is separated from application traffic",
			Domain:   check.DomainNodes,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S7.8"}, MLPS: []string{"G7c"},
			},
			Rationale: "When the API server and etcd listen on the network that carries pod, Ingress and NodePort " +
				"traffic, a compromised workload can reach them directly. Node addresses and the API server's " +
				"advertise address are only partial evidence, so a person verifies the network layout.",
			Remediation: "Put control-plane endpoints on a dedicated interface, subnet or VLAN (or a private " +
				"endpoint on a managed cluster) that application traffic cannot reach, and attest NODE-019.",
			Evaluate: nodeTrafficSeparation,
		},
	}
}

// --- shared helpers ---

func nodeRef(n *corev1.Node) check.ObjectRef { return check.ObjectRef{Kind: "Node", Name: n.Name} }

func nodeIsWindows(n *corev1.Node) bool {
	return n.Labels[corev1.LabelOSStable] == "windows" || n.Status.NodeInfo.OperatingSystem == "windows"
}

func nodeIsControlPlane(n *corev1.Node) bool {
	_, cp := n.Labels["node-role.kubernetes.io/control-plane"]
	_, master := n.Labels["node-role.kubernetes.io/master"]
	return cp || master
}

// nodeLinux returns the Linux nodes: host probes and CIS node benchmarks do not apply to Windows.
func nodeLinux(s *check.Snapshot) []*corev1.Node {
	var out []*corev1.Node
	for _, n := range s.Nodes {
		if !nodeIsWindows(n) {
			out = append(out, n)
		}
	}
	return out
}

// nodeEach names the nodes a person must visit: "node node-1" or "each of the 3 Linux nodes
// (node-1, node-2, node-3)".
func nodeEach(nodes []*corev1.Node, kind string) string {
	noun := strings.TrimSpace(kind + " node")
	if len(nodes) == 1 {
		return noun + " " + nodes[0].Name
	}
	return fmt.Sprintf("each of the %d %ss (%s)", len(nodes), noun, nodeNames(nodes))
}

func nodeNames(nodes []*corev1.Node) string {
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	return check.ContainerNames(names)
}

// nodeClusterFacts returns a finding when node facts cannot be judged: a manifest scan, or a
// snapshot without nodes.
func nodeClusterFacts(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("nodes are cluster-wide facts that manifests do not show")}
	}
	if len(s.Nodes) == 0 {
		return []check.Finding{check.NotApplicablef("the snapshot has no Node objects")}
	}
	return nil
}

// nodeFinding joins the problems found on one node into one Fail finding, or none.
func nodeFinding(n *corev1.Node, problems []string) []check.Finding {
	if len(problems) == 0 {
		return nil
	}
	return []check.Finding{check.Failf(nodeRef(n), "%s", strings.Join(problems, "; "))}
}

// nodeManual returns a Manual finding about one object.
func nodeManual(ref check.ObjectRef, format string, args ...any) check.Finding {
	f := check.Manualf(format, args...)
	f.Object = ref
	return f
}

// nodePool names the pool of a node: "label=value" for the first of Nodes.PoolLabels it carries.
func nodePool(s *check.Snapshot, n *corev1.Node) string {
	for _, key := range s.Params.Nodes.PoolLabels {
		if v, ok := n.Labels[key]; ok {
			return key + "=" + v
		}
	}
	return ""
}

func nodePoolName(pool string) string {
	if pool == "" {
		return "the nodes without a pool label"
	}
	return "pool " + strings.TrimSuffix(pool, "=")
}

// nodePools groups nodes by pool.
func nodePools(s *check.Snapshot) map[string][]*corev1.Node {
	out := map[string][]*corev1.Node{}
	for _, n := range s.Nodes {
		p := nodePool(s, n)
		out[p] = append(out[p], n)
	}
	return out
}

// nodeDrift compares a value of every node with the majority of its pool and returns, per
// drifting node, a sentence naming both values. Ties go to the newest value, so the nodes left
// behind by an upgrade are the ones reported.
func nodeDrift(s *check.Snapshot, what string, value func(*corev1.Node) string) map[string]string {
	out := map[string]string{}
	for pool, nodes := range nodePools(s) {
		if len(nodes) < 2 {
			continue
		}
		count := map[string]int{}
		for _, n := range nodes {
			count[value(n)]++
		}
		if len(count) < 2 {
			continue
		}
		values := slices.Sorted(maps.Keys(count))
		majority := values[0]
		for _, v := range values[1:] {
			if c := count[v]; c > count[majority] || (c == count[majority] && nodeCompareLoose(v, majority) > 0) {
				majority = v
			}
		}
		for _, n := range nodes {
			if v := value(n); v != majority {
				out[n.Name] = fmt.Sprintf("%s %q differs from %q run by %d of the %d nodes of %s",
					what, v, majority, count[majority], len(nodes), nodePoolName(pool))
			}
		}
	}
	return out
}

// nodeNumbers reads the dotted number at the start of the first digit run of s, taking '.', '-',
// '_', '+' and '~' as separators and stopping at anything else: "5.15.0-1061-aws" gives
// [5 15 0 1061], "Ubuntu 22.04.4 LTS" gives [22 4 4]. Kernel and distribution versions carry
// their patch level in fields that semantic versions drop, so they are compared this way.
func nodeNumbers(s string) []int {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return nil
	}
	var out []int
	rest := s[i:]
	for {
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 {
			break
		}
		n, err := strconv.Atoi(rest[:j])
		if err != nil {
			break
		}
		out = append(out, n)
		rest = rest[j:]
		if len(rest) < 2 || !strings.ContainsRune(".-_+~", rune(rest[0])) || rest[1] < '0' || rest[1] > '9' {
			break
		}
		rest = rest[1:]
	}
	return out
}

// nodeCompareNumbers compares two number lists field by field; a list that is a prefix of the
// other is the smaller.
func nodeCompareNumbers(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// nodeCompareLoose orders two version-like strings by their numbers, then as text.
func nodeCompareLoose(a, b string) int {
	if c := nodeCompareNumbers(nodeNumbers(a), nodeNumbers(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// nodeRuntime splits nodeInfo.containerRuntimeVersion, such as "containerd://1.7.24", into the
// runtime's name and version.
func nodeRuntime(n *corev1.Node) (name, ver string) {
	name, ver, ok := strings.Cut(n.Status.NodeInfo.ContainerRuntimeVersion, "://")
	if !ok {
		return "", n.Status.NodeInfo.ContainerRuntimeVersion
	}
	return name, ver
}

// --- NODE-001 ---

func nodeHealth(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	requested := nodeRequests(s)
	var out []check.Finding
	for _, n := range s.Nodes {
		var problems []string
		ready := false
		for _, c := range n.Status.Conditions {
			switch c.Type {
			case corev1.NodeReady:
				ready = true
				if c.Status != corev1.ConditionTrue {
					problems = append(problems, "Ready is "+nodeConditionDetail(c))
				}
			case corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure:
				if c.Status == corev1.ConditionTrue {
					problems = append(problems, string(c.Type)+" is "+nodeConditionDetail(c))
				}
			}
		}
		if !ready {
			problems = append(problems, "reports no Ready condition")
		}
		problems = append(problems, nodeOvercommit(s, n, requested[n.Name])...)
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// nodeConditionDetail describes a condition's status with its time, reason and message.
func nodeConditionDetail(c corev1.NodeCondition) string {
	out := string(c.Status)
	if !c.LastTransitionTime.IsZero() {
		out += " since " + c.LastTransitionTime.UTC().Format(time.RFC3339)
	}
	var why []string
	for _, part := range []string{c.Reason, strings.TrimSpace(c.Message)} {
		if part != "" {
			why = append(why, part)
		}
	}
	if len(why) > 0 {
		out += " (" + check.Truncate(strings.Join(why, ": "), 160) + ")"
	}
	return out
}

// nodeRequests sums the CPU (millicores) and memory (bytes) requests of the pods bound to each
// node that have not finished, whatever their namespace: capacity is shared by all of them.
func nodeRequests(s *check.Snapshot) map[string][2]int64 {
	out := map[string][2]int64{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		cpu := nodePodRequest(&p.Spec, corev1.ResourceCPU)
		mem := nodePodRequest(&p.Spec, corev1.ResourceMemory)
		sum := out[p.Spec.NodeName]
		sum[0] += cpu.MilliValue()
		sum[1] += mem.Value()
		out[p.Spec.NodeName] = sum
	}
	return out
}

// nodePodRequest computes a pod's effective request the way the scheduler does: pod-level
// requests when set; otherwise the containers plus sidecars, or the largest init container
// (with the sidecars started before it) when that is more; plus the runtime class overhead.
func nodePodRequest(spec *corev1.PodSpec, name corev1.ResourceName) resource.Quantity {
	var sum resource.Quantity
	if q, ok := podLevelRequest(spec, name); ok {
		sum = q
	} else {
		var sidecars, initMax resource.Quantity
		for i := range spec.Containers {
			sum.Add(spec.Containers[i].Resources.Requests[name])
		}
		for i := range spec.InitContainers {
			c := &spec.InitContainers[i]
			q := c.Resources.Requests[name]
			if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				sum.Add(q)
				sidecars.Add(q)
				continue
			}
			q.Add(sidecars)
			if q.Cmp(initMax) > 0 {
				initMax = q
			}
		}
		if initMax.Cmp(sum) > 0 {
			sum = initMax
		}
	}
	if q, ok := spec.Overhead[name]; ok {
		sum.Add(q)
	}
	return sum
}

func podLevelRequest(spec *corev1.PodSpec, name corev1.ResourceName) (resource.Quantity, bool) {
	if spec.Resources == nil {
		return resource.Quantity{}, false
	}
	q, ok := spec.Resources.Requests[name]
	return q.DeepCopy(), ok
}

func nodeOvercommit(s *check.Snapshot, n *corev1.Node, requested [2]int64) []string {
	limit := s.Params.Nodes.MaxRequestedPercent
	if limit <= 0 {
		return nil
	}
	var problems []string
	if alloc, ok := n.Status.Allocatable[corev1.ResourceCPU]; ok && alloc.MilliValue() > 0 {
		if pct := float64(requested[0]) * 100 / float64(alloc.MilliValue()); pct > float64(limit) {
			problems = append(problems, fmt.Sprintf("pods request %s of %s allocatable CPU (%.0f%%), above Nodes.MaxRequestedPercent %d%%",
				resource.NewMilliQuantity(requested[0], resource.DecimalSI), alloc.String(), pct, limit))
		}
	}
	if alloc, ok := n.Status.Allocatable[corev1.ResourceMemory]; ok && alloc.Value() > 0 {
		if pct := float64(requested[1]) * 100 / float64(alloc.Value()); pct > float64(limit) {
			const gi = 1 << 30
			problems = append(problems, fmt.Sprintf("pods request %.1fGi of %.1fGi allocatable memory (%.0f%%), above Nodes.MaxRequestedPercent %d%%",
				float64(requested[1])/gi, float64(alloc.Value())/gi, pct, limit))
		}
	}
	return problems
}

// --- NODE-002 ---

func nodeRuntimeVersions(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	for _, n := range s.Nodes {
		ref := nodeRef(n)
		name, ver := nodeRuntime(n)
		if name == "" {
			out = append(out, check.Errorf(ref, "nodeInfo.containerRuntimeVersion %q does not name a runtime (want runtime://version)",
				n.Status.NodeInfo.ContainerRuntimeVersion))
			continue
		}
		minimum, ok := s.Params.Nodes.MinRuntimeVersions[name]
		if !ok {
			out = append(out, nodeManual(ref, "runtime %s %s has no minimum in Nodes.MinRuntimeVersions: verify it is a maintained, "+
				"patched release and add a minimum for %q", name, ver, name))
			continue
		}
		want, err := version.ParseGeneric(minimum)
		if err != nil {
			return []check.Finding{check.Errorf(check.ObjectRef{}, "Nodes.MinRuntimeVersions[%s]: %q is not a version", name, minimum)}
		}
		got, err := version.ParseGeneric(ver)
		if err != nil {
			out = append(out, check.Errorf(ref, "cannot read the version of runtime %s from %q", name, n.Status.NodeInfo.ContainerRuntimeVersion))
			continue
		}
		if !got.AtLeast(want) {
			out = append(out, check.Failf(ref, "%s %s is older than the minimum %s (Nodes.MinRuntimeVersions)", name, ver, minimum))
		}
	}
	return out
}

// --- NODE-003 ---

func nodeKubeletVersions(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	server, err := version.ParseGeneric(s.ServerVersion)
	if err != nil {
		what := "is unknown"
		if s.ServerVersion != "" {
			what = fmt.Sprintf("%q cannot be read", s.ServerVersion)
		}
		out = append(out, check.Errorf(check.ObjectRef{}, "the API server version %s, so kubelet skew cannot be checked", what))
	}
	drift := nodeDrift(s, "kubelet", func(n *corev1.Node) string { return n.Status.NodeInfo.KubeletVersion })
	maxSkew := s.Params.Nodes.MaxKubeletMinorSkew
	for _, n := range s.Nodes {
		ref := nodeRef(n)
		kv := n.Status.NodeInfo.KubeletVersion
		var problems []string
		if server != nil {
			kubelet, err := version.ParseGeneric(kv)
			switch {
			case err != nil:
				out = append(out, check.Errorf(ref, "cannot read nodeInfo.kubeletVersion %q", kv))
			case kubelet.Major() > server.Major() || (kubelet.Major() == server.Major() && kubelet.Minor() > server.Minor()):
				problems = append(problems, fmt.Sprintf("kubelet %s is newer than the API server %s", kv, s.ServerVersion))
			case kubelet.Major() < server.Major():
				problems = append(problems, fmt.Sprintf("kubelet %s is a major version behind the API server %s", kv, s.ServerVersion))
			case int(server.Minor()-kubelet.Minor()) > maxSkew:
				problems = append(problems, fmt.Sprintf("kubelet %s is %d minor versions behind the API server %s (at most %d allowed)",
					kv, server.Minor()-kubelet.Minor(), s.ServerVersion, maxSkew))
			}
		}
		if d, ok := drift[n.Name]; ok {
			problems = append(problems, d)
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// --- NODE-004 ---

func nodeOSVersions(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	kernelDrift := nodeDrift(s, "kernel", func(n *corev1.Node) string { return n.Status.NodeInfo.KernelVersion })
	osDrift := nodeDrift(s, "osImage", func(n *corev1.Node) string { return n.Status.NodeInfo.OSImage })
	var out []check.Finding
	for _, n := range s.Nodes {
		info := n.Status.NodeInfo
		var problems []string
		for _, m := range s.Params.Nodes.OSMinimums {
			if !glob.Match(m.OSImage, info.OSImage) {
				continue
			}
			if m.MinOSVersion != "" {
				if got := nodeNumbers(info.OSImage); got == nil {
					out = append(out, check.Errorf(nodeRef(n), "osImage %q matches %q but carries no version to compare with %s",
						info.OSImage, m.OSImage, m.MinOSVersion))
				} else if nodeCompareNumbers(got, nodeNumbers(m.MinOSVersion)) < 0 {
					problems = append(problems, fmt.Sprintf("osImage %q is older than the minimum %s (Nodes.OSMinimums entry %q)", info.OSImage, m.MinOSVersion, m.OSImage))
				}
			}
			if m.MinKernelVersion != "" {
				if got := nodeNumbers(info.KernelVersion); got == nil {
					out = append(out, check.Errorf(nodeRef(n), "cannot read nodeInfo.kernelVersion %q", info.KernelVersion))
				} else if nodeCompareNumbers(got, nodeNumbers(m.MinKernelVersion)) < 0 {
					problems = append(problems, fmt.Sprintf("kernel %s is older than the minimum %s (Nodes.OSMinimums entry %q)", info.KernelVersion, m.MinKernelVersion, m.OSImage))
				}
			}
		}
		for _, d := range []map[string]string{kernelDrift, osDrift} {
			if msg, ok := d[n.Name]; ok {
				problems = append(problems, msg)
			}
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// --- NODE-005 ---

func nodeContainerOS(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	for _, n := range s.Nodes {
		img := n.Status.NodeInfo.OSImage
		if !slices.ContainsFunc(s.Params.Nodes.ContainerOSImages, func(p string) bool { return glob.Match(p, img) }) {
			out = append(out, check.Failf(nodeRef(n), "osImage %q is not a container-specific OS (Nodes.ContainerOSImages)", img))
		}
	}
	return out
}

// --- NODE-006, 013, 014, 015, 016: host probes a person runs ---

// nodeProbeTargets returns the Linux nodes a host probe must cover, or the finding that says why
// there is nothing to probe.
func nodeProbeTargets(s *check.Snapshot) ([]*corev1.Node, []check.Finding) {
	if f := nodeClusterFacts(s); f != nil {
		return nil, f
	}
	nodes := nodeLinux(s)
	if len(nodes) == 0 {
		return nil, []check.Finding{check.NotApplicablef("every node runs Windows; this host check is for Linux nodes")}
	}
	return nodes, nil
}

func nodeMACProbe(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	return []check.Finding{check.Manualf("on %s run `%s cat /sys/module/apparmor/parameters/enabled "+
		"/sys/fs/selinux/enforce` and confirm it prints Y (AppArmor enabled) or 1 (SELinux enforcing); then attest NODE-006",
		nodeEach(nodes, "Linux"), nodeDebugShell)}
}

func nodeRemoteAccessProbe(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'ss -tlnp | grep -w sshd; sshd -T | "+
		"grep -Ei \"^(permitrootlogin|passwordauthentication) \"'` and confirm that sshd is not listening, or that it "+
		"prints permitrootlogin no and passwordauthentication no and the node's firewall admits SSH only from a bastion; "+
		"then attest NODE-013", nodeEach(nodes, "Linux"), nodeDebugShell)}
}

func nodeAuditdProbe(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	paths := "/usr/bin/containerd, /usr/sbin/runc, /var/lib/containerd, /etc/containerd, containerd.service, " +
		"/var/lib/kubelet and /etc/kubernetes"
	if nodeAnyDocker(nodes) {
		paths += " (on Docker nodes also /var/lib/docker, /etc/docker, /etc/docker/daemon.json, /etc/default/docker, " +
			"/etc/sysconfig/docker, docker.service and docker.socket)"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'systemctl is-active auditd; auditctl -l'` "+
		"and confirm auditd is active with -w watch rules on %s and rules recording logins and privilege escalation "+
		"(execve of su/sudo, setuid syscalls); then attest NODE-014", nodeEach(nodes, "Linux"), nodeDebugShell, paths)}
}

func nodeFilePermissionsProbe(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	docker := ""
	if nodeAnyDocker(nodes) {
		docker = "; on Docker nodes also /var/run/docker.sock (660 root:docker), /etc/docker/daemon.json (644 root:root or " +
			"stricter), and `getent group docker` lists only approved members"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'stat -c \"%%a %%U:%%G %%n\" "+
		"/etc/kubernetes/kubelet.conf /var/lib/kubelet/config.yaml /etc/systemd/system/kubelet.service.d/* "+
		"/etc/containerd/config.toml /run/containerd/containerd.sock'` (adjust the paths to the node image) and confirm "+
		"the kubelet kubeconfig, configuration and service files are root:root with mode 600 or stricter, the runtime "+
		"configuration root-owned and not group- or world-writable, and the runtime socket root-owned with mode 660 or "+
		"stricter%s; then attest NODE-015", nodeEach(nodes, "Linux"), nodeDebugShell, docker)}
}

func nodeAnyDocker(nodes []*corev1.Node) bool {
	return slices.ContainsFunc(nodes, func(n *corev1.Node) bool {
		name, _ := nodeRuntime(n)
		return name == "docker"
	})
}

func nodeDockerProbe(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var docker []*corev1.Node
	for _, n := range s.Nodes {
		if name, _ := nodeRuntime(n); name == "docker" {
			docker = append(docker, n)
		}
	}
	if len(docker) == 0 {
		return []check.Finding{check.NotApplicablef("no node runs Docker Engine: every nodeInfo.containerRuntimeVersion names another runtime")}
	}
	want := "iptables is not false, log-level is info (or unset), no container is attached to the default bridge " +
		"(`docker network inspect bridge` lists no containers) and daemon.json holds no setting outside your declared list"
	if s.Level >= check.L2 {
		want += ", and icc is false and userland-proxy is false"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'cat /etc/docker/daemon.json; ps -o args= -C "+
		"dockerd; docker info'` and confirm %s; then attest NODE-016", nodeEach(docker, "Docker"), nodeDebugShell, want)}
}

// --- NODE-007, 008: CIS benchmark reports ---

// nodeBenchmark is one CIS benchmark result about a node.
type nodeBenchmark struct {
	// Ref names the report.
	Ref check.ObjectRef
	// Time is when the benchmark ran.
	Time time.Time
	// Failed lists the failing items outside Nodes.BenchmarkExceptions.
	Failed []string
	// ControlPlane is set when the report covers control-plane components.
	ControlPlane bool
}

// nodeBenchmarks returns the newest CIS benchmark result of each node, from kube-bench
// (CISKubeBenchReport) and Trivy Operator node-collector (ClusterInfraAssessmentReport) reports,
// and whether the cluster serves either kind.
func nodeBenchmarks(s *check.Snapshot) (map[string]nodeBenchmark, bool) {
	served := s.HasExtra(gkKubeBenchReport) || s.HasExtra(gkNodeInfraAssessment)
	except := s.Params.Nodes.BenchmarkExceptions
	out := map[string]nodeBenchmark{}
	keep := func(node string, b nodeBenchmark) {
		if node == "" {
			return
		}
		if old, ok := out[node]; !ok || b.Time.After(old.Time) {
			out[node] = b
		}
	}
	for _, u := range s.Extra[gkKubeBenchReport] {
		node := nodeReportTarget(u)
		if node == "" {
			node = u.GetName() // Starboard names the report after its node
		}
		keep(node, nodeKubeBenchResult(u, except))
	}
	for _, u := range s.Extra[gkNodeInfraAssessment] {
		b := nodeBenchmark{Ref: check.ObjectRef{Kind: u.GetKind(), Name: u.GetName()}, Time: nodeReportTime(u)}
		b.Failed = nodeTrivyFailures(u, except)
		keep(nodeReportTarget(u), b)
	}
	return out, served
}

// nodeKubeBenchResult reads a CISKubeBenchReport, whose report has kube-bench's JSON schema:
// sections (with node_type master, etcd, controlplane, node or policies) of tests with results.
func nodeKubeBenchResult(u *unstructured.Unstructured, except []string) nodeBenchmark {
	b := nodeBenchmark{Ref: check.ObjectRef{Kind: u.GetKind(), Name: u.GetName()}, Time: nodeReportTime(u)}
	sections, _, _ := unstructured.NestedSlice(u.Object, "report", "sections")
	for _, sec := range sections {
		secMap, _ := sec.(map[string]any)
		switch nt, _ := secMap["node_type"].(string); nt {
		case "master", "controlplane", "etcd":
			b.ControlPlane = true
		}
		tests, _ := secMap["tests"].([]any)
		for _, t := range tests {
			tMap, _ := t.(map[string]any)
			results, _ := tMap["results"].([]any)
			for _, r := range results {
				rMap, _ := r.(map[string]any)
				status, _ := rMap["status"].(string)
				num, _ := rMap["test_number"].(string)
				if strings.EqualFold(status, "FAIL") && !slices.Contains(except, num) {
					b.Failed = append(b.Failed, num)
				}
			}
		}
	}
	return b
}

// nodeTrivyFailures lists the failed checks of a Trivy Operator infra assessment report that are
// not exceptions.
func nodeTrivyFailures(u *unstructured.Unstructured, except []string) []string {
	var out []string
	checks, _, _ := unstructured.NestedSlice(u.Object, "report", "checks")
	for _, c := range checks {
		cMap, _ := c.(map[string]any)
		id, _ := cMap["checkID"].(string)
		if ok, _ := cMap["success"].(bool); !ok && !slices.Contains(except, id) {
			out = append(out, id)
		}
	}
	return out
}

// nodeReportTarget returns the node a scanner report is about, from the Trivy Operator's or
// Starboard's resource labels or an owner reference, or "".
func nodeReportTarget(u *unstructured.Unstructured) string {
	labels := u.GetLabels()
	for _, prefix := range []string{"trivy-operator", "starboard"} {
		if labels[prefix+".resource.kind"] == "Node" && labels[prefix+".resource.name"] != "" {
			return labels[prefix+".resource.name"]
		}
	}
	for _, o := range u.GetOwnerReferences() {
		if o.Kind == "Node" {
			return o.Name
		}
	}
	return ""
}

// nodeReportTime is report.updateTimestamp when the report has one, else when it was created.
func nodeReportTime(u *unstructured.Unstructured) time.Time {
	if ts, _, _ := unstructured.NestedString(u.Object, "report", "updateTimestamp"); ts != "" {
		if t, err := time.Parse(time.RFC3339, ts); err == nil {
			return t
		}
	}
	return u.GetCreationTimestamp().Time
}

func nodeFailedItems(items []string) string {
	sort.Strings(items)
	items = slices.Compact(items)
	if len(items) > 8 {
		return strings.Join(items[:8], ", ") + fmt.Sprintf(" and %d more", len(items)-8)
	}
	return strings.Join(items, ", ")
}

const nodeBenchmarkHowTo = "run kube-bench (the kube-bench repository's job-node.yaml, pinned to the node with nodeName, then " +
	"kubectl logs job/kube-bench-node) or install the Trivy Operator with node-collector enabled"

func nodeBenchmarkClean(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	reports, served := nodeBenchmarks(s)
	if !served {
		return []check.Finding{check.Manualf("no CIS benchmark reports are available through the API (neither %s nor %s is served): "+
			"on %s %s, and confirm it shows no FAIL outside Nodes.BenchmarkExceptions; then attest NODE-007",
			gkKubeBenchReport, gkNodeInfraAssessment, nodeEach(nodes, "Linux"), nodeBenchmarkHowTo)}
	}
	var out []check.Finding
	for _, n := range nodes {
		b, ok := reports[n.Name]
		switch {
		case !ok:
			out = append(out, nodeManual(nodeRef(n), "no CIS benchmark report names this node: %s, and confirm it shows no FAIL "+
				"outside Nodes.BenchmarkExceptions", nodeBenchmarkHowTo))
		case len(b.Failed) > 0:
			out = append(out, check.Failf(nodeRef(n), "%s %s lists %d failing item(s) outside Nodes.BenchmarkExceptions: %s",
				b.Ref.Kind, b.Ref.Name, len(b.Failed), nodeFailedItems(b.Failed)))
		}
	}
	return out
}

func nodeBenchmarkCurrent(s *check.Snapshot) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	reports, served := nodeBenchmarks(s)
	maxAge := s.Params.Nodes.BenchmarkMaxAge
	if !served {
		return []check.Finding{check.Manualf("no CIS benchmark reports are available through the API (neither %s nor %s is served): "+
			"confirm that within the last %s a CIS benchmark passed on %s, with the control-plane targets on control-plane "+
			"nodes, then attest NODE-008; to produce reports, %s",
			gkKubeBenchReport, gkNodeInfraAssessment, check.ApproxDuration(maxAge), nodeEach(nodes, "Linux"), nodeBenchmarkHowTo)}
	}
	cpReports := nodeControlPlaneAssessments(s)
	var out []check.Finding
	for _, n := range nodes {
		b, ok := reports[n.Name]
		if !ok {
			out = append(out, check.Failf(nodeRef(n), "no CIS benchmark report names this node"))
			continue
		}
		var problems []string
		if age := s.Now.Sub(b.Time); age > maxAge {
			problems = append(problems, fmt.Sprintf("the newest CIS benchmark report (%s %s) is from %s, older than Nodes.BenchmarkMaxAge %s",
				b.Ref.Kind, b.Ref.Name, b.Time.UTC().Format(time.DateOnly), check.ApproxDuration(maxAge)))
		}
		if len(b.Failed) > 0 {
			problems = append(problems, fmt.Sprintf("%s %s lists failing item(s) %s", b.Ref.Kind, b.Ref.Name, nodeFailedItems(b.Failed)))
		}
		if nodeIsControlPlane(n) && !b.ControlPlane {
			if p := nodeControlPlaneCoverage(s, cpReports[n.Name]); p != "" {
				problems = append(problems, p)
			}
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// nodeControlPlaneCoverage judges the Trivy report about a control-plane node's API server when
// the node's own benchmark did not cover the control-plane targets.
func nodeControlPlaneCoverage(s *check.Snapshot, cp *nodeBenchmark) string {
	switch {
	case cp == nil:
		return "no benchmark covers this control-plane node's components (want a kube-bench master section or a " +
			"Trivy InfraAssessmentReport of its kube-apiserver pod)"
	case s.Now.Sub(cp.Time) > s.Params.Nodes.BenchmarkMaxAge:
		return fmt.Sprintf("the control-plane report %s is from %s, older than Nodes.BenchmarkMaxAge",
			cp.Ref.Name, cp.Time.UTC().Format(time.DateOnly))
	case len(cp.Failed) > 0:
		return fmt.Sprintf("control-plane report %s lists failing item(s) %s", cp.Ref.Name, nodeFailedItems(cp.Failed))
	}
	return ""
}

// nodeControlPlaneAssessments returns, per node, the newest Trivy Operator InfraAssessmentReport
// about a kube-apiserver pod on that node.
func nodeControlPlaneAssessments(s *check.Snapshot) map[string]*nodeBenchmark {
	podNode := map[string]string{}
	for _, p := range s.Pods {
		if p.Namespace == "kube-system" && p.Spec.NodeName != "" {
			podNode[p.Name] = p.Spec.NodeName
		}
	}
	out := map[string]*nodeBenchmark{}
	for _, u := range s.Extra[gkInfraAssessment] {
		labels := u.GetLabels()
		if labels["trivy-operator.resource.kind"] != "Pod" || labels["trivy-operator.resource.namespace"] != "kube-system" {
			continue
		}
		pod := labels["trivy-operator.resource.name"]
		node, ok := podNode[pod]
		if !ok || !strings.HasPrefix(pod, "kube-apiserver") {
			continue
		}
		b := &nodeBenchmark{Ref: check.ObjectRef{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}, Time: nodeReportTime(u),
			Failed: nodeTrivyFailures(u, s.Params.Nodes.BenchmarkExceptions), ControlPlane: true}
		if old, ok := out[node]; !ok || b.Time.After(old.Time) {
			out[node] = b
		}
	}
	return out
}

// --- NODE-009 ---

func nodeScanCurrent(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	maxAge := s.Params.Nodes.NodeScanMaxAge
	if !s.HasExtra(gkNodeVulnerabilityReport) {
		return []check.Finding{check.Manualf("no node vulnerability reports are available through the API (%s is not served): confirm "+
			"that your host scanner scanned the OS packages and kernel of %s within the last %s, or enable node scanning "+
			"in the Trivy Operator; then attest NODE-009",
			gkNodeVulnerabilityReport, nodeEach(s.Nodes, ""), check.ApproxDuration(maxAge))}
	}
	newest := map[string]*unstructured.Unstructured{}
	for _, u := range s.Extra[gkNodeVulnerabilityReport] {
		node, _, _ := unstructured.NestedString(u.Object, "report", "artifact", "nodeName")
		if node == "" {
			node = nodeReportTarget(u)
		}
		if old, ok := newest[node]; node != "" && (!ok || nodeReportTime(u).After(nodeReportTime(old))) {
			newest[node] = u
		}
	}
	var out []check.Finding
	for _, n := range s.Nodes {
		u, ok := newest[n.Name]
		switch {
		case !ok && nodeIsWindows(n):
			out = append(out, nodeManual(nodeRef(n), "Windows node without a NodeVulnerabilityReport: confirm with your Windows "+
				"patch tooling that it was scanned within the last %s", check.ApproxDuration(maxAge)))
		case !ok:
			out = append(out, check.Failf(nodeRef(n), "no NodeVulnerabilityReport names this node"))
		case s.Now.Sub(nodeReportTime(u)) > maxAge:
			out = append(out, check.Failf(nodeRef(n), "the newest NodeVulnerabilityReport %s is from %s, older than Nodes.NodeScanMaxAge %s",
				u.GetName(), nodeReportTime(u).UTC().Format(time.DateOnly), check.ApproxDuration(maxAge)))
		}
	}
	return out
}

// --- NODE-010, 011, 012, 017: kubelet configuration ---

// nodeKubelet judges the kubelet configuration of every node; judge returns the problems of one.
func nodeKubelet(s *check.Snapshot, judge func(n *corev1.Node, cfg *check.KubeletConfig) []string) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	if s.KubeletConfigs == nil {
		return []check.Finding{check.Skippedf("%s", s.KubeletOff(kubeletConfigOff))}
	}
	var out []check.Finding
	for _, n := range s.Nodes {
		ref := nodeRef(n)
		res, ok := s.KubeletConfigs[n.Name]
		switch {
		case !ok:
			out = append(out, check.Errorf(ref, "kubelet configuration was not read: the node did not answer through the API server's node proxy in time"))
		case res.Err != "":
			out = append(out, check.Errorf(ref, "reading kubelet configuration: %s", res.Err))
		case res.Config == nil:
			out = append(out, check.Errorf(ref, "kubelet configuration is empty"))
		default:
			out = append(out, nodeFinding(n, judge(n, res.Config))...)
		}
	}
	return out
}

func nodeKubeletAuth(s *check.Snapshot) []check.Finding {
	return nodeKubelet(s, func(_ *corev1.Node, cfg *check.KubeletConfig) []string {
		var problems []string
		switch anon := cfg.Authentication.Anonymous.Enabled; {
		case anon == nil:
			problems = append(problems, "does not report authentication.anonymous.enabled, so anonymous access cannot be shown to be off")
		case *anon:
			problems = append(problems, "accepts anonymous requests (authentication.anonymous.enabled: true)")
		}
		switch wh := cfg.Authentication.Webhook.Enabled; {
		case wh == nil:
			problems = append(problems, "does not report authentication.webhook.enabled")
		case !*wh:
			problems = append(problems, "does not authenticate bearer tokens through the API server (authentication.webhook.enabled: false)")
		}
		if cfg.Authorization.Mode != "Webhook" {
			mode := cfg.Authorization.Mode
			if mode == "" {
				mode = "unset"
			}
			problems = append(problems, fmt.Sprintf("authorization.mode is %s, want Webhook", mode))
		}
		// readOnlyPort is omitted from /configz when it is 0 (omitempty in v1beta1).
		if p := cfg.ReadOnlyPort; p != nil && *p != 0 {
			problems = append(problems, fmt.Sprintf("serves the unauthenticated read-only port %d (readOnlyPort, want 0)", *p))
		}
		return nodeKubeletProblems(problems)
	})
}

// nodeKubeletProblems prefixes the problems of a kubelet so each reads as a sentence.
func nodeKubeletProblems(problems []string) []string {
	for i, p := range problems {
		if !strings.HasPrefix(p, "kubelet") {
			problems[i] = "kubelet " + p
		}
	}
	return problems
}

func nodeKubeletRotation(s *check.Snapshot) []check.Finding {
	csrs := nodeKubeletCSRs(s)
	return nodeKubelet(s, func(n *corev1.Node, cfg *check.KubeletConfig) []string {
		var problems []string
		// Both fields are omitted from /configz when false (omitempty in v1beta1).
		if cfg.RotateCertificates == nil || !*cfg.RotateCertificates {
			problems = append(problems, "kubelet does not renew its client certificate (rotateCertificates is false)")
		}
		if cfg.ServerTLSBootstrap == nil || !*cfg.ServerTLSBootstrap {
			problems = append(problems, "kubelet serves a self-signed certificate instead of requesting one (serverTLSBootstrap is false)")
		}
		for _, signer := range []string{signerKubeletClient, signerKubeletServing} {
			if p := nodeCSRProblem(s, csrs[n.Name][signer]); p != "" {
				problems = append(problems, p)
			}
		}
		return problems
	})
}

// nodeKubeletCSRs returns the newest kubelet CSR of each node and signer.
func nodeKubeletCSRs(s *check.Snapshot) map[string]map[string]*certificatesv1.CertificateSigningRequest {
	out := map[string]map[string]*certificatesv1.CertificateSigningRequest{}
	for _, csr := range s.CertificateSigningRequests {
		signer := csr.Spec.SignerName
		if signer != signerKubeletClient && signer != signerKubeletServing {
			continue
		}
		node := nodeCSRNode(csr)
		if node == "" {
			continue
		}
		if out[node] == nil {
			out[node] = map[string]*certificatesv1.CertificateSigningRequest{}
		}
		if old := out[node][signer]; old == nil || old.CreationTimestamp.Before(&csr.CreationTimestamp) {
			out[node][signer] = csr
		}
	}
	return out
}

// nodeCSRNode returns the node a kubelet CSR is for: the requester when a kubelet renews with
// its own identity, else the common name system:node:NAME of the request.
func nodeCSRNode(csr *certificatesv1.CertificateSigningRequest) string {
	if name, ok := strings.CutPrefix(csr.Spec.Username, "system:node:"); ok {
		return name
	}
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil {
		return ""
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return ""
	}
	name, _ := strings.CutPrefix(req.Subject.CommonName, "system:node:")
	if name == req.Subject.CommonName {
		return ""
	}
	return name
}

// nodeCSRProblem says what is wrong with a node's newest kubelet CSR: denied, failed, or
// pending longer than Nodes.CSRPendingMax.
func nodeCSRProblem(s *check.Snapshot, csr *certificatesv1.CertificateSigningRequest) string {
	if csr == nil {
		return ""
	}
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			return fmt.Sprintf("the kubelet's newest %s CSR %s was %s (%s)", csr.Spec.SignerName, csr.Name,
				strings.ToLower(string(c.Type)), check.Truncate(strings.TrimSpace(c.Reason+": "+c.Message), 120))
		case certificatesv1.CertificateApproved:
			return ""
		}
	}
	if age := s.Now.Sub(csr.CreationTimestamp.Time); age > s.Params.Nodes.CSRPendingMax {
		return fmt.Sprintf("the kubelet's newest %s CSR %s has been pending for %s: nothing approves it",
			csr.Spec.SignerName, csr.Name, check.ApproxDuration(age))
	}
	return ""
}

func nodeKubeletPidsLimit(s *check.Snapshot) []check.Finding {
	maxLimit := s.Params.Nodes.MaxPodPidsLimit
	return nodeKubelet(s, func(_ *corev1.Node, cfg *check.KubeletConfig) []string {
		switch l := cfg.PodPidsLimit; {
		case l == nil:
			return []string{"kubelet does not set podPidsLimit, so pods may start unlimited processes"}
		case *l <= 0:
			return []string{fmt.Sprintf("kubelet podPidsLimit is %d, which means unlimited", *l)}
		case maxLimit > 0 && *l > maxLimit:
			return []string{fmt.Sprintf("kubelet podPidsLimit is %d, above Nodes.MaxPodPidsLimit %d", *l, maxLimit)}
		}
		return nil
	})
}

func nodeKubeletImageGC(s *check.Snapshot) []check.Finding {
	requireAge := s.Params.Nodes.RequireImageMaximumGCAge
	return nodeKubelet(s, func(_ *corev1.Node, cfg *check.KubeletConfig) []string {
		// Absent thresholds take the kubelet defaults.
		high, low := int32(85), int32(80)
		if cfg.ImageGCHighThresholdPercent != nil {
			high = *cfg.ImageGCHighThresholdPercent
		}
		if cfg.ImageGCLowThresholdPercent != nil {
			low = *cfg.ImageGCLowThresholdPercent
		}
		var problems []string
		if high >= 100 {
			problems = append(problems, fmt.Sprintf("kubelet imageGCHighThresholdPercent is %d, which turns image garbage collection off", high))
		}
		if low >= high {
			problems = append(problems, fmt.Sprintf("kubelet imageGCLowThresholdPercent %d is not below imageGCHighThresholdPercent %d", low, high))
		}
		if requireAge {
			if d, err := time.ParseDuration(cfg.ImageMaximumGCAge); cfg.ImageMaximumGCAge == "" || err != nil || d <= 0 {
				problems = append(problems, "kubelet imageMaximumGCAge is not set, so unused images stay until the disk reaches the high threshold")
			}
		}
		return problems
	})
}

// --- NODE-018 ---

func nodeAutoscaling(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	if !nodeHasAutoscaler(s) {
		out = append(out, check.Failf(check.ObjectRef{}, "nothing adds nodes automatically: no running Deployment with an image matching "+
			"Nodes.AutoscalerImages, no kube-system/cluster-autoscaler-status ConfigMap (published by managed autoscalers), "+
			"and no object of %s", strings.Join(s.Params.Nodes.AutoscalerKinds, ", ")))
	}
	fields := []struct {
		what  string
		value func(*corev1.Node) string
	}{
		{"kubelet", func(n *corev1.Node) string { return n.Status.NodeInfo.KubeletVersion }},
		{"osImage", func(n *corev1.Node) string { return n.Status.NodeInfo.OSImage }},
		{"runtime", func(n *corev1.Node) string { return n.Status.NodeInfo.ContainerRuntimeVersion }},
	}
	var drifts []map[string]string
	for _, f := range fields {
		drifts = append(drifts, nodeDrift(s, f.what, f.value))
	}
	for _, n := range s.Nodes {
		var problems []string
		for _, d := range drifts {
			if msg, ok := d[n.Name]; ok {
				problems = append(problems, msg)
			}
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

func nodeHasAutoscaler(s *check.Snapshot) bool {
	p := s.Params.Nodes
	for _, gk := range p.AutoscalerKinds {
		if len(s.Extra[gk]) > 0 {
			return true
		}
	}
	for _, cm := range s.ConfigMaps {
		if cm.Namespace == "kube-system" && cm.Name == "cluster-autoscaler-status" {
			return true
		}
	}
	for _, d := range s.Deployments {
		if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if name := imageref.BaseName(c.Image); slices.ContainsFunc(p.AutoscalerImages, func(g string) bool { return glob.Match(g, name) }) {
				return true
			}
		}
	}
	return false
}

// --- NODE-019 ---

func nodeTrafficSeparation(s *check.Snapshot) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	servers := cpflags.Of(s, "kube-apiserver")
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("no kube-apiserver mirror pod in kube-system (managed control plane?): verify with your provider "+
			"that the API server endpoint is private or restricted to administrator networks, separate from the subnets of "+
			"the nodes (%s) that carry pod, Ingress and NodePort traffic; then attest NODE-019", nodeNames(s.Nodes))}
	}
	nodes := map[string]*corev1.Node{}
	for _, n := range s.Nodes {
		nodes[n.Name] = n
	}
	etcdURLs := map[string]string{}
	for _, e := range cpflags.Of(s, "etcd") {
		etcdURLs[e.Node] = strings.Trim(e.Flags["listen-client-urls"]+","+e.Flags["listen-peer-urls"], ",")
	}
	var out []check.Finding
	for _, srv := range servers {
		adv := srv.Flags["advertise-address"]
		n := nodes[srv.Node]
		var evidence string
		switch {
		case adv == "":
			evidence = "has no --advertise-address, so it advertises its node's default-route address, which usually carries application traffic too"
		case n == nil:
			evidence = fmt.Sprintf("advertises %s", adv)
		case nodeHasAddress(n, adv):
			evidence = fmt.Sprintf("advertises %s, an address of node %s that also receives NodePort traffic unless kube-proxy "+
				"--nodeport-addresses and the firewall exclude it", adv, n.Name)
		default:
			evidence = fmt.Sprintf("advertises %s, which is not among node %s's addresses (%s): a separate management interface "+
				"appears to be in use", adv, n.Name, nodeAddressList(n))
		}
		if urls := etcdURLs[srv.Node]; urls != "" {
			evidence += fmt.Sprintf("; etcd on the same node listens on %s", urls)
		}
		out = append(out, nodeManual(srv.Ref, "kube-apiserver %s; verify that the API server and etcd listen only on a "+
			"management interface or subnet that pod, Ingress and NodePort traffic cannot reach, then attest NODE-019", evidence))
	}
	return out
}

func nodeHasAddress(n *corev1.Node, addr string) bool {
	want, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, a := range n.Status.Addresses {
		if got, err := netip.ParseAddr(a.Address); err == nil && got == want {
			return true
		}
	}
	return false
}

func nodeAddressList(n *corev1.Node) string {
	var parts []string
	for _, a := range n.Status.Addresses {
		parts = append(parts, fmt.Sprintf("%s %s", a.Type, a.Address))
	}
	return strings.Join(parts, ", ")
}
