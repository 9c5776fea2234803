package backups

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func bak005() check.Check {
	return check.Check{
		ID:       "BAK-005",
		Title:    "A backup schedule captures cluster resources and configuration",
		Domain:   check.DomainBackups,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S12.9", "S2.9"},
		},
		Rationale: "Restoring every service after a complete failure needs the cluster-scoped objects " +
			"(CRDs, ClusterRoles, StorageClasses, namespaces) as well as the namespaced ones. L2 adds " +
			"that ConfigMaps and Secrets are not filtered out, so configuration can be restored (S2.9).",
		Remediation: "Give one Schedule includeClusterResources: true (or leave it unset and back up all " +
			"namespaces), and remove configmaps and secrets from its excluded resources.",
		LevelDependent: true,
		Reads:          []string{bakScheduleKind},
		Evaluate:       bakFullRestoreCoverage,
	}
}

func bakFullRestoreCoverage(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	schedules, out := bakSchedules(s)
	active := bakActiveSchedules(schedules)
	if len(active) == 0 {
		return append(out, check.Failf(check.ObjectRef{Kind: "Schedule"}, "no active Velero Schedule, so neither cluster resources nor configuration are backed up"))
	}
	var gaps []check.Finding
	for _, sch := range active {
		t := &sch.Spec.Template
		var problems []string
		if !bakIncludesClusterResources(t) {
			problems = append(problems, "it leaves out cluster-scoped resources (includeClusterResources is false, or unset while namespaces are filtered)")
		}
		if env.Level >= check.L2 {
			for _, res := range []string{"configmaps", "secrets"} {
				if !bakIncludesResource(t, res) {
					problems = append(problems, res+" are filtered out")
				}
			}
		}
		if len(problems) == 0 {
			return out
		}
		gaps = append(gaps, check.Failf(sch.Ref, "not a full-restore schedule: %s", strings.Join(problems, "; ")))
	}
	return append(out, gaps...)
}

// bakIncludesClusterResources follows Velero: unset means cluster resources are backed up only
// when every namespace is.
func bakIncludesClusterResources(t *bakBackupSpec) bool {
	if t.IncludeClusterResources != nil {
		return *t.IncludeClusterResources
	}
	if bakListsResource(t.IncludedClusterScopedResources, "") {
		return true
	}
	all := len(t.IncludedNamespaces) == 0
	for _, ns := range t.IncludedNamespaces {
		all = all || ns == "*"
	}
	return all && len(t.ExcludedNamespaces) == 0
}
