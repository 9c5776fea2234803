package nodes

import (
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
)

func node005() check.Check {
	return check.Check{
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
	}
}

func nodeContainerOS(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	for _, n := range s.Nodes {
		img := n.Status.NodeInfo.OSImage
		if !slices.ContainsFunc(env.Params.Nodes.ContainerOSImages, func(p string) bool { return glob.Match(p, img) }) {
			out = append(out, check.Failf(nodeRef(n), "osImage %q is not a container-specific OS (Nodes.ContainerOSImages)", img))
		}
	}
	return out
}
