package backups

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func bak001() check.Check {
	return check.Check{
		ID:         "BAK-001",
		Title:      "A backup system is installed and its storage location is reachable",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S11.1", "S8.5"}},
		Rationale: "Backups are only as good as the place they are written to: a Velero " +
			"BackupStorageLocation that is Unavailable or no longer validated makes every scheduled " +
			"backup fail quietly. The check recognises Velero; another backup tool needs an exemption.",
		Remediation: "Install Velero with a BackupStorageLocation in object storage outside the cluster, " +
			"and fix credentials, bucket or network until `velero backup-location get` shows it Available.",
		Reads:    []string{bakLocationKind},
		Evaluate: bakStorageLocations,
	}
}

func bakStorageLocations(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakLocationKind, false); done {
		return out
	}
	if len(s.ExtraObjects(bakLocationKind)) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "BackupStorageLocation"},
			"Velero is installed but has no BackupStorageLocation, so no backup can be written")}
	}
	maxAge := env.Params.Backups.StorageLocationValidationMaxAge
	var out []check.Finding
	for _, u := range s.ExtraObjects(bakLocationKind) {
		ref := unstruct.Ref(u)
		var bsl struct {
			Status struct {
				Phase              string       `json:"phase"`
				LastValidationTime *metav1.Time `json:"lastValidationTime"`
				Message            string       `json:"message"`
			} `json:"status"`
		}
		if err := unstruct.Decode(u, &bsl); err != nil {
			out = append(out, check.Errorf(ref, "cannot read the BackupStorageLocation: %v", err))
			continue
		}
		st := bsl.Status
		switch {
		case st.Phase != "Available":
			phase := st.Phase
			if phase == "" {
				phase = "not reported"
			}
			msg := fmt.Sprintf("phase is %s, not Available", phase)
			if st.Message != "" {
				msg += ": " + check.Truncate(st.Message, 200)
			}
			out = append(out, check.Failf(ref, "%s", msg))
		case st.LastValidationTime == nil:
			out = append(out, check.Failf(ref, "phase is Available but the location has never been validated"))
		case env.Now.Sub(st.LastValidationTime.Time) > maxAge:
			out = append(out, check.Failf(ref, "last validated %s ago (at most %s allowed): validation is off or the Velero server is not running",
				check.ApproxDuration(env.Now.Sub(st.LastValidationTime.Time)), check.ApproxDuration(maxAge)))
		}
	}
	return out
}
