package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func node006() check.Check {
	return check.Check{
		ID:       "NODE-006",
		Title:    "AppArmor or SELinux is enforcing on every node",
		Domain:   check.DomainNodes,
		Level:    check.L3,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S2.6"}, NIST: []string{"4.4.3", "5.2"},
		},
		Rationale: "Mandatory access control confines a container process even after it escapes its namespaces. " +
			"Whether the host has it enabled is only visible on the node itself, so a person verifies it.",
		Remediation: "Enable AppArmor (Ubuntu, Debian, SUSE) or SELinux in enforcing mode (RHEL, Fedora, " +
			"Bottlerocket) in the node image, then attest NODE-006 with the probe output as evidence.",
		Evaluate: nodeMACProbe,
	}
}

func nodeMACProbe(s *check.Snapshot, _ *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	return []check.Finding{check.Manualf("on %s run `%s cat /sys/module/apparmor/parameters/enabled "+
		"/sys/fs/selinux/enforce` and confirm it prints Y (AppArmor enabled) or 1 (SELinux enforcing); then attest NODE-006",
		nodeEach(nodes, "Linux"), nodeDebugShell)}
}
