package openreports

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func check(id string, sev benchmarks.Severity) *benchmarks.Check {
	return &benchmarks.Check{ID: id, Title: id + " title", Domain: benchmarks.DomainWorkloads, Level: benchmarks.L1, Severity: sev}
}

// TestBuild: failures go to the Report of their namespace or to the ClusterReport, passes only
// count, a check failing as a whole is a cluster result without a resource, every report is
// owned and bounded, and an unchanged audit keeps the earlier timestamps.
func TestBuild(t *testing.T) {
	var many []benchmarks.Finding
	for i := range MaxResults + 50 {
		many = append(many, benchmarks.Failf(benchmarks.ObjectRef{Kind: "Pod", Namespace: "big", Name: fmt.Sprintf("p%03d", i)}, "privileged"))
	}
	rep := &benchmarks.Report{Checks: []benchmarks.CheckReport{
		{Check: check("WKL-001", benchmarks.SeverityCritical), Result: benchmarks.Fail, Findings: append([]benchmarks.Finding{
			benchmarks.Failf(benchmarks.ObjectRef{Kind: "Pod", Namespace: "app", Name: "web"}, "container web is privileged"),
			{Result: benchmarks.Exempted, Object: benchmarks.ObjectRef{Kind: "Pod", Namespace: "app", Name: "agent"}, Message: "exempted"},
		}, many...)},
		{Check: check("RBAC-004", benchmarks.SeverityHigh), Result: benchmarks.Error, Findings: []benchmarks.Finding{
			benchmarks.Errorf(benchmarks.ObjectRef{Kind: "ClusterRole", Name: "wide"}, "cannot decide"),
		}},
		{Check: check("LOG-001", benchmarks.SeverityMedium), Result: benchmarks.Fail, Message: "no audit policy"},
		{Check: check("WKL-013", benchmarks.SeverityHigh), Result: benchmarks.Pass},
		{Check: check("BAK-001", benchmarks.SeverityLow), Result: benchmarks.Manual},
	}}
	owner := metav1.OwnerReference{APIVersion: "security.kubeposture.io/v1alpha1", Kind: "SecurityProfile", Name: "prod", UID: "u1"}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	got := Build("prod", owner, rep, now, nil)

	if len(got.Namespaced) != 2 || got.Namespaced[0].Namespace != "app" || got.Namespaced[1].Namespace != "big" {
		t.Fatalf("namespaced reports %d; want app and big", len(got.Namespaced))
	}
	app := got.Namespaced[0]
	if app.Name != "kubeposture-prod" || len(app.OwnerReferences) != 1 || app.OwnerReferences[0].UID != "u1" || app.Labels[LabelProfile] != "prod" {
		t.Errorf("app report meta = %+v", app.ObjectMeta)
	}
	if len(app.Results) != 1 || app.Results[0].Policy != "WKL-001" || app.Results[0].Result != "fail" || app.Results[0].Severity != "critical" ||
		app.Results[0].Subjects[0].Name != "web" || app.Results[0].Timestamp.Seconds != now.Unix() {
		t.Errorf("app results = %+v; want the one WKL-001 failure of pod web", app.Results)
	}
	if app.Summary.Fail != 1 || app.Summary.Skip != 1 || app.Summary.Pass != 0 {
		t.Errorf("app summary = %+v; want 1 fail, 1 skipped (exempted)", app.Summary)
	}
	big := got.Namespaced[1]
	if len(big.Results) != MaxResults || big.Summary.Fail != MaxResults+50 {
		t.Errorf("big report has %d results, summary %+v; want %d results and every failure counted", len(big.Results), big.Summary, MaxResults)
	}
	c := got.Cluster
	if c.Namespace != "" || c.Summary.Pass != 1 || c.Summary.Fail != 2 || c.Summary.Error != 1 || c.Summary.Warn != 1 {
		t.Errorf("cluster summary = %+v; want the checks counted: 1 pass, 2 fail, 1 error, 1 manual", c.Summary)
	}
	if len(c.Results) != 2 || c.Results[0].Policy != "RBAC-004" || c.Results[0].Result != "error" || c.Results[0].Subjects[0].Kind != "ClusterRole" ||
		c.Results[1].Policy != "LOG-001" || len(c.Results[1].Subjects) != 0 || c.Results[1].Description != "no audit policy" {
		t.Errorf("cluster results = %+v; want RBAC-004's error on the ClusterRole, then LOG-001 as a whole", c.Results)
	}

	later := Build("prod", owner, rep, now.Add(time.Hour), got)
	if later.Namespaced[0].Results[0].Timestamp.Seconds != now.Unix() {
		t.Error("a failure reported before lost its first timestamp")
	}
}
