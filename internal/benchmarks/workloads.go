package benchmarks

import (
	"k8s.io/pod-security-admission/policy"
)

// WorkloadParams are the parameters of the pod-security WKL- checks (WKL-001 to WKL-015).
type WorkloadParams struct{}

func defaultWorkloadParams() WorkloadParams { return WorkloadParams{} }

// workloadChecks returns the WKL- checks: pod and workload specifications.
func workloadChecks() []Check {
	return []Check{
		{
			ID:       "WKL-001",
			Title:    "No container runs privileged",
			Domain:   DomainWorkloads,
			Level:    L1,
			Severity: SeverityCritical,
			References: References{
				Standard: []string{"S3.5"}, NIST: []string{"3.4.3"}, MLPS: []string{"G4f"}, CIS: []string{"5.2.2"},
			},
			Rationale: "A privileged container has every capability and full access to the host's devices; " +
				"escaping it is trivial, so one compromised workload compromises the node.",
			Remediation: "Remove securityContext.privileged: true from every container, init container and " +
				"ephemeral container; grant the specific capabilities the workload needs instead.",
			AutoRemediation: "PodSecurityLabels (warn/audit baseline; enforce when enabled)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckPrivileged())),
		},
	}
}
