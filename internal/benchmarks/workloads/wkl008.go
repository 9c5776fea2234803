package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl008() check.Check {
	return check.Check{
		ID:       "WKL-008",
		Title:    "Every container runs with the RuntimeDefault or a Localhost seccomp profile",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S3.4"}, NIST: []string{"4.4.3"}, CIS: []string{"5.7.2"},
		},
		Rationale: "Without a seccomp profile a container can make every system call, including the rarely " +
			"used ones most kernel exploits rely on. This check reads the pod specs; a kubelet with " +
			"seccompDefault: true is a node setting it does not see, so pods that rely on it must set the " +
			"profile or be exempted.",
		Scope: "The Pod Security restricted control seccompProfile_restricted, from L2. The baseline control (no Unconfined profile) is judged at L1 by WKL-031. A kubelet with seccompDefault is not seen, unlike at runtime.",
		Remediation: "Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost) on the pod, and " +
			"remove any Unconfined profile from its containers.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit restricted)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckSeccompProfileRestricted())),
	}
}
