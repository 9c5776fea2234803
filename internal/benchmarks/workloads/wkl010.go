package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/policy"
)

func wkl010() check.Check {
	return check.Check{
		ID:       "WKL-010",
		Title:    "No container runs without AppArmor or SELinux confinement",
		Domain:   check.DomainWorkloads,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S2.6"}, NIST: []string{"4.4.3"},
		},
		Rationale: "AppArmor and SELinux confine what a container's processes may touch even when other " +
			"controls fail; an Unconfined AppArmor profile or an SELinux type such as spc_t or unconfined_t " +
			"switches that protection off. Whether the nodes enforce AppArmor or SELinux at all is a node " +
			"fact, checked separately.",
		Scope: "AppArmor (the Pod Security baseline control appArmorProfile) plus SELinux types the profile forbids (spc_t, unconfined_t…), at L3. WKL-031 judges the Pod Security seLinuxOptions control at every level, and appArmorProfile below L3.",
		Remediation: "Remove appArmorProfile.type: Unconfined and the legacy annotation " +
			"container.apparmor.security.beta.kubernetes.io/<container>: unconfined; use RuntimeDefault or a " +
			"Localhost profile, and drop seLinuxOptions types such as spc_t and unconfined_t.",
		Evaluate: eachWorkload(func(s *check.Snapshot, env *check.Env, w *check.Workload) []string {
			problems := psaProblems(w, w.Spec, newPSARule(policy.CheckAppArmorProfile()))
			return append(problems, seLinuxProblems(w.Spec, env.Params.Workload.ForbiddenSELinuxTypes)...)
		}),
	}
}

// seLinuxProblems lists the pod and containers whose seLinuxOptions.type is forbidden.
func seLinuxProblems(spec *corev1.PodSpec, forbidden []string) []string {
	var problems []string
	inspect := func(who string, opts *corev1.SELinuxOptions) {
		if opts == nil || opts.Type == "" {
			return
		}
		for _, pattern := range forbidden {
			if glob.Match(pattern, opts.Type) {
				problems = append(problems, fmt.Sprintf("%s sets seLinuxOptions.type %s", who, opts.Type))
				return
			}
		}
	}
	if spec.SecurityContext != nil {
		inspect("pod", spec.SecurityContext.SELinuxOptions)
	}
	check.EachContainer(spec, func(c *corev1.Container, kind check.ContainerKind) {
		if c.SecurityContext != nil {
			inspect(check.ContainerRef(c, kind), c.SecurityContext.SELinuxOptions)
		}
	})
	return problems
}
