package nodes

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/version"
)

func node003() check.Check {
	return check.Check{
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
	}
}

func nodeKubeletVersions(s *check.Snapshot, env *check.Env) []check.Finding {
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
	drift := nodeDrift(s, env, "kubelet", func(n *corev1.Node) string { return n.Status.NodeInfo.KubeletVersion })
	maxSkew := env.Params.Nodes.MaxKubeletMinorSkew
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
