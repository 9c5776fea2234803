package nodes

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func node016() check.Check {
	return check.Check{
		ID:             "NODE-016",
		Title:          "Docker daemons on nodes keep secure settings",
		Domain:         check.DomainNodes,
		Level:          check.L1,
		Severity:       check.SeverityMedium,
		LevelDependent: true,
		References: check.References{
			Standard: []string{"S2.14", "S7.3", "S7.4", "S7.5", "S7.6", "S9.6"},
		},
		Rationale: "On nodes that still run Docker Engine (through cri-dockerd) the daemon's own settings decide " +
			"whether containers can bypass iptables, share the docker0 bridge or talk to each other. They live " +
			"in daemon.json on the host, so a person verifies them; nodes on containerd or CRI-O are not affected.",
		Remediation: "Move the nodes to containerd or CRI-O, or set iptables true, log-level info and no " +
			"undeclared settings in /etc/docker/daemon.json (and at L2 icc false and userland-proxy false), then " +
			"attest NODE-016.",
		Evaluate: nodeDockerProbe,
	}
}

func nodeDockerProbe(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var docker []*corev1.Node
	for _, n := range s.Nodes {
		if name, _ := nodeRuntime(n); name == "docker" {
			docker = append(docker, n)
		}
	}
	if len(docker) == 0 {
		return []check.Finding{check.NotApplicablef("no node runs Docker Engine: every nodeInfo.containerRuntimeVersion names another runtime")}
	}
	want := "iptables is not false, log-level is info (or unset), no container is attached to the default bridge " +
		"(`docker network inspect bridge` lists no containers) and daemon.json holds no setting outside your declared list"
	if env.Level >= check.L2 {
		want += ", and icc is false and userland-proxy is false"
	}
	return []check.Finding{check.Manualf("on %s run `%s sh -c 'cat /etc/docker/daemon.json; ps -o args= -C "+
		"dockerd; docker info'` and confirm %s; then attest NODE-016", nodeEach(docker, "Docker"), nodeDebugShell, want)}
}
