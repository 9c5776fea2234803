package integration

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

func TestInvalidPreventionIsRejectedWithAClearMessage(t *testing.T) {
	cases := []struct {
		name       string
		prevention map[string]any
		want       string
	}{
		{"unknown mode", map[string]any{"mode": "Block"},
			`spec.prevention.mode: Unsupported value: "Block": supported values: "Disabled", "Warn", "Audit", "Deny"`},
		{"unknown rollout", map[string]any{"mode": "Deny", "rollout": "Canary"},
			`spec.prevention.rollout: Unsupported value: "Canary": supported values: "Staged", "Immediate"`},
		{"malformed check", map[string]any{"mode": "Warn", "checks": []any{"wkl-1"}},
			"must be a check ID such as NET-002"},
		{"check without an admission policy domain", map[string]any{"mode": "Warn", "checks": []any{"NET-002"}},
			"prevention.checks may name only workload and image checks"},
		{"domain without admission policies", map[string]any{"mode": "Warn", "checks": []any{"Nodes"}},
			"prevention.checks may name only workload and image checks"},
		{"checks while disabled", map[string]any{"checks": []any{"WKL-001"}},
			"prevention.checks has no effect while prevention.mode is Disabled"},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := profile("invalid-prevention-"+strings.ReplaceAll(tc.name, " ", "-"),
				map[string]any{"level": "L1", "prevention": tc.prevention})
			err := k8sClient.Create(ctx, obj)
			if err == nil {
				_ = k8sClient.Delete(ctx, obj)
				t.Fatalf("the API server accepted an invalid prevention; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

func TestPreventionDefaultsToDisabledAndStaged(t *testing.T) {
	ctx := context.Background()
	p := &securityv1alpha1.SecurityProfile{}
	p.Name = "prevention-defaults"
	p.Spec.Level = securityv1alpha1.LevelL2
	if err := k8sClient.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, p) })
	got := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.Prevention.Mode != securityv1alpha1.PreventionDisabled {
		t.Errorf("prevention.mode = %q, want Disabled", got.Spec.Prevention.Mode)
	}
	if got.Spec.Prevention.Rollout != securityv1alpha1.RolloutStaged {
		t.Errorf("prevention.rollout = %q, want Staged", got.Spec.Prevention.Rollout)
	}

	valid := profile("prevention-valid", map[string]any{"level": "L2", "prevention": map[string]any{
		"mode": "Deny", "rollout": "Immediate", "checks": []any{"WKL-001", "Images"}}})
	if err := k8sClient.Create(ctx, valid); err != nil {
		t.Fatalf("a valid prevention was rejected: %v", err)
	}
	_ = k8sClient.Delete(ctx, valid)
}
