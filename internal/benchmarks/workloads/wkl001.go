package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl001() check.Check {
	return check.Check{
		ID:       "WKL-001",
		Title:    "No container runs privileged",
		Domain:   check.DomainWorkloads,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S3.5"}, NIST: []string{"3.4.3"}, MLPS: []string{"G4f"}, CIS: []string{"5.2.2"},
		},
		Rationale: "A privileged container has every capability and full access to the host's devices; " +
			"escaping it is trivial, so one compromised workload compromises the node.",
		Scope: "The Pod Security baseline control privileged, evaluated with the library on pod templates and running pods, not only at admission.",
		Remediation: "Remove securityContext.privileged: true from every container, init container and " +
			"ephemeral container; grant the specific capabilities the workload needs instead.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit baseline; enforce when enabled)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckPrivileged())),
	}
}
