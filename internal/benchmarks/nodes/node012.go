package nodes

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func node012() check.Check {
	return check.Check{
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
	}
}

func nodeKubeletPidsLimit(s *check.Snapshot, env *check.Env) []check.Finding {
	maxLimit := env.Params.Nodes.MaxPodPidsLimit
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
