package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/util/version"
)

func node002() check.Check {
	return check.Check{
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
	}
}

func nodeRuntimeVersions(s *check.Snapshot, env *check.Env) []check.Finding {
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
		minimum, ok := env.Params.Nodes.MinRuntimeVersions[name]
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
