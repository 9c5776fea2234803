package benchmarks_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// These tests exercise the engine with small checks defined here; the catalog's own checks are
// covered by their fixtures.

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// testEnv is the Env of these tests: the default parameters at the time now.
func testEnv() benchmarks.Env {
	params := benchmarks.DefaultParams()
	return benchmarks.Env{Now: now, Params: params, Scope: benchmarks.NewScope(nil, nil, params.SystemNamespaces)}
}

func snapshotWithPods(names ...string) *benchmarks.Snapshot {
	s := &benchmarks.Snapshot{}
	for _, n := range names {
		ns, name, _ := strings.Cut(n, "/")
		s.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
	}
	return s
}

// failEveryPod flags each pod of the snapshot.
func failEveryPod(id string, level benchmarks.Level, sev benchmarks.Severity) benchmarks.Check {
	return benchmarks.Check{ID: id, Domain: benchmarks.DomainWorkloads, Level: level, Severity: sev, Title: id,
		Evaluate: func(s *benchmarks.Snapshot, env *benchmarks.Env) []benchmarks.Finding {
			var out []benchmarks.Finding
			for _, p := range s.Pods {
				out = append(out, benchmarks.Failf(benchmarks.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}, "bad pod"))
			}
			return out
		}}
}

func passing(id string, level benchmarks.Level) benchmarks.Check {
	return benchmarks.Check{ID: id, Domain: benchmarks.DomainRBAC, Level: level, Severity: benchmarks.SeverityHigh, Title: id,
		Evaluate: func(*benchmarks.Snapshot, *benchmarks.Env) []benchmarks.Finding { return nil }}
}

func TestAchievedLevelIsTheHighestFullyPassingLevel(t *testing.T) {
	checks := []benchmarks.Check{passing("RBAC-001", benchmarks.L1), failEveryPod("WKL-002", benchmarks.L2, benchmarks.SeverityHigh), passing("RBAC-003", benchmarks.L3)}
	rep := benchmarks.Evaluate(snapshotWithPods("shop/a"), testEnv(), checks, benchmarks.Options{Level: benchmarks.L3})
	if rep.Achieved != benchmarks.L1 {
		t.Fatalf("achieved %v, want L1 (an L2 check fails)", rep.Achieved)
	}
	if rep.Compliant() {
		t.Fatal("an L3 target with a failing L2 check is not compliant")
	}
	if rep.Score != 6*100/9 { // two High checks pass out of three
		t.Errorf("score %d, want %d", rep.Score, 6*100/9)
	}
	rep = benchmarks.Evaluate(snapshotWithPods("shop/a"), testEnv(), checks, benchmarks.Options{Level: benchmarks.L1})
	if len(rep.Checks) != 1 || !rep.Compliant() || rep.Achieved != benchmarks.L1 {
		t.Fatalf("at L1 only the L1 check runs and passes: %+v", rep)
	}
}

func TestNoApplicableCheckIsNotCompliant(t *testing.T) {
	rep := benchmarks.Evaluate(snapshotWithPods(), testEnv(), []benchmarks.Check{passing("RBAC-001", benchmarks.L2)}, benchmarks.Options{Level: benchmarks.L1})
	if rep.Compliant() || rep.Achieved != 0 || rep.Score != -1 {
		t.Fatalf("with no check selected nothing is achieved: achieved=%v score=%d", rep.Achieved, rep.Score)
	}
}

func TestPanicAndErrorAreNeverAPass(t *testing.T) {
	checks := []benchmarks.Check{{ID: "WKL-003", Domain: benchmarks.DomainWorkloads, Level: benchmarks.L1, Severity: benchmarks.SeverityLow}}
	checks[0].Evaluate = func(s *benchmarks.Snapshot, env *benchmarks.Env) []benchmarks.Finding {
		_ = s.Pods[5] // out of range: panics
		return nil
	}
	checks = append(checks, benchmarks.Check{ID: "WKL-004", Domain: benchmarks.DomainWorkloads, Level: benchmarks.L1, Severity: benchmarks.SeverityLow,
		Evaluate: func(*benchmarks.Snapshot, *benchmarks.Env) []benchmarks.Finding {
			return []benchmarks.Finding{benchmarks.Errorf(benchmarks.ObjectRef{Kind: "Secret", Namespace: "shop", Name: "tls"}, "certificate cannot be parsed")}
		}})
	rep := benchmarks.Evaluate(snapshotWithPods("shop/a"), testEnv(), checks, benchmarks.Options{Level: benchmarks.L1})
	for _, c := range rep.Checks {
		if c.Result != benchmarks.Error {
			t.Errorf("%s: result %s, want Error (%s)", c.Check.ID, c.Result, c.Message)
		}
	}
	if !strings.Contains(rep.Checks[0].Message, "WKL-003 failed while evaluating") {
		t.Errorf("a panic must be reported with the check's ID: %q", rep.Checks[0].Message)
	}
	if rep.Achieved != 0 {
		t.Errorf("errors block the level, achieved %v", rep.Achieved)
	}
}

func TestExemptionsApplyPerObjectAndExpire(t *testing.T) {
	expired := now.Add(-time.Hour)
	later := now.Add(time.Hour)
	checks := []benchmarks.Check{failEveryPod("WKL-001", benchmarks.L1, benchmarks.SeverityCritical)}
	snap := snapshotWithPods("monitoring/node-exporter-1", "monitoring/node-exporter-2", "shop/web")
	rep := benchmarks.Evaluate(snap, testEnv(), checks, benchmarks.Options{Level: benchmarks.L1, Exemptions: []benchmarks.Exemption{
		{CheckID: "WKL-001", Namespace: "monitoring", Name: "node-exporter-*", Reason: "host metrics", Expires: &later},
		{CheckID: "WKL-001", Namespace: "shop", Reason: "old", Expires: &expired},
	}})
	c := rep.Checks[0]
	if c.Result != benchmarks.Fail || c.Offending != 1 || c.Exempted != 2 {
		t.Fatalf("want Fail with 1 offending and 2 exempted, got %s %d/%d: %s", c.Result, c.Offending, c.Exempted, c.Message)
	}
	if len(rep.ExpiredExemptions) != 1 || rep.ExpiredExemptions[0].Namespace != "shop" {
		t.Fatalf("the expired exemption must be reported: %+v", rep.ExpiredExemptions)
	}

	rep = benchmarks.Evaluate(snapshotWithPods("monitoring/node-exporter-1"), testEnv(), checks, benchmarks.Options{Level: benchmarks.L1,
		Exemptions: []benchmarks.Exemption{{CheckID: "WKL-001", Namespace: "*", Name: "*", Reason: "accepted"}}})
	if c := rep.Checks[0]; c.Result != benchmarks.Exempted || !strings.Contains(c.Findings[0].Message, "accepted") {
		t.Fatalf("a fully exempted check is Exempted and keeps the reason: %s %+v", c.Result, c.Findings)
	}
	if !rep.Compliant() {
		t.Error("exempted findings do not block the level")
	}
}

func TestAttestationTurnsManualIntoPassUntilItExpires(t *testing.T) {
	manual := benchmarks.Check{ID: "CP-001", Domain: benchmarks.DomainControlPlane, Level: benchmarks.L1, Severity: benchmarks.SeverityHigh,
		Evaluate: func(*benchmarks.Snapshot, *benchmarks.Env) []benchmarks.Finding {
			return []benchmarks.Finding{benchmarks.Manualf("managed control plane: verify HA with the provider")}
		}}
	rep := benchmarks.Evaluate(snapshotWithPods(), testEnv(), []benchmarks.Check{manual}, benchmarks.Options{Level: benchmarks.L1})
	if rep.Checks[0].Result != benchmarks.Manual || rep.Compliant() {
		t.Fatalf("unattested Manual blocks the level: %s", rep.Checks[0].Result)
	}
	att := benchmarks.Attestation{ItemID: "CP-001", Owner: "platform", Evidence: "ticket-42", Expires: now.Add(24 * time.Hour)}
	rep = benchmarks.Evaluate(snapshotWithPods(), testEnv(), []benchmarks.Check{manual}, benchmarks.Options{Level: benchmarks.L1, Attestations: []benchmarks.Attestation{att}})
	if c := rep.Checks[0]; c.Result != benchmarks.Pass || !strings.Contains(c.Message, "Attested by platform") {
		t.Fatalf("attested: %s %q", c.Result, c.Message)
	}
	att.Expires = now.Add(-time.Minute)
	rep = benchmarks.Evaluate(snapshotWithPods(), testEnv(), []benchmarks.Check{manual}, benchmarks.Options{Level: benchmarks.L1, Attestations: []benchmarks.Attestation{att}})
	if rep.Checks[0].Result != benchmarks.Manual || len(rep.ExpiredAttestations) != 1 {
		t.Fatalf("an expired attestation no longer applies and is reported: %s %+v", rep.Checks[0].Result, rep.ExpiredAttestations)
	}
}

func TestLevelDependentChecksAreJudgedAtEachLevel(t *testing.T) {
	strictAtL2 := benchmarks.Check{ID: "WKL-027", Domain: benchmarks.DomainWorkloads, Level: benchmarks.L1, Severity: benchmarks.SeverityMedium, LevelDependent: true,
		Evaluate: func(s *benchmarks.Snapshot, env *benchmarks.Env) []benchmarks.Finding {
			if env.Level >= benchmarks.L2 {
				return []benchmarks.Finding{benchmarks.Failf(benchmarks.ObjectRef{Kind: "Namespace", Name: "shop"}, "enforce is baseline, want restricted")}
			}
			return nil
		}}
	rep := benchmarks.Evaluate(snapshotWithPods(), testEnv(), []benchmarks.Check{strictAtL2}, benchmarks.Options{Level: benchmarks.L3})
	if rep.Checks[0].Result != benchmarks.Fail || rep.Achieved != benchmarks.L1 {
		t.Fatalf("fails at the target, passes at L1: result %s achieved %v", rep.Checks[0].Result, rep.Achieved)
	}
}

func TestSelectHonoursIncludeExcludeAndDomains(t *testing.T) {
	checks := []benchmarks.Check{passing("RBAC-001", benchmarks.L1), failEveryPod("WKL-001", benchmarks.L1, benchmarks.SeverityLow), failEveryPod("WKL-002", benchmarks.L1, benchmarks.SeverityLow)}
	got := benchmarks.Select(checks, benchmarks.Options{Level: benchmarks.L1, Include: []string{"Workloads"}, Exclude: []string{"WKL-002"}})
	if len(got) != 1 || got[0].ID != "WKL-001" {
		t.Fatalf("selected %v", got)
	}
}

func TestNamespaceSelectorLimitsWorkloads(t *testing.T) {
	s := snapshotWithPods("team-a/web", "team-b/web")
	s.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: map[string]string{"tier": "critical"}}})
	s.Add(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-b"}})
	env := testEnv()
	env.Scope = benchmarks.NewScope(labels.SelectorFromSet(labels.Set{"tier": "critical"}), nil, env.Params.SystemNamespaces)
	got := env.Workloads(s)
	if len(got) != 1 || got[0].Ref.Namespace != "team-a" {
		t.Fatalf("workloads in scope: %+v", got)
	}
}

func TestUnknownCheckIDsAreReported(t *testing.T) {
	checks := []benchmarks.Check{passing("WKL-001", benchmarks.L1), passing("S1.1", benchmarks.L1)}
	opts := benchmarks.Options{
		Level:        benchmarks.L1,
		Include:      []string{"WKL-001", "WKL-999", "Network"},
		Exclude:      []string{"NET-404"},
		Exemptions:   []benchmarks.Exemption{{CheckID: "WKL-001", Reason: "known"}, {CheckID: "SEC-099", Reason: "typo"}},
		Attestations: []benchmarks.Attestation{{ItemID: "S1.1", Expires: now.AddDate(1, 0, 0)}, {ItemID: "S9.9", Expires: now.AddDate(1, 0, 0)}},
	}
	rep := benchmarks.Evaluate(snapshotWithPods(), testEnv(), checks, opts)
	want := []string{"checks.include WKL-999", "checks.exclude NET-404", "exemption of SEC-099", "attestation of S9.9"}
	if strings.Join(rep.UnknownSelectors, "|") != strings.Join(want, "|") {
		t.Fatalf("unknown selectors %q, want %q", rep.UnknownSelectors, want)
	}
}
