package nodes

import (
	"fmt"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func node017() check.Check {
	return check.Check{
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
	}
}

func nodeKubeletImageGC(s *check.Snapshot, env *check.Env) []check.Finding {
	requireAge := env.Params.Nodes.RequireImageMaximumGCAge
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
