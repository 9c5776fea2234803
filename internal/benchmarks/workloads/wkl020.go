package workloads

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func wkl020() check.Check {
	return check.Check{
		ID:         "WKL-020",
		Title:      "Long-running containers have liveness and readiness probes",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S9.4"}, MLPS: []string{"G7a"}},
		Rationale: "Without a liveness probe a hung container is never restarted, and without a readiness " +
			"probe traffic reaches pods that cannot serve it, including during rollouts.",
		Remediation: "Add a livenessProbe and a readinessProbe to every container of each Deployment, " +
			"StatefulSet and DaemonSet.",
		Evaluate: lcProbes,
	}
}

// WKL-020.
func lcProbes(s *check.Snapshot, env *check.Env) []check.Finding {
	var out []check.Finding
	inspected := 0
	for _, w := range env.Workloads(s) {
		switch w.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
		default:
			continue
		}
		inspected++
		var problems []string
		for _, c := range w.Spec.Containers {
			var missing []string
			if c.LivenessProbe == nil {
				missing = append(missing, "livenessProbe")
			}
			if c.ReadinessProbe == nil {
				missing = append(missing, "readinessProbe")
			}
			if len(missing) > 0 {
				problems = append(problems, fmt.Sprintf("container %q has no %s", c.Name, strings.Join(missing, " and no ")))
			}
		}
		out = lcAppendProblems(out, w.Ref, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope Deployment, StatefulSet or DaemonSet")}
	}
	return out
}
