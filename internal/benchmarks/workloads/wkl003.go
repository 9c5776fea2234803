package workloads

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/policy"
)

func wkl003() check.Check {
	return check.Check{
		ID:       "WKL-003",
		Title:    "Every container drops all capabilities and adds back at most NET_BIND_SERVICE",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			CIS: []string{"5.2.8", "5.2.10"},
		},
		Rationale: "The runtime's default capability set still includes NET_RAW, SETUID and others an " +
			"application rarely needs; dropping ALL leaves an attacker in the container nothing to abuse " +
			"(PSA restricted profile).",
		Scope: "The Pod Security restricted control capabilities_restricted, required from L2. CIS 5.2.8 and 5.2.10 ask only to minimise NET_RAW and added capabilities; this check asks for drop ALL, as restricted does.",
		Remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container and add back only " +
			"NET_BIND_SERVICE when the process binds a port below 1024.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit restricted)",
		Evaluate:            psaEvaluate(newPSARule(policy.CheckCapabilitiesRestricted())),
	}
}
