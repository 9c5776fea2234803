package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl004() check.Check {
	return check.Check{
		ID:       "WKL-004",
		Title:    "Every container sets allowPrivilegeEscalation: false",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S3.5"}, CIS: []string{"5.2.6"},
		},
		Rationale: "Unless allowPrivilegeEscalation is false, a process can gain privileges through setuid " +
			"binaries or file capabilities, undoing a non-root user and dropped capabilities. The default " +
			"is to allow it, so it must be set explicitly.",
		Scope: "The Pod Security restricted control allowPrivilegeEscalation, required from L2 (CIS 5.2.6 asks to minimise it; restricted forbids it).",
		Remediation: "Set securityContext.allowPrivilegeEscalation: false on every container, init container " +
			"and ephemeral container.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit restricted)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckAllowPrivilegeEscalation())),
	}
}
