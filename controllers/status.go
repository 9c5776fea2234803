package controllers

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

const (
	// maxSamples bounds the offending objects listed per check in status.
	maxSamples = 5
	// maxWarnings bounds status.warnings.
	maxWarnings = 10
	// topFailing is how many failing checks a domain condition's message names.
	topFailing = 3
)

// domainConditions maps each domain to its condition type.
var domainConditions = map[benchmarks.Domain]string{
	benchmarks.DomainNodes:        securityv1alpha1.ConditionNodesCompliant,
	benchmarks.DomainRBAC:         securityv1alpha1.ConditionRBACCompliant,
	benchmarks.DomainNetwork:      securityv1alpha1.ConditionNetworkPoliciesCompliant,
	benchmarks.DomainSecrets:      securityv1alpha1.ConditionSecretsRotated,
	benchmarks.DomainBackups:      securityv1alpha1.ConditionBackupsHealthy,
	benchmarks.DomainWorkloads:    securityv1alpha1.ConditionWorkloadsCompliant,
	benchmarks.DomainImages:       securityv1alpha1.ConditionImagesCompliant,
	benchmarks.DomainLogging:      securityv1alpha1.ConditionLoggingCompliant,
	benchmarks.DomainControlPlane: securityv1alpha1.ConditionControlPlaneCompliant,
}

// auditOutcome is what one audit produced, ready to be written to status.
type auditOutcome struct {
	report      benchmarks.Report
	remediation *remediationOutcome
	implemented map[benchmarks.Domain]bool
	finished    time.Time
	duration    time.Duration
}

// applyAudit writes a completed audit to the profile's status. It is pure: the same inputs give
// the same status, except for condition transition times, which meta.SetStatusCondition keeps
// when a condition's status does not change.
func applyAudit(p *securityv1alpha1.SecurityProfile, o auditOutcome) {
	st := &p.Status
	gen := p.Generation
	rep := &o.report
	st.ObservedGeneration = gen
	st.LastAuditTime = &metav1.Time{Time: o.finished}
	st.AuditDuration = &metav1.Duration{Duration: o.duration.Round(time.Millisecond)}

	st.Checks = checkStatuses(rep)
	st.Summary = summaryOf(rep)
	st.Score = nil
	if rep.Score >= 0 {
		score := int32(rep.Score) //nolint:gosec // 0..100
		st.Score = &score
	}
	st.AchievedLevel = securityv1alpha1.AchievedNone
	if rep.Achieved > 0 {
		st.AchievedLevel = securityv1alpha1.AchievedLevel(rep.Achieved.String())
	}
	st.Warnings = warningsOf(rep)

	// A spec the operator could use again is no longer stalled.
	meta.RemoveStatusCondition(&st.Conditions, securityv1alpha1.ConditionStalled)
	setCondition(st, gen, securityv1alpha1.ConditionReady, metav1.ConditionTrue, securityv1alpha1.ReasonAuditSucceeded,
		fmt.Sprintf("Audited %s at %s in %s.", plural(rep.Summary.Total, "check"), rep.Level, st.AuditDuration.Duration))
	status, reason, msg := compliantCondition(rep)
	setCondition(st, gen, securityv1alpha1.ConditionCompliant, status, reason, msg)
	for _, d := range benchmarks.Domains {
		typ, ok := domainConditions[d]
		if !ok {
			continue // organisational items count toward the level but have no condition
		}
		status, reason, msg := domainCondition(rep, d, o.implemented[d])
		setCondition(st, gen, typ, status, reason, msg)
	}
}

// applyFailure records an audit that could not complete, keeping the last results. An invalid
// spec also sets Stalled: the operator retries nothing until the spec changes, which kstatus
// reports as Failed; any other failure is retried, which kstatus reports as InProgress.
func applyFailure(p *securityv1alpha1.SecurityProfile, reason string, err error) {
	msg := benchmarks.Truncate(err.Error(), 1024)
	setCondition(&p.Status, p.Generation, securityv1alpha1.ConditionReady, metav1.ConditionFalse, reason, msg)
	if reason == securityv1alpha1.ReasonInvalidSpec {
		setCondition(&p.Status, p.Generation, securityv1alpha1.ConditionStalled, metav1.ConditionTrue, reason,
			"The spec cannot be used until it is changed: "+msg)
	} else {
		meta.RemoveStatusCondition(&p.Status.Conditions, securityv1alpha1.ConditionStalled)
	}
	if meta.FindStatusCondition(p.Status.Conditions, securityv1alpha1.ConditionCompliant) == nil {
		setCondition(&p.Status, p.Generation, securityv1alpha1.ConditionCompliant, metav1.ConditionUnknown, reason,
			"Compliance is unknown until an audit completes.")
	}
}

func setCondition(st *securityv1alpha1.SecurityProfileStatus, gen int64, typ string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: benchmarks.Truncate(msg, 2048), ObservedGeneration: gen,
	})
}

func compliantCondition(rep *benchmarks.Report) (metav1.ConditionStatus, string, string) {
	if rep.Applicable == 0 {
		return metav1.ConditionUnknown, securityv1alpha1.ReasonNoChecks,
			fmt.Sprintf("No implemented check applies to this profile at %s, so compliance cannot be judged.", rep.Level)
	}
	if rep.Compliant() {
		return metav1.ConditionTrue, securityv1alpha1.ReasonLevelAchieved,
			fmt.Sprintf("Every applicable check of %s passes (%s).", rep.Level, plural(rep.Applicable, "check"))
	}
	achieved := "no level"
	if rep.Achieved > 0 {
		achieved = rep.Achieved.String()
	}
	blocking := blockingChecks(rep, rep.Achieved+1)
	return metav1.ConditionFalse, securityv1alpha1.ReasonLevelNotAchieved,
		fmt.Sprintf("Target %s not achieved (achieved %s): %s %s: %s.", rep.Level, achieved, plural(len(blocking), "check"), verb(len(blocking), "blocks", "block")+" "+(rep.Achieved+1).String(), idList(blocking, 10))
}

func blockingChecks(rep *benchmarks.Report, lvl benchmarks.Level) []*benchmarks.CheckReport {
	var out []*benchmarks.CheckReport
	for i := range rep.Checks {
		c := &rep.Checks[i]
		if c.Check.Level <= lvl && c.ResultAt(lvl).Blocks() {
			out = append(out, c)
		}
	}
	sortBySeverity(out)
	return out
}

func sortBySeverity(cs []*benchmarks.CheckReport) {
	sort.SliceStable(cs, func(i, j int) bool {
		if wi, wj := cs[i].Check.Severity.Weight(), cs[j].Check.Severity.Weight(); wi != wj {
			return wi > wj
		}
		return cs[i].Check.ID < cs[j].Check.ID
	})
}

func idList(cs []*benchmarks.CheckReport, limit int) string {
	var ids []string
	for i, c := range cs {
		if i == limit {
			ids = append(ids, fmt.Sprintf("and %d more", len(cs)-limit))
			break
		}
		ids = append(ids, c.Check.ID)
	}
	return strings.Join(ids, ", ")
}

func domainCondition(rep *benchmarks.Report, d benchmarks.Domain, implemented bool) (metav1.ConditionStatus, string, string) {
	if !implemented {
		return metav1.ConditionUnknown, securityv1alpha1.ReasonNotImplemented,
			fmt.Sprintf("kubeposture has no %s checks yet.", d)
	}
	var failing, errored, pending []*benchmarks.CheckReport
	met := 0
	for i := range rep.Checks {
		c := &rep.Checks[i]
		if c.Check.Domain != d {
			continue
		}
		switch c.Result {
		case benchmarks.Fail:
			failing = append(failing, c)
		case benchmarks.Error:
			errored = append(errored, c)
		case benchmarks.Manual:
			pending = append(pending, c)
		case benchmarks.Pass, benchmarks.Exempted:
			met++
		}
	}
	total := met + len(failing) + len(errored) + len(pending)
	switch {
	case len(failing) > 0:
		sortBySeverity(failing)
		return metav1.ConditionFalse, securityv1alpha1.ReasonChecksFailed,
			fmt.Sprintf("%d of %s %s: %s", len(failing), plural(total, "check"), verb(len(failing), "fails", "fail"), describe(failing))
	case len(errored) > 0:
		return metav1.ConditionFalse, securityv1alpha1.ReasonChecksErrored,
			fmt.Sprintf("%d of %s could not be evaluated: %s", len(errored), plural(total, "check"), describe(errored))
	case len(pending) > 0:
		return metav1.ConditionFalse, securityv1alpha1.ReasonChecksPending,
			fmt.Sprintf("%d of %s %s a person's attestation: %s", len(pending), plural(total, "check"), verb(len(pending), "needs", "need"), describe(pending))
	case total == 0:
		return metav1.ConditionUnknown, securityv1alpha1.ReasonNoApplicableChecks,
			fmt.Sprintf("No %s check applies to this profile at %s.", d, rep.Level)
	}
	return metav1.ConditionTrue, securityv1alpha1.ReasonChecksPassed, fmt.Sprintf("All %s pass.", plural(total, "applicable check"))
}

func describe(cs []*benchmarks.CheckReport) string {
	var parts []string
	for i, c := range cs {
		if i == topFailing {
			parts = append(parts, fmt.Sprintf("and %d more", len(cs)-topFailing))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%s) %s", c.Check.ID, c.Check.Severity, benchmarks.Truncate(c.Message, 300)))
	}
	return strings.Join(parts, "; ")
}

func checkStatuses(rep *benchmarks.Report) []securityv1alpha1.CheckStatus {
	out := make([]securityv1alpha1.CheckStatus, 0, len(rep.Checks))
	for i := range rep.Checks {
		c := &rep.Checks[i]
		cs := securityv1alpha1.CheckStatus{
			ID:       c.Check.ID,
			Level:    securityv1alpha1.Level(c.Check.Level.String()),
			Severity: string(c.Check.Severity),
			Result:   string(c.Result),
			Message:  benchmarks.Truncate(c.Message, 1024),
			Count:    int32(c.Offending), //nolint:gosec // bounded by the cluster's object count
			Exempted: int32(c.Exempted),  //nolint:gosec // likewise
		}
		for _, f := range c.Findings {
			if len(cs.Samples) == maxSamples {
				break
			}
			if f.Object.Name == "" || !sampled(c.Result, f.Result) {
				continue
			}
			cs.Samples = append(cs.Samples, securityv1alpha1.ObjectReference{Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name})
		}
		out = append(out, cs)
	}
	return out
}

// sampled reports whether a finding is a sample of its check's result: offending findings
// (Fail and Error) for a failing check, and otherwise findings with the check's own result.
func sampled(check, finding benchmarks.Result) bool {
	offending := func(r benchmarks.Result) bool { return r == benchmarks.Fail || r == benchmarks.Error }
	if offending(check) {
		return offending(finding)
	}
	return finding == check
}

func summaryOf(rep *benchmarks.Report) *securityv1alpha1.AuditSummary {
	n := func(r benchmarks.Result) int32 { return int32(rep.Summary.ByResult[r]) } //nolint:gosec // bounded by the catalog
	s := func(v benchmarks.Severity) int32 { return int32(rep.Summary.FailedBySeverity[v]) }
	return &securityv1alpha1.AuditSummary{
		Total:         int32(rep.Summary.Total), //nolint:gosec // bounded by the catalog
		Passed:        n(benchmarks.Pass),
		Failed:        n(benchmarks.Fail),
		Errored:       n(benchmarks.Error),
		Manual:        n(benchmarks.Manual),
		Skipped:       n(benchmarks.Skipped),
		NotApplicable: n(benchmarks.NotApplicable),
		Exempted:      n(benchmarks.Exempted),
		FailedBySeverity: securityv1alpha1.SeverityCounts{
			Critical: s(benchmarks.SeverityCritical), High: s(benchmarks.SeverityHigh),
			Medium: s(benchmarks.SeverityMedium), Low: s(benchmarks.SeverityLow),
		},
	}
}

func warningsOf(rep *benchmarks.Report) []string {
	var out []string
	for _, e := range rep.ExpiredExemptions {
		where := ""
		if e.Namespace != "" && e.Namespace != "*" {
			where += " in namespace " + e.Namespace
		}
		if e.Name != "" && e.Name != "*" {
			where += " for " + e.Name
		}
		out = append(out, fmt.Sprintf("Exemption of %s%s expired on %s and no longer applies.", e.CheckID, where, e.Expires.UTC().Format(time.DateOnly)))
	}
	for _, a := range rep.ExpiredAttestations {
		out = append(out, fmt.Sprintf("Attestation of %s by %s expired on %s and no longer applies.", a.ItemID, a.Owner, a.Expires.UTC().Format(time.DateOnly)))
	}
	for _, u := range rep.UnknownSelectors {
		out = append(out, fmt.Sprintf("The %s names no check of the catalog and has no effect.", u))
	}
	if len(out) > maxWarnings {
		more := len(out) - (maxWarnings - 1)
		out = append(out[:maxWarnings-1], fmt.Sprintf("And %d more warnings about exemptions, attestations or check selectors.", more))
	}
	return out
}

// plural renders "1 check" or "3 checks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// verb picks the singular or plural form of a verb for n subjects.
func verb(n int, singular, pluralForm string) string {
	if n == 1 {
		return singular
	}
	return pluralForm
}

// remediatedCondition summarises a profile's remediation.
func remediatedCondition(mode securityv1alpha1.RemediationMode, st *securityv1alpha1.RemediationStatus) (metav1.ConditionStatus, string, string) {
	if mode == securityv1alpha1.RemediationDryRun {
		return metav1.ConditionFalse, securityv1alpha1.ReasonDryRun,
			fmt.Sprintf("DryRun: %s planned, none made (%d conflicts, %d blocked).", plural(int(st.Planned), "change"), st.Conflicts, st.Blocked)
	}
	first := func(state securityv1alpha1.RemediationState) string {
		for _, a := range st.Actions {
			if a.State == state {
				return fmt.Sprintf(" First: %s %s: %s", a.Object.Kind, qualified(a.Object), a.Message)
			}
		}
		return ""
	}
	switch {
	case st.Conflicts > 0:
		return metav1.ConditionFalse, securityv1alpha1.ReasonConflict,
			fmt.Sprintf("%s not made because another field manager owns the field or object.%s", plural(int(st.Conflicts), "change"), first(securityv1alpha1.StateConflict))
	case st.Failed > 0:
		return metav1.ConditionFalse, securityv1alpha1.ReasonRemediationFailed,
			fmt.Sprintf("%s refused by the API server.%s", plural(int(st.Failed), "change"), first(securityv1alpha1.StateFailed))
	case st.Blocked > 0:
		return metav1.ConditionFalse, securityv1alpha1.ReasonBlocked,
			fmt.Sprintf("%s held back because running workloads would break.%s", plural(int(st.Blocked), "change"), first(securityv1alpha1.StateBlocked))
	}
	return metav1.ConditionTrue, securityv1alpha1.ReasonRemediated,
		fmt.Sprintf("%s in place (%d applied in this audit).", plural(int(st.InPlace+st.Applied), "change"), st.Applied)
}
