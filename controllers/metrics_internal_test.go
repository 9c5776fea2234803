package controllers

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func TestMetricsFollowTheLastAudit(t *testing.T) {
	wkl := &benchmarks.Check{ID: "WKL-001", Severity: benchmarks.SeverityCritical}
	net := &benchmarks.Check{ID: "NET-002", Severity: benchmarks.SeverityHigh}
	rep := &benchmarks.Report{Score: 40, Achieved: benchmarks.L1, Checks: []benchmarks.CheckReport{
		{Check: wkl, Result: benchmarks.Fail, Offending: 3},
		{Check: net, Result: benchmarks.Pass},
	}}
	recordMetrics("metrics-test", rep, 0.2)
	if v := testutil.ToFloat64(scoreGauge.WithLabelValues("metrics-test")); v != 40 {
		t.Errorf("score %v", v)
	}
	if v := testutil.ToFloat64(checkResultGauge.WithLabelValues("metrics-test", "WKL-001", "Fail", "Critical")); v != 1 {
		t.Errorf("WKL-001 Fail = %v", v)
	}
	if v := testutil.ToFloat64(checkOffendingGauge.WithLabelValues("metrics-test", "WKL-001", "Critical")); v != 3 {
		t.Errorf("offending %v", v)
	}
	// The next audit replaces the previous result instead of adding a series.
	rep.Checks[0].Result, rep.Checks[0].Offending = benchmarks.Pass, 0
	recordMetrics("metrics-test", rep, 0.1)
	if n := seriesOf(checkResultGauge, "metrics-test"); n != 2 {
		t.Errorf("%d result series, want one per check", n)
	}
	if v := testutil.ToFloat64(auditsTotal.WithLabelValues("metrics-test", "succeeded")); v != 2 {
		t.Errorf("audits total %v", v)
	}
	forgetMetrics("metrics-test")
	if n := seriesOf(checkResultGauge, "metrics-test"); n != 0 {
		t.Errorf("a deleted profile leaves %d series", n)
	}
}

// seriesOf counts a collector's series for one profile (other tests' profiles share the registry).
func seriesOf(c prometheus.Collector, profile string) int {
	ch := make(chan prometheus.Metric, 1024)
	go func() { c.Collect(ch); close(ch) }()
	n := 0
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			continue
		}
		for _, l := range pb.GetLabel() {
			if l.GetName() == "profile" && l.GetValue() == profile {
				n++
			}
		}
	}
	return n
}
