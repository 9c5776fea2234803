package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl002() check.Check {
	return check.Check{
		ID:       "WKL-002",
		Title:    "No container adds a capability outside the baseline set",
		Domain:   check.DomainWorkloads,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S3.5"}, CIS: []string{"5.2.9"},
		},
		Rationale: "Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container most of the " +
			"power of a privileged one (mounting filesystems, reconfiguring the host network, reading other " +
			"processes), so they open the same escape routes.",
		Scope: "The Pod Security baseline control capabilities_baseline, evaluated with the library.",
		Remediation: "Remove every capability outside AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, " +
			"MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT from " +
			"securityContext.capabilities.add; move a workload that truly needs one to an exempt namespace " +
			"and record the exemption.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit baseline; enforce when enabled)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckCapabilitiesBaseline())),
	}
}
