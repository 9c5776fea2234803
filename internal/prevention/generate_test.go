package prevention

import (
	"strings"
	"testing"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func input(level benchmarks.Level) Input {
	p := benchmarks.DefaultParams()
	p.TrustedRegistries = []string{"registry.example.com"}
	return Input{Profile: "prod", Options: benchmarks.Options{Level: level}, Params: p,
		Mode: securityv1alpha1.PreventionDeny, ParamsNamespace: "kubeposture-system"}
}

func TestGenerateFollowsTheProfileLevel(t *testing.T) {
	for _, level := range []benchmarks.Level{benchmarks.L1, benchmarks.L2, benchmarks.L3} {
		set, err := Generate(input(level))
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Policies) == 0 {
			t.Fatalf("%s: no policy generated", level)
		}
		for _, p := range set.Policies {
			if p.Check.Level > level {
				t.Errorf("%s profile got a policy for %s, an %s check", level, p.Check.ID, p.Check.Level)
			}
			if p.Policy.Labels[LabelLevel] > level.String() {
				t.Errorf("%s profile got the %s form of %s", level, p.Policy.Labels[LabelLevel], p.Check.ID)
			}
		}
	}
}

func TestEveryPolicyCoversPodsAndEveryController(t *testing.T) {
	set, err := Generate(input(benchmarks.L3))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pods", "replicationcontrollers", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs"}
	for _, p := range set.Policies {
		var got []string
		for _, r := range p.Policy.Spec.MatchConstraints.ResourceRules {
			got = append(got, r.Resources...)
		}
		for _, w := range want {
			if !strings.Contains(strings.Join(got, ","), w) {
				t.Errorf("%s does not cover %s (covers %v)", p.Check.ID, w, got)
			}
		}
		for _, v := range p.Policy.Spec.Validations {
			if !strings.HasPrefix(v.Message, p.Check.ID+" ") || !strings.Contains(v.Message, DocsURL+"#"+strings.ToLower(p.Check.ID)) {
				t.Errorf("%s: message %q does not name the check and link its docs", p.Check.ID, v.Message)
			}
		}
		if p.Binding.Spec.PolicyName != p.Policy.Name {
			t.Errorf("%s: binding names policy %q", p.Check.ID, p.Binding.Spec.PolicyName)
		}
	}
}

func TestParametersReachPoliciesThroughParams(t *testing.T) {
	set, err := Generate(input(benchmarks.L2))
	if err != nil {
		t.Fatal(err)
	}
	if set.Params == nil || set.Params.Data["trustedRegistries"] != `^registry\.example\.com/.+$` {
		t.Fatalf("params ConfigMap = %+v", set.Params)
	}
	for _, p := range set.Policies {
		if p.Check.ID != "IMG-003" {
			continue
		}
		if p.Policy.Spec.ParamKind == nil || p.Policy.Spec.ParamKind.Kind != "ConfigMap" {
			t.Fatalf("IMG-003 has paramKind %+v", p.Policy.Spec.ParamKind)
		}
		if ref := p.Binding.Spec.ParamRef; ref == nil || ref.Name != set.Params.Name || ref.Namespace != "kubeposture-system" {
			t.Fatalf("IMG-003 binding paramRef = %+v", ref)
		}
		for _, v := range p.Policy.Spec.Validations {
			if strings.Contains(v.Expression, "registry.example.com") {
				t.Fatalf("the registry is written into the expression: %s", v.Expression)
			}
		}
		return
	}
	t.Fatal("no IMG-003 policy at L2")
}

func TestExemptionsBecomeMatchConditions(t *testing.T) {
	in := input(benchmarks.L1)
	in.Options.Exemptions = []benchmarks.Exemption{{CheckID: "WKL-001", Namespace: "monitoring", Name: "node-exporter-*", Reason: "needs host access"}}
	set, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range set.Policies {
		if p.Check.ID != "WKL-001" {
			continue
		}
		if got := p.Policy.Annotations[AnnotationExemptions]; got != "monitoring/node-exporter-*: needs host access" {
			t.Errorf("exemption annotation = %q", got)
		}
		var found bool
		for _, c := range p.Policy.Spec.MatchConditions {
			found = found || (c.Name == "not-exempted" && strings.Contains(c.Expression, `'^node-exporter-.*$'`))
		}
		if !found {
			t.Errorf("no exemption match condition: %+v", p.Policy.Spec.MatchConditions)
		}
		return
	}
	t.Fatal("no WKL-001 policy")
}

func TestPreventionChecksSelectPolicies(t *testing.T) {
	in := input(benchmarks.L2)
	in.Checks = []string{"WKL-001", "Images", "WKL-017"}
	set, err := Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range set.Policies {
		ids = append(ids, p.Check.ID)
	}
	if strings.Join(ids, ",") != "IMG-001,IMG-003,WKL-001" {
		t.Errorf("policies = %v, want IMG-001, IMG-003 and WKL-001", ids)
	}
	if strings.Join(set.Unsupported, ",") != "WKL-017" {
		t.Errorf("unsupported = %v, want WKL-017", set.Unsupported)
	}
}
