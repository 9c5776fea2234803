package integration

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/options"
)

// TestDomainParameterDefaultsAreApplied creates a profile that sets nothing but its level: the
// API server fills in the schema defaults of every domain group, and the stored profile converts
// to exactly the catalog's built-in parameters.
func TestDomainParameterDefaultsAreApplied(t *testing.T) {
	ctx := context.Background()
	p := &securityv1alpha1.SecurityProfile{}
	p.Name = "domain-defaults"
	p.Spec.Level = securityv1alpha1.LevelL2
	if err := k8sClient.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, p) })
	got := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
		t.Fatal(err)
	}
	params := got.Spec.Parameters
	if d := params.Nodes.BenchmarkMaxAge; d == nil || d.Duration != 30*24*time.Hour {
		t.Errorf("parameters.nodes.benchmarkMaxAge = %v, want 720h", d)
	}
	if v := params.Nodes.MaxRequestedPercent; v == nil || *v != 90 {
		t.Errorf("parameters.nodes.maxRequestedPercent = %v, want 90", v)
	}
	if v := params.Images.FixableOnly; v == nil || !*v {
		t.Errorf("parameters.images.fixableOnly = %v, want true", v)
	}
	if params.Backups.EtcdBackupSelector != "app.kubernetes.io/component=etcd-backup" {
		t.Errorf("parameters.backups.etcdBackupSelector = %q", params.Backups.EtcdBackupSelector)
	}
	if params.Logging.LogCollectors != nil {
		t.Errorf("parameters.logging.logCollectors = %v; lists are left absent so they follow the release's built-in list", params.Logging.LogCollectors)
	}
	if conv, want := options.ParamsFor(&params), benchmarks.DefaultParams(); !reflect.DeepEqual(conv, want) {
		t.Errorf("the stored defaults convert to other parameters than the built-in ones:\n got  %+v\n want %+v", conv, want)
	}
}

func TestInvalidDomainParametersAreRejected(t *testing.T) {
	cases := []struct {
		name       string
		parameters map[string]any
		want       string
	}{
		{"percent above 100", map[string]any{"nodes": map[string]any{"maxRequestedPercent": 150}},
			"spec.parameters.nodes.maxRequestedPercent: Invalid value: 150"},
		{"duration that is not one", map[string]any{"images": map[string]any{"scanMaxAge": "two months"}},
			"scanMaxAge must be a positive duration such as 1440h"},
		{"relative host path", map[string]any{"workloads": map[string]any{"sensitiveHostPaths": []any{"etc"}}},
			"spec.parameters.workloads.sensitiveHostPaths[0]"},
		{"sensitive permission without resources", map[string]any{"rbac": map[string]any{"sensitivePermissions": []any{map[string]any{"name": "x"}}}},
			"spec.parameters.rbac.sensitivePermissions[0].resources: Required value"},
		{"malformed minimum version", map[string]any{"controlPlane": map[string]any{"minimumVersion": "latest"}},
			"spec.parameters.controlPlane.minimumVersion"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := profile("bad-parameters-"+string(rune('a'+i)), map[string]any{"level": "L1", "parameters": tc.parameters})
			err := k8sClient.Create(context.Background(), u)
			if err == nil {
				_ = k8sClient.Delete(context.Background(), u)
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error does not say %q:\n%v", tc.want, err)
			}
		})
	}
}
