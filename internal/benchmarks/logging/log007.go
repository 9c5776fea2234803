package logging

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func log007() check.Check {
	return check.Check{
		ID:       "LOG-007",
		Title:    "A runtime threat-detection agent is ready on every node",
		Domain:   check.DomainLogging,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			NIST: []string{"4.4.4", "7.3.2"}, MLPS: []string{"G3c", "G4g", "G5b"},
		},
		Rationale: "Admission controls judge a container before it starts; only a runtime agent sees a shell spawned " +
			"in a container, an unexpected outbound connection or a write to a binary directory. A node without the " +
			"agent is a blind spot. The check confirms the agent's presence, not its rules.",
		Remediation: "Deploy a runtime detection agent (Falco, Tetragon, Tracee, KubeArmor, NeuVector…) as a DaemonSet " +
			"that tolerates every node taint, forward its alerts to the SIEM, and add its name to Logging.RuntimeAgents " +
			"if it is not recognised.",
		Evaluate: logRuntimeAgents,
	}
}

func logRuntimeAgents(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("runtime detection agents are a fact of a live cluster")}
	}
	return logAgentCoverage(s, env.Params.Logging.RuntimeAgents, "runtime detection agent")
}
