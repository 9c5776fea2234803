package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl005() check.Check {
	return check.Check{
		ID:       "WKL-005",
		Title:    "Containers run as a non-root user",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S3.1"}, MLPS: []string{"G4f", "G6b"}, CIS: []string{"5.2.7"},
		},
		Rationale: "Root in a container is root on the host's kernel: any escape or writable host mount is " +
			"then a host compromise. As in Pod Security Admission, a pod in its own user namespace " +
			"(hostUsers: false) passes, because its root maps to an unprivileged host user; init " +
			"containers are judged too unless ExemptInitContainersFromNonRoot is set, as S3.1 permits.",
		Scope: "The Pod Security restricted controls runAsNonRoot and runAsUser, from L2. It differs in one way the standard allows: init containers may be exempted with ExemptInitContainersFromNonRoot (S3.1); WKL-031 does not re-judge them.",
		Remediation: "Set securityContext.runAsNonRoot: true on the pod (or every container) and remove any " +
			"runAsUser: 0; build the image with a non-root USER.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit restricted; enforce when enabled)",
		Evaluate: eachWorkload(func(s *check.Snapshot, env *check.Env, w *check.Workload) []string {
			spec := w.Spec
			if env.Params.Workload.ExemptInitContainersFromNonRoot && len(spec.InitContainers) > 0 {
				trimmed := *spec // a shallow copy: the snapshot's spec is never modified
				trimmed.InitContainers = nil
				spec = &trimmed
			}
			return psaProblems(w, spec, newPSARule(policy.CheckRunAsNonRoot()), newPSARule(policy.CheckRunAsUser()))
		}),
	}
}
