package workloads

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl011() check.Check {
	return check.Check{
		ID:       "WKL-011",
		Title:    "Every container has a read-only root filesystem",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S3.9"}, NIST: []string{"4.4.4"},
		},
		Rationale: "A writable root filesystem lets an attacker drop tools, alter binaries and persist for " +
			"the life of the container; read-only, the application writes only to the volumes it declares.",
		Remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and mount emptyDir " +
			"volumes where the application needs scratch space (/tmp, caches).",
		Evaluate: eachWorkload(func(_ *check.Snapshot, _ *check.Env, w *check.Workload) []string {
			if isWindowsPod(w.Spec) {
				return nil
			}
			var problems []string
			check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
				sc := c.SecurityContext
				if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					problems = append(problems, check.ContainerRef(c, kind)+" does not set readOnlyRootFilesystem=true")
				}
			})
			return problems
		}),
	}
}
