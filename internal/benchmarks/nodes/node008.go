package nodes

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func node008() check.Check {
	return check.Check{
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
		Reads:    []string{gkKubeBenchReport, gkNodeInfraAssessment, gkInfraAssessment},
		Evaluate: nodeBenchmarkCurrent,
	}
}

func nodeIsControlPlane(n *corev1.Node) bool {
	_, cp := n.Labels["node-role.kubernetes.io/control-plane"]
	_, master := n.Labels["node-role.kubernetes.io/master"]
	return cp || master
}

func nodeBenchmarkCurrent(s *check.Snapshot, env *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	reports, served := nodeBenchmarks(s, env)
	maxAge := env.Params.Nodes.BenchmarkMaxAge
	if !served {
		return []check.Finding{check.Manualf("no CIS benchmark reports are available through the API (neither %s nor %s is served): "+
			"confirm that within the last %s a CIS benchmark passed on %s, with the control-plane targets on control-plane "+
			"nodes, then attest NODE-008; to produce reports, %s",
			gkKubeBenchReport, gkNodeInfraAssessment, check.ApproxDuration(maxAge), nodeEach(nodes, "Linux"), nodeBenchmarkHowTo)}
	}
	cpReports := nodeControlPlaneAssessments(s, env)
	var out []check.Finding
	for _, n := range nodes {
		b, ok := reports[n.Name]
		if !ok {
			out = append(out, check.Failf(nodeRef(n), "no CIS benchmark report names this node"))
			continue
		}
		var problems []string
		if age := env.Now.Sub(b.Time); age > maxAge {
			problems = append(problems, fmt.Sprintf("the newest CIS benchmark report (%s %s) is from %s, older than Nodes.BenchmarkMaxAge %s",
				b.Ref.Kind, b.Ref.Name, b.Time.UTC().Format(time.DateOnly), check.ApproxDuration(maxAge)))
		}
		if len(b.Failed) > 0 {
			problems = append(problems, fmt.Sprintf("%s %s lists failing item(s) %s", b.Ref.Kind, b.Ref.Name, nodeFailedItems(b.Failed)))
		}
		if nodeIsControlPlane(n) && !b.ControlPlane {
			if p := nodeControlPlaneCoverage(s, env, cpReports[n.Name]); p != "" {
				problems = append(problems, p)
			}
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// nodeControlPlaneCoverage judges the Trivy report about a control-plane node's API server when
// the node's own benchmark did not cover the control-plane targets.
func nodeControlPlaneCoverage(s *check.Snapshot, env *check.Env, cp *nodeBenchmark) string {
	switch {
	case cp == nil:
		return "no benchmark covers this control-plane node's components (want a kube-bench master section or a " +
			"Trivy InfraAssessmentReport of its kube-apiserver pod)"
	case env.Now.Sub(cp.Time) > env.Params.Nodes.BenchmarkMaxAge:
		return fmt.Sprintf("the control-plane report %s is from %s, older than Nodes.BenchmarkMaxAge",
			cp.Ref.Name, cp.Time.UTC().Format(time.DateOnly))
	case len(cp.Failed) > 0:
		return fmt.Sprintf("control-plane report %s lists failing item(s) %s", cp.Ref.Name, nodeFailedItems(cp.Failed))
	}
	return ""
}

// nodeControlPlaneAssessments returns, per node, the newest Trivy Operator InfraAssessmentReport
// about a kube-apiserver pod on that node.
func nodeControlPlaneAssessments(s *check.Snapshot, env *check.Env) map[string]*nodeBenchmark {
	podNode := map[string]string{}
	for _, p := range s.Pods {
		if p.Namespace == "kube-system" && p.Spec.NodeName != "" {
			podNode[p.Name] = p.Spec.NodeName
		}
	}
	out := map[string]*nodeBenchmark{}
	for _, u := range s.ExtraObjects(gkInfraAssessment) {
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
			Failed: nodeTrivyFailures(u, env.Params.Nodes.BenchmarkExceptions), ControlPlane: true}
		if old, ok := out[node]; !ok || b.Time.After(old.Time) {
			out[node] = b
		}
	}
	return out
}
