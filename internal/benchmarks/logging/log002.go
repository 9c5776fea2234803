package logging

import (
	"strconv"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func log002() check.Check {
	return check.Check{
		ID:       "LOG-002",
		Title:    "API server audit logs are kept for at least the required retention period",
		Domain:   check.DomainLogging,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			MLPS: []string{"G3d"}, CIS: []string{"1.2.17", "1.2.18"},
		},
		Rationale: "Intrusions are often found months later; audit records deleted before then cannot show what " +
			"happened. Regulations set a floor (six months under the PRC Cybersecurity Law), Logging.AuditLogMinRetention here.",
		Remediation: "Ship audit events to a central store with --audit-webhook-config-file, or set --audit-log-maxage " +
			"to at least the retention in days and size --audit-log-maxbackup and --audit-log-maxsize so that many " +
			"days fit; for logs written to stdout, keep them in the log store for that long.",
		Evaluate: logAuditRetention,
	}
}

func logAuditRetention(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("API server audit retention is a fact of a live control plane")}
	}
	minDays := int(env.Params.Logging.AuditLogMinRetention.Hours() / 24)
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify that the provider's "+
			"audit logs are kept for at least %d days (log bucket or workspace retention) and attest it", minDays)}
	}
	var out []check.Finding
	for _, api := range apiservers {
		f, bad := logAuditRetentionOf(api, minDays)
		if bad {
			out = append(out, f)
		}
	}
	return out
}

// logAuditRetentionOf judges how long one API server keeps its audit events.
func logAuditRetentionOf(api cpflags.Component, minDays int) (check.Finding, bool) {
	manual := func(format string, args ...any) (check.Finding, bool) {
		f := check.Manualf(format, args...)
		f.Object = api.Ref
		return f, true
	}
	path := api.Flags["audit-log-path"]
	switch {
	case api.Flags["audit-webhook-config-file"] != "":
		return check.Finding{}, false // shipped to a central store, whose retention this cluster does not set
	case api.Flags["audit-policy-file"] == "" || path == "":
		return check.Failf(api.Ref, "kube-apiserver keeps no audit log to retain (see LOG-001)"), true
	case path == "-":
		return manual("kube-apiserver writes audit events to stdout: verify that the log store keeps them for at least %d days", minDays)
	}
	raw, set := api.Flags["audit-log-maxage"]
	maxAge, err := strconv.Atoi(raw)
	switch {
	case !set || raw == "0":
		return check.Failf(api.Ref, "kube-apiserver sets no --audit-log-maxage, so how long %s is kept is undefined; want at least %d days",
			path, minDays), true
	case err != nil:
		return check.Errorf(api.Ref, "kube-apiserver --audit-log-maxage=%q is not a number of days", raw), true
	case maxAge < minDays:
		return check.Failf(api.Ref, "kube-apiserver --audit-log-maxage=%d deletes audit logs after %d days; want at least %d",
			maxAge, maxAge, minDays), true
	}
	if backups := api.Flags["audit-log-maxbackup"]; backups != "" && backups != "0" {
		size := api.Flags["audit-log-maxsize"]
		if size == "" {
			size = "100" // the file size at which the API server rotates when the flag is unset
		}
		return manual("kube-apiserver keeps at most --audit-log-maxbackup=%s files of --audit-log-maxsize=%s MB, which may "+
			"delete audit logs before --audit-log-maxage=%d days: verify that they hold %d days of events", backups, size, maxAge, minDays)
	}
	return check.Finding{}, false
}
