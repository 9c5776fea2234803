package logging

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func log003() check.Check {
	return check.Check{
		ID:         "LOG-003",
		Title:      "A log collector ships logs from every node, control plane included",
		Domain:     check.DomainLogging,
		Level:      check.L2,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S9.1", "S9.5"}, NIST: []string{"6.4"}},
		Rationale: "Container and node logs stay on the node until they rotate away or the node is lost; a collector " +
			"that skips tainted nodes, such as the control plane, leaves exactly the most sensitive logs behind. " +
			"The check reads DaemonSet status, nodeSelectors and tolerations, not node affinity or outputs.",
		Remediation: "Run a log collector DaemonSet (Fluent Bit, Vector, Promtail, Filebeat, OpenTelemetry Collector) " +
			"that ships to a central store, tolerate every node taint (for example tolerations: [{operator: Exists}]), " +
			"and fix pods that are not ready. Add its name to Logging.LogCollectors if it is not recognised.",
		Evaluate: logCollectors,
	}
}

func logCollectors(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("log shipping is a fact of a live cluster")}
	}
	return logAgentCoverage(s, env.Params.Logging.LogCollectors, "log collector")
}
