package backups

import (
	"fmt"
	"sort"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func bak007() check.Check {
	return check.Check{
		ID:         "BAK-007",
		Title:      "Restores are tested regularly",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S11.2", "S8.5", "S12.9"}},
		Rationale: "A backup that has never been restored is a hope, not a recovery plan. A Completed " +
			"Velero Restore within the restore-test window is evidence; restore tests run in another " +
			"cluster are not visible here and need an attestation.",
		Remediation: "Restore a recent backup into a scratch namespace or a DR cluster (velero restore " +
			"create --from-backup … --namespace-mappings …), check the application, and repeat within the " +
			"restore-test window; attest tests done elsewhere.",
		Reads:    []string{bakRestoreKind},
		Evaluate: bakRestoreTests,
	}
}

func bakRestoreTests(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakRestoreKind, false); done {
		return out
	}
	restores, out := bakRuns(s, bakRestoreKind)
	window := env.Params.RestoreTestMaxAge
	var newest *bakRun
	var failed []string
	for _, r := range restores {
		age := env.Now.Sub(r.finished())
		switch r.Status.Phase {
		case "Completed":
			if age <= window {
				return nil
			}
			if newest == nil || r.finished().After(newest.finished()) {
				newest = r
			}
		case "Failed", "PartiallyFailed", "FailedValidation":
			if age <= window {
				failed = append(failed, fmt.Sprintf("%s (%s)", r.Ref.Name, r.Status.Phase))
			}
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return append(out, check.Failf(check.ObjectRef{Kind: "Restore"}, "no restore completed within %s; restore attempts in that time did not succeed: %s",
			check.ApproxDuration(window), check.ContainerNames(failed)))
	}
	last := "no Velero Restore exists in this cluster"
	if newest != nil {
		last = fmt.Sprintf("the newest completed Velero Restore, %s, finished %s ago", newest.Ref.Name, check.ApproxDuration(env.Now.Sub(newest.finished())))
	}
	return append(out, check.Manualf("%s (a restore test is due every %s): run a test restore, or attest a restore test done in another cluster",
		last, check.ApproxDuration(window)))
}
