package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func node015() check.Check {
	return check.Check{
		ID:       "NODE-015",
		Title:    "Runtime and kubelet files and sockets are root-owned with restrictive modes",
		Domain:   check.DomainNodes,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S2.10"}, CIS: []string{"4.1.1", "4.1.2", "4.1.5", "4.1.6", "4.1.9", "4.1.10"},
		},
		Rationale: "Whoever can write the kubelet's kubeconfig or configuration, or open the runtime socket, " +
			"controls every container on the node; membership of the docker group is root in all but name.",
		Remediation: "Make the files root:root with mode 600 (sockets 660, group root or docker), remove " +
			"unapproved members from the docker group, bake this into the node image and attest NODE-015.",
		Evaluate: nodeFilePermissionsProbe,
	}
}

func nodeFilePermissionsProbe(s *check.Snapshot, _ *check.Env) []check.Finding {
	nodes, f := nodeProbeTargets(s)
	if f != nil {
		return f
	}
	docker := ""
	if nodeAnyDocker(nodes) {
		docker = "; on Docker nodes also /var/run/docker.sock (660 root:docker), /etc/docker/daemon.json (644 root:root or " +
			"stricter), and `getent group docker` lists only approved members"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'stat -c \"%%a %%U:%%G %%n\" "+
		"/etc/kubernetes/kubelet.conf /var/lib/kubelet/config.yaml /etc/systemd/system/kubelet.service.d/* "+
		"/etc/containerd/config.toml /run/containerd/containerd.sock'` (adjust the paths to the node image) and confirm "+
		"the kubelet kubeconfig, configuration and service files are root:root with mode 600 or stricter, the runtime "+
		"configuration root-owned and not group- or world-writable, and the runtime socket root-owned with mode 660 or "+
		"stricter%s; then attest NODE-015", nodeEach(nodes, "Linux"), nodeDebugShell, docker)}
}
