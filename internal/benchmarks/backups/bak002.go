package backups

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func bak002() check.Check {
	return check.Check{
		ID:         "BAK-002",
		Title:      "An active backup schedule runs at least weekly",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S11.1"}},
		Rationale: "The standard requires a backup at least once a week. The check computes the longest " +
			"gap between two runs of each Velero Schedule's cron expression (in UTC), so a monthly or " +
			"weekday-only schedule with a long weekend gap is caught; paused schedules do not count.",
		Remediation: "Create a Velero Schedule (velero schedule create) whose cron runs at least every 7 " +
			"days, e.g. \"0 2 * * *\", and unpause schedules that should run.",
		Reads:    []string{bakScheduleKind},
		Evaluate: bakScheduleFrequency,
	}
}

func bakScheduleFrequency(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	schedules, out := bakSchedules(s)
	if len(schedules) == 0 && len(out) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "Schedule"}, "Velero is installed but no Schedule exists, so nothing is backed up regularly")}
	}
	maxAge := env.Params.BackupMaxAge
	good := 0
	var paused []check.Finding
	for _, sch := range schedules {
		switch {
		case sch.Spec.Paused:
			paused = append(paused, check.Failf(sch.Ref, "the schedule is paused"))
			continue
		case sch.Status.Phase == "FailedValidation":
			out = append(out, check.Failf(sch.Ref, "Velero rejected the schedule: %s", strings.Join(sch.Status.ValidationErrors, "; ")))
			continue
		}
		gap, err := bakScheduleGap(sch.Spec.Schedule, env.Now)
		switch {
		case err != nil:
			out = append(out, check.Errorf(sch.Ref, "cannot read schedule %q: %v", sch.Spec.Schedule, err))
		case gap > maxAge:
			out = append(out, check.Failf(sch.Ref, "schedule %q leaves up to %s between backups (at most %s allowed)",
				sch.Spec.Schedule, bakGapText(gap), check.ApproxDuration(maxAge)))
		default:
			good++
		}
	}
	if good == 0 {
		out = append(out, paused...)
	}
	return out
}
