package workloads

import (
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// Checks returns the checks of the Workloads domain: the pod-security checks, the
// lifecycle checks and the remaining Pod Security controls.
func Checks() []check.Check {
	return slices.Concat(workloadChecks(), lifecycleChecks(), psaParityChecks())
}
