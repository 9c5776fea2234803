package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func node014() check.Check {
	return check.Check{
		ID:       "NODE-014",
		Title:    "auditd records changes to the container runtime and kubelet files on every node",
		Domain:   check.DomainNodes,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S9.1"}, NIST: []string{"4.5.4"},
		},
		Rationale: "Tampering with the runtime's binaries, configuration or state, logins and privilege " +
			"escalation on the host are invisible to Kubernetes audit logs; only host auditing records them.",
		Remediation: "Install auditd in the node image with -w rules on the runtime's and kubelet's files and " +
			"rules for logins and privilege escalation, ship the logs off the node, and attest NODE-014.",
		Evaluate: nodeAuditdProbe,
	}
}

func nodeAuditdProbe(s *check.Snapshot, _ *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	paths := "/usr/bin/containerd, /usr/sbin/runc, /var/lib/containerd, /etc/containerd, containerd.service, " +
		"/var/lib/kubelet and /etc/kubernetes"
	if nodeAnyDocker(nodes) {
		paths += " (on Docker nodes also /var/lib/docker, /etc/docker, /etc/docker/daemon.json, /etc/default/docker, " +
			"/etc/sysconfig/docker, docker.service and docker.socket)"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'systemctl is-active auditd; auditctl -l'` "+
		"and confirm auditd is active with -w watch rules on %s and rules recording logins and privilege escalation "+
		"(execve of su/sudo, setuid syscalls); then attest NODE-014", nodeEach(nodes, "Linux"), nodeDebugShell, paths)}
}
