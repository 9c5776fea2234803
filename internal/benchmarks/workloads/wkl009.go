package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl009() check.Check {
	return check.Check{
		ID:       "WKL-009",
		Title:    "Every container runs with a specific Localhost seccomp profile",
		Domain:   check.DomainWorkloads,
		Level:    check.L3,
		Severity: check.SeverityLow,
		References: check.References{
			Standard: []string{"S3.4"}, NIST: []string{"4.4.3"},
		},
		Rationale: "The runtime's default seccomp profile allows hundreds of system calls; a profile written " +
			"for the application allows only the ones it uses, which shrinks the kernel surface an attacker " +
			"can reach.",
		Remediation: "Generate a profile per application (for example with the Security Profiles Operator), " +
			"install it on the nodes and set seccompProfile.type: Localhost with localhostProfile on the pod " +
			"or each container.",
		Evaluate: eachWorkload(func(_ *check.Snapshot, _ *check.Env, w *check.Workload) []string {
			if isWindowsPod(w.Spec) {
				return nil
			}
			var problems []string
			check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
				if p := seccompProblem(w.Spec.SecurityContext, c.SecurityContext); p != "" {
					problems = append(problems, check.ContainerRef(c, kind)+" "+p)
				}
			})
			return problems
		}),
	}
}

// seccompProblem says why a container's effective seccomp profile is not a specific Localhost
// profile, or returns "".
func seccompProblem(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) string {
	var profile *corev1.SeccompProfile
	if pod != nil {
		profile = pod.SeccompProfile
	}
	if c != nil && c.SeccompProfile != nil {
		profile = c.SeccompProfile
	}
	switch {
	case profile == nil:
		return "has no seccomp profile"
	case profile.Type != corev1.SeccompProfileTypeLocalhost:
		return fmt.Sprintf("uses seccomp profile type %s, not a Localhost profile", profile.Type)
	case profile.LocalhostProfile == nil || *profile.LocalhostProfile == "":
		return "uses a Localhost seccomp profile without localhostProfile"
	}
	return ""
}
