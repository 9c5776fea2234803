package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func node013() check.Check {
	return check.Check{
		ID:       "NODE-013",
		Title:    "Remote login to nodes is disabled or restricted",
		Domain:   check.DomainNodes,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S2.15"}, NIST: []string{"4.5.4"},
		},
		Rationale: "SSH with root or password login bypasses Kubernetes RBAC and audit entirely. sshd's settings " +
			"are only visible on the host, so a person verifies them.",
		Remediation: "Stop sshd in the node image, or set PermitRootLogin no and PasswordAuthentication no and " +
			"allow logins only from a bastion; use kubectl debug node/... for break-glass access. Attest NODE-013.",
		Evaluate: nodeRemoteAccessProbe,
	}
}

func nodeRemoteAccessProbe(s *check.Snapshot, _ *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'ss -tlnp | grep -w sshd; sshd -T | "+
		"grep -Ei \"^(permitrootlogin|passwordauthentication) \"'` and confirm that sshd is not listening, or that it "+
		"prints permitrootlogin no and passwordauthentication no and the node's firewall admits SSH only from a bastion; "+
		"then attest NODE-013", nodeEach(nodes, "Linux"), nodeDebugShell)}
}
