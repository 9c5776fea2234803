package controllers

import (
	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

var (
	scoreGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_profile_score",
		Help: "Score of the last audit of a SecurityProfile, 0 to 100, weighted by severity.",
	}, []string{"profile"})
	achievedGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_profile_achieved_level",
		Help: "Highest level achieved by a SecurityProfile's cluster (0 when L1 is not met).",
	}, []string{"profile"})
	targetGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_profile_target_level",
		Help: "Level a SecurityProfile targets (1 to 3).",
	}, []string{"profile"})
	checkResultGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_check_result",
		Help: "Result of a check in the last audit of a SecurityProfile: 1 for the current result.",
	}, []string{"profile", "check", "result", "severity"})
	checkOffendingGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_check_offending_objects",
		Help: "Objects a check flags in the last audit of a SecurityProfile.",
	}, []string{"profile", "check", "severity"})
	auditDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "kubeposture_audit_duration_seconds",
		Help:    "Duration of an audit: gathering the snapshot and evaluating the checks.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"profile"})
	remediationGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "kubeposture_remediation_actions",
		Help: "Remediation actions of a SecurityProfile's last audit, by state (Planned, Applied, InPlace, Conflict, Blocked, Failed).",
	}, []string{"profile", "state"})
	auditsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "kubeposture_audits_total",
		Help: "Audits run, by profile and outcome (succeeded, failed).",
	}, []string{"profile", "outcome"})
)

func init() {
	metrics.Registry.MustRegister(remediationGauge, scoreGauge, achievedGauge, targetGauge, checkResultGauge, checkOffendingGauge, auditDuration, auditsTotal)
}

// recordMetrics publishes one audit's results for the profile.
func recordMetrics(profile string, rep *benchmarks.Report, seconds float64) {
	auditDuration.WithLabelValues(profile).Observe(seconds)
	auditsTotal.WithLabelValues(profile, "succeeded").Inc()
	if rep.Score >= 0 {
		scoreGauge.WithLabelValues(profile).Set(float64(rep.Score))
	} else {
		scoreGauge.DeleteLabelValues(profile)
	}
	achievedGauge.WithLabelValues(profile).Set(float64(rep.Achieved))
	targetGauge.WithLabelValues(profile).Set(float64(rep.Level))
	checkResultGauge.DeletePartialMatch(prometheus.Labels{"profile": profile})
	checkOffendingGauge.DeletePartialMatch(prometheus.Labels{"profile": profile})
	for i := range rep.Checks {
		c := &rep.Checks[i]
		checkResultGauge.WithLabelValues(profile, c.Check.ID, string(c.Result), string(c.Check.Severity)).Set(1)
		checkOffendingGauge.WithLabelValues(profile, c.Check.ID, string(c.Check.Severity)).Set(float64(c.Offending))
	}
}

// forgetMetrics removes a deleted profile's series.
func forgetMetrics(profile string) {
	for _, v := range []*prometheus.GaugeVec{scoreGauge, achievedGauge, targetGauge, checkResultGauge, checkOffendingGauge, remediationGauge} {
		v.DeletePartialMatch(prometheus.Labels{"profile": profile})
	}
	auditDuration.DeletePartialMatch(prometheus.Labels{"profile": profile})
	auditsTotal.DeletePartialMatch(prometheus.Labels{"profile": profile})
}

// recordRemediationMetrics publishes a profile's remediation counts.
func recordRemediationMetrics(profile string, st *securityv1alpha1.RemediationStatus) {
	for state, n := range map[string]int32{"Planned": st.Planned, "Applied": st.Applied, "InPlace": st.InPlace,
		"Conflict": st.Conflicts, "Blocked": st.Blocked, "Failed": st.Failed} {
		remediationGauge.WithLabelValues(profile, state).Set(float64(n))
	}
}
