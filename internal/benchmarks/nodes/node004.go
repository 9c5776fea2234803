package nodes

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
)

func node004() check.Check {
	return check.Check{
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
	}
}

func nodeOSVersions(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	kernelDrift := nodeDrift(s, env, "kernel", func(n *corev1.Node) string { return n.Status.NodeInfo.KernelVersion })
	osDrift := nodeDrift(s, env, "osImage", func(n *corev1.Node) string { return n.Status.NodeInfo.OSImage })
	var out []check.Finding
	for _, n := range s.Nodes {
		info := n.Status.NodeInfo
		var problems []string
		for _, m := range env.Params.Nodes.OSMinimums {
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
