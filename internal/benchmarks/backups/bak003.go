package backups

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func bak003() check.Check {
	return check.Check{
		ID:         "BAK-003",
		Title:      "Every backup schedule has a recent completed backup",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S11.1", "S8.5"}},
		Rationale: "A schedule proves intent, not a usable backup: runs can fail or only partly succeed. " +
			"The newest Completed backup of each active schedule must be no older than the backup " +
			"threshold, and failed runs after it are reported.",
		Remediation: "Look at `velero backup describe --details` and `velero backup logs` for the failed " +
			"runs, fix the cause (storage location, volume snapshotter, node agent), and trigger a backup " +
			"with `velero backup create --from-schedule`.",
		Reads:    []string{bakBackupKind, bakScheduleKind},
		Evaluate: bakRecentBackups,
	}
}

func bakRecentBackups(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, false); done {
		return out
	}
	if f, missing := bakNoBackupSystem(s, bakBackupKind); missing {
		return []check.Finding{f}
	}
	schedules, out := bakSchedules(s)
	backups, errs := bakRuns(s, bakBackupKind)
	out = append(out, errs...)
	active := bakActiveSchedules(schedules)
	if len(active) == 0 {
		return append(out, check.Failf(check.ObjectRef{Kind: "Schedule"}, "no active Velero Schedule, so no backup is taken regularly"))
	}
	bySchedule := map[string][]*bakRun{}
	for _, b := range backups {
		if name := b.Metadata.Labels["velero.io/schedule-name"]; name != "" {
			key := b.Ref.Namespace + "/" + name
			bySchedule[key] = append(bySchedule[key], b)
		}
	}
	maxAge := env.Params.BackupMaxAge
	for _, sch := range active {
		runs := bySchedule[sch.Ref.Namespace+"/"+sch.Ref.Name]
		sort.Slice(runs, func(i, j int) bool { return runs[i].finished().After(runs[j].finished()) })
		var newest *bakRun
		var failedSince []string
		for _, b := range runs {
			if b.Status.Phase == "Completed" {
				newest = b
				break
			}
			if b.Status.Phase == "Failed" || b.Status.Phase == "PartiallyFailed" || b.Status.Phase == "FailedValidation" {
				why := b.Status.Phase
				if b.Status.FailureReason != "" {
					why += ": " + check.Truncate(b.Status.FailureReason, 120)
				}
				failedSince = append(failedSince, fmt.Sprintf("%s (%s)", b.Ref.Name, why))
			}
		}
		var problems []string
		switch {
		case newest == nil:
			problems = append(problems, "no backup of this schedule has completed")
		case env.Now.Sub(newest.finished()) > maxAge:
			problems = append(problems, fmt.Sprintf("newest completed backup %s finished %s ago (at most %s allowed)",
				newest.Ref.Name, check.ApproxDuration(env.Now.Sub(newest.finished())), check.ApproxDuration(maxAge)))
		}
		if len(failedSince) > 0 {
			problems = append(problems, "later runs did not complete: "+check.ContainerNames(failedSince))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(sch.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}
