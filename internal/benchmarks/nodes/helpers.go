package nodes

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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

// nodeDebugShell opens a root shell on a node's host filesystem without SSH; the Manual checks
// tell people to use it.
const nodeDebugShell = "kubectl debug node/<node> -it --profile=sysadmin --image=busybox -- chroot /host"

// kubeletConfigOff is the Skipped message of the checks that read kubelet configuration.
const kubeletConfigOff = "reading kubelet configuration is off: set spec.parameters.readKubeletConfig: true and grant " +
	"the operator the optional node-proxy role (config/components/node-proxy)"

func nodeRef(n *corev1.Node) check.ObjectRef { return check.ObjectRef{Kind: "Node", Name: n.Name} }

func nodeIsWindows(n *corev1.Node) bool {
	return n.Labels[corev1.LabelOSStable] == "windows" || n.Status.NodeInfo.OperatingSystem == "windows"
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
func nodePool(s *check.Snapshot, env *check.Env, n *corev1.Node) string {
	for _, key := range env.Params.Nodes.PoolLabels {
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
func nodePools(s *check.Snapshot, env *check.Env) map[string][]*corev1.Node {
	out := map[string][]*corev1.Node{}
	for _, n := range s.Nodes {
		p := nodePool(s, env, n)
		out[p] = append(out[p], n)
	}
	return out
}

// nodeDrift compares a value of every node with the majority of its pool and returns, per
// drifting node, a sentence naming both values. Ties go to the newest value, so the nodes left
// behind by an upgrade are the ones reported.
func nodeDrift(s *check.Snapshot, env *check.Env, what string, value func(*corev1.Node) string) map[string]string {
	out := map[string]string{}
	for pool, nodes := range nodePools(s, env) {
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

func nodeAnyDocker(nodes []*corev1.Node) bool {
	return slices.ContainsFunc(nodes, func(n *corev1.Node) bool {
		name, _ := nodeRuntime(n)
		return name == "docker"
	})
}

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
func nodeBenchmarks(s *check.Snapshot, env *check.Env) (map[string]nodeBenchmark, bool) {
	served := s.HasExtra(gkKubeBenchReport) || s.HasExtra(gkNodeInfraAssessment)
	except := env.Params.Nodes.BenchmarkExceptions
	out := map[string]nodeBenchmark{}
	keep := func(node string, b nodeBenchmark) {
		if node == "" {
			return
		}
		if old, ok := out[node]; !ok || b.Time.After(old.Time) {
			out[node] = b
		}
	}
	for _, u := range s.ExtraObjects(gkKubeBenchReport) {
		node := nodeReportTarget(u)
		if node == "" {
			node = u.GetName() // Starboard names the report after its node
		}
		keep(node, nodeKubeBenchResult(u, except))
	}
	for _, u := range s.ExtraObjects(gkNodeInfraAssessment) {
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
