package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func node007() check.Check {
	return check.Check{
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
		Reads:    []string{gkKubeBenchReport, gkNodeInfraAssessment},
		Evaluate: nodeBenchmarkClean,
	}
}

func nodeBenchmarkClean(s *check.Snapshot, env *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	reports, served := nodeBenchmarks(s, env)
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
