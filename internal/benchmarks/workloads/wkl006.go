package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl006() check.Check {
	return check.Check{
		ID:       "WKL-006",
		Title:    "Containers run as the non-root user their image defines",
		Domain:   check.DomainWorkloads,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S3.3"}, MLPS: []string{"G6b"},
		},
		Rationale: "With runAsNonRoot: true and no runAsUser, the kubelet refuses to start an image whose USER " +
			"is root, so only images built with a dedicated user run; a runAsUser override hides what the " +
			"image defines. This check reads the pod specs only; it does not fetch image configurations " +
			"from the registry.",
		Remediation: "Give every image a non-root USER in its Dockerfile, set runAsNonRoot: true and remove " +
			"runAsUser from the pod and container security contexts.",
		Evaluate: eachWorkload(func(_ *check.Snapshot, _ *check.Env, w *check.Workload) []string {
			var problems []string
			check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
				nonRoot, uid, level := check.EffectiveRunAs(w.Spec.SecurityContext, c.SecurityContext)
				switch {
				case nonRoot == nil || !*nonRoot:
					problems = append(problems, fmt.Sprintf("%s does not run with runAsNonRoot=true", check.ContainerRef(c, kind)))
				case uid != nil:
					problems = append(problems, fmt.Sprintf("%s runs as runAsUser=%d (set on the %s) instead of the image's USER",
						check.ContainerRef(c, kind), *uid, level))
				}
			})
			return problems
		}),
	}
}
