package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl013() check.Check {
	return check.Check{
		ID:       "WKL-013",
		Title:    "No pod shares the host's network, PID or IPC namespace",
		Domain:   check.DomainWorkloads,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			CIS: []string{"5.2.3", "5.2.4", "5.2.5"},
		},
		Rationale: "hostPID exposes every process on the node, hostIPC its shared memory, and hostNetwork its " +
			"interfaces, loopback services and (since Kubernetes has no separate field) its UTS namespace; " +
			"each bypasses the isolation that keeps one pod from reaching the node and its neighbours.",
		Scope: "The Pod Security baseline control hostNamespaces (CIS 5.2.3–5.2.5), evaluated with the library.",
		Remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec; run node agents that need " +
			"them in an exempt system namespace.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit baseline; enforce when enabled)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckHostNamespaces())),
	}
}
