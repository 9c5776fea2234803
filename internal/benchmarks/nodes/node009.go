package nodes

import (
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func node009() check.Check {
	return check.Check{
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
		Reads:    []string{gkNodeVulnerabilityReport},
		Evaluate: nodeScanCurrent,
	}
}

func nodeScanCurrent(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	maxAge := env.Params.Nodes.NodeScanMaxAge
	if !s.HasExtra(gkNodeVulnerabilityReport) {
		return []check.Finding{check.Manualf("no node vulnerability reports are available through the API (%s is not served): confirm "+
			"that your host scanner scanned the OS packages and kernel of %s within the last %s, or enable node scanning "+
			"in the Trivy Operator; then attest NODE-009",
			gkNodeVulnerabilityReport, nodeEach(s.Nodes, ""), check.ApproxDuration(maxAge))}
	}
	newest := map[string]*unstructured.Unstructured{}
	for _, u := range s.ExtraObjects(gkNodeVulnerabilityReport) {
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
		case env.Now.Sub(nodeReportTime(u)) > maxAge:
			out = append(out, check.Failf(nodeRef(n), "the newest NodeVulnerabilityReport %s is from %s, older than Nodes.NodeScanMaxAge %s",
				u.GetName(), nodeReportTime(u).UTC().Format(time.DateOnly), check.ApproxDuration(maxAge)))
		}
	}
	return out
}
