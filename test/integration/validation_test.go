package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// profile builds an unstructured SecurityProfile so tests can send values the Go types would
// not allow.
func profile(name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "security.kubeposture.io/v1alpha1",
		"kind":       "SecurityProfile",
		"metadata":   map[string]any{"name": name},
		"spec":       spec,
	}}
	return u
}

func TestInvalidProfilesAreRejectedWithAClearMessage(t *testing.T) {
	exemption := func(extra map[string]any) map[string]any {
		e := map[string]any{"checkID": "WKL-001", "reason": "reviewed"}
		for k, v := range extra {
			e[k] = v
		}
		return e
	}
	cases := []struct {
		name string
		spec map[string]any
		want string
	}{
		{"missing level", map[string]any{}, `spec.level: Required value`},
		{"unknown level", map[string]any{"level": "L4"}, `spec.level: Unsupported value: "L4": supported values: "L1", "L2", "L3"`},
		{"auditInterval below the minimum", map[string]any{"level": "L1", "auditInterval": "10s"},
			"auditInterval must be a duration of at least 30s"},
		{"auditInterval not a duration", map[string]any{"level": "L1", "auditInterval": "weekly"},
			"auditInterval must be a duration of at least 30s"},
		{"exemption without a reason", map[string]any{"level": "L1", "exemptions": []any{map[string]any{"checkID": "WKL-001"}}},
			`spec.exemptions[0].reason: Required value`},
		{"exemption with a blank reason", map[string]any{"level": "L1", "exemptions": []any{exemption(map[string]any{"reason": "  "})}},
			"reason must say why the exemption is accepted"},
		{"malformed check ID in an exemption", map[string]any{"level": "L1", "exemptions": []any{exemption(map[string]any{"checkID": "WKL1"})}},
			"must be a check ID such as WKL-001"},
		{"unknown domain prefix", map[string]any{"level": "L1", "exemptions": []any{exemption(map[string]any{"checkID": "FOO-001"})}},
			"must be a check ID such as WKL-001"},
		{"malformed include", map[string]any{"level": "L1", "checks": map[string]any{"include": []any{"network"}}},
			"must be a check ID such as NET-002, a standard item such as S1.1, or a domain"},
		{"included and excluded", map[string]any{"level": "L1", "checks": map[string]any{"include": []any{"NET-002"}, "exclude": []any{"NET-002"}}},
			"a check or domain cannot be both included and excluded"},
		{"unknown remediation action", map[string]any{"level": "L1", "remediation": map[string]any{"actions": []any{"DeleteEverything"}}},
			`Unsupported value: "DeleteEverything"`},
		{"unknown remediation mode", map[string]any{"level": "L1", "remediation": map[string]any{"mode": "Yes"}},
			`spec.remediation.mode: Unsupported value: "Yes"`},
		{"duplicate exemptions", map[string]any{"level": "L1", "exemptions": []any{
			exemption(map[string]any{"namespace": "apps"}), exemption(map[string]any{"namespace": "apps", "reason": "other words"})}},
			`spec.exemptions[1]: Duplicate value: {"checkID":"WKL-001","name":"*","namespace":"apps"}`},
		{"malformed attestation item", map[string]any{"level": "L1", "attestations": []any{map[string]any{
			"itemID": "item one", "owner": "sec", "evidence": "doc", "expires": "2030-01-01T00:00:00Z"}}},
			"itemID must be a standard item such as S1.1"},
		{"malformed privileged subject", map[string]any{"level": "L1", "parameters": map[string]any{"privilegedSubjects": []any{"alice"}}},
			"each privileged subject must be User:name, Group:name or ServiceAccount:namespace/name"},
		{"negative backup age", map[string]any{"level": "L1", "parameters": map[string]any{"backupMaxAge": "-1h"}},
			"backupMaxAge must be a positive duration"},
		{"external CIDR that is not a CIDR", map[string]any{"level": "L1", "parameters": map[string]any{"externalCIDRs": []any{"10.0.0.0"}}},
			"each external CIDR must be a CIDR such as 10.0.0.0/8"},
		{"relative hostPath allowance", map[string]any{"level": "L1", "parameters": map[string]any{"hostPathAllowlist": []any{map[string]any{"path": "var/log"}}}},
			"path must be an absolute host path such as /var/log"},
		{"backup age in days", map[string]any{"level": "L1", "parameters": map[string]any{"backupMaxAge": "7d"}},
			"backupMaxAge must be a positive duration"},
		{"duration beyond what a duration holds", map[string]any{"level": "L1", "parameters": map[string]any{"backupMaxAge": "9999999999h"}},
			"backupMaxAge must be a positive duration"},
		{"audit interval beyond what a duration holds", map[string]any{"level": "L1", "auditInterval": "9999999999h"},
			"auditInterval must be a duration of at least 30s"},
		{"trusted registry that trusts every registry", map[string]any{"level": "L1", "parameters": map[string]any{"trustedRegistries": []any{"*"}}},
			"each trusted registry must name a registry"},
		{"empty trusted registry", map[string]any{"level": "L1", "parameters": map[string]any{"trustedRegistries": []any{""}}},
			"each trusted registry must name a registry"},
		{"label key that is not a label key", map[string]any{"level": "L1", "parameters": map[string]any{"labels": map[string]any{"owner": "team owner"}}},
			"owner must be a label key such as example.com/owner"},
		{"label key with an empty name", map[string]any{"level": "L1", "parameters": map[string]any{"labels": map[string]any{"classification": "example.com/"}}},
			"classification must be a label key such as example.com/data-classification"},
	}
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := profile("invalid-"+strings.ReplaceAll(strings.ToLower(tc.name), " ", "-"), tc.spec)
			err := k8sClient.Create(ctx, obj)
			if err == nil {
				_ = k8sClient.Delete(ctx, obj)
				t.Fatalf("case %d: the API server accepted an invalid profile; want an error containing %q", i, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "conversion error") {
				t.Fatalf("error does not say %q:\n%v", tc.want, err)
			}
		})
	}
}

func TestDefaultsAreApplied(t *testing.T) {
	ctx := context.Background()
	p := &securityv1alpha1.SecurityProfile{}
	p.Name = "defaults"
	p.Spec.Level = securityv1alpha1.LevelL1
	if err := k8sClient.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, p) })
	got := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
		t.Fatal(err)
	}
	if got.Spec.AuditInterval == nil || got.Spec.AuditInterval.Duration != 10*time.Minute {
		t.Errorf("auditInterval = %v, want 10m", got.Spec.AuditInterval)
	}
	if got.Spec.Remediation.Mode != securityv1alpha1.RemediationDisabled {
		t.Errorf("remediation.mode = %q, want Disabled", got.Spec.Remediation.Mode)
	}
	if d := got.Spec.Parameters.BackupMaxAge; d == nil || d.Duration != 7*24*time.Hour {
		t.Errorf("parameters.backupMaxAge = %v, want 168h (weekly, S11.1)", d)
	}
	if ns := got.Spec.Parameters.SystemNamespaces; len(ns) != 3 || ns[0] != "kube-system" {
		t.Errorf("parameters.systemNamespaces = %v, want the three kube-* namespaces", ns)
	}
	if got.Spec.Parameters.Labels.Classification != "kubeposture.io/data-classification" {
		t.Errorf("parameters.labels.classification = %q", got.Spec.Parameters.Labels.Classification)
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "samples", "security_v1alpha1_securityprofile_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	levels := map[securityv1alpha1.Level]bool{}
	ctx := context.Background()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := &securityv1alpha1.SecurityProfile{}
		if err := yaml.UnmarshalStrict(data, p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := k8sClient.Create(ctx, p); err != nil {
			t.Fatalf("%s rejected: %v", filepath.Base(f), err)
		}
		levels[p.Spec.Level] = true
		_ = k8sClient.Delete(ctx, p)
	}
	for _, l := range []securityv1alpha1.Level{securityv1alpha1.LevelL1, securityv1alpha1.LevelL2, securityv1alpha1.LevelL3} {
		if !levels[l] {
			t.Errorf("config/samples has no %s profile", l)
		}
	}
}
