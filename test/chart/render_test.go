package chart

import (
	"context"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type unstructuredNamespace struct{ unstructured.Unstructured }

func isAlreadyExists(err error) bool { return apierrors.IsAlreadyExists(err) }

// toggle is a set of values and what its rendering must show.
type toggle struct {
	name   string
	values map[string]any
	check  func(t *testing.T, objs []rendered)
}

func names(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.GetName())
	}
	return out
}

func managerArgs(t *testing.T, objs []rendered) []string {
	t.Helper()
	deps := find(objs, "Deployment")
	if len(deps) != 1 {
		t.Fatalf("want one Deployment, got %v", names(deps))
	}
	cs, _, _ := unstructured.NestedSlice(deps[0].Object, "spec", "template", "spec", "containers")
	args, _, _ := unstructured.NestedStringSlice(cs[0].(map[string]any), "args")
	return args
}

func hasName(objs []rendered, kind, name string) bool {
	return slices.Contains(names(find(objs, kind)), name)
}

var allRemediation = map[string]any{"remediation": map[string]any{"serviceAccounts": true, "pods": true, "bootstrapTokens": true}}

var toggles = []toggle{
	{name: "default", check: func(t *testing.T, objs []rendered) {
		for _, want := range []struct{ kind, name string }{
			{"CustomResourceDefinition", "securityprofiles.security.kubeposture.io"},
			{"Namespace", releaseNamespace},
			{"ClusterRole", "kubeposture-audit"},
			{"ClusterRole", "kubeposture-remediation"},
			{"ClusterRole", "kubeposture-secrets-reader"},
			{"Role", "kubeposture-leader-election"},
			{"Role", "kubeposture-events"},
			{"SecurityProfile", "kubeposture"},
			{"NetworkPolicy", "kubeposture-default-deny"},
			{"LimitRange", "kubeposture-limits"},
		} {
			if !hasName(objs, want.kind, want.name) {
				t.Errorf("no %s %s in the default rendering", want.kind, want.name)
			}
		}
		for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "ConfigMap"} {
			if len(find(objs, kind)) != 0 {
				t.Errorf("the default rendering has a %s", kind)
			}
		}
		if hasName(objs, "ClusterRole", "kubeposture-node-proxy") {
			t.Error("the default rendering grants nodes/proxy")
		}
		crd := find(objs, "CustomResourceDefinition")[0]
		if crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("the CRD's annotations are %v, want helm.sh/resource-policy: keep", crd.GetAnnotations())
		}
	}},
	{name: "audit-only", values: map[string]any{"auditOnly": true}, check: func(t *testing.T, objs []rendered) {
		for _, cr := range find(objs, "ClusterRole") {
			rules, _, _ := unstructured.NestedSlice(cr.Object, "rules")
			for _, r := range rules {
				for _, v := range r.(map[string]any)["verbs"].([]any) {
					if v == "delete" || (v == "patch" && !strings.Contains(cr.GetName(), "audit")) {
						t.Errorf("audit-only ClusterRole %s grants %v", cr.GetName(), r)
					}
				}
			}
		}
		if hasName(objs, "ClusterRole", "kubeposture-remediation") {
			t.Error("audit-only renders the remediation role")
		}
	}},
	{name: "no-secrets-reader", values: map[string]any{"secretsReader": map[string]any{"enabled": false}}, check: func(t *testing.T, objs []rendered) {
		if hasName(objs, "ClusterRole", "kubeposture-secrets-reader") {
			t.Error("the secrets reader is rendered")
		}
		if !slices.Contains(managerArgs(t, objs), "--read-secrets=false") {
			t.Errorf("the manager's args %v lack --read-secrets=false", managerArgs(t, objs))
		}
	}},
	{name: "node-proxy", values: map[string]any{"nodeProxy": map[string]any{"enabled": true}}, check: func(t *testing.T, objs []rendered) {
		if !hasName(objs, "ClusterRole", "kubeposture-node-proxy") || !hasName(objs, "ClusterRoleBinding", "kubeposture-node-proxy") {
			t.Error("the node-proxy role or binding is missing")
		}
	}},
	{name: "prevention", values: map[string]any{"prevention": map[string]any{"enabled": true}}, check: func(t *testing.T, objs []rendered) {
		if !hasName(objs, "ClusterRole", "kubeposture-prevention") || !hasName(objs, "ClusterRoleBinding", "kubeposture-prevention") {
			t.Error("the prevention role or binding is missing")
		}
		found := false
		for _, r := range find(objs, "Role") {
			if r.GetName() == "kubeposture-prevention-params" && r.GetNamespace() != "kube-system" && r.GetNamespace() != "default" {
				found = true
			}
		}
		if !found {
			t.Error("no prevention params Role in the release namespace")
		}
	}},
	{name: "openreports", values: map[string]any{"openReports": map[string]any{"enabled": true}}, check: func(t *testing.T, objs []rendered) {
		if !hasName(objs, "ClusterRole", "kubeposture-openreports") || !hasName(objs, "ClusterRoleBinding", "kubeposture-openreports") {
			t.Error("the openreports role or binding is missing")
		}
		if !slices.Contains(managerArgs(t, objs), "--openreports") {
			t.Errorf("the manager's args %v lack --openreports", managerArgs(t, objs))
		}
	}},
	{name: "remediation-opt-ins", values: allRemediation, check: func(t *testing.T, objs []rendered) {
		found := false
		for _, r := range find(objs, "Role") {
			if r.GetName() == "kubeposture-remediation-bootstrap-tokens" && r.GetNamespace() == "kube-system" {
				found = true
			}
		}
		if !found {
			t.Error("no bootstrap-token Role in kube-system")
		}
		for _, name := range []string{"kubeposture-remediation-pods", "kubeposture-remediation-serviceaccounts"} {
			if !hasName(objs, "ClusterRole", name) {
				t.Errorf("no ClusterRole %s", name)
			}
		}
	}},
	{name: "audit-only-with-opt-ins", values: map[string]any{"auditOnly": true, "remediation": allRemediation["remediation"]}, check: func(t *testing.T, objs []rendered) {
		for _, r := range append(find(objs, "ClusterRole"), find(objs, "Role")...) {
			if strings.Contains(r.GetName(), "remediation") {
				t.Errorf("audit-only renders %s %s", r.GetKind(), r.GetName())
			}
		}
	}},
	{name: "resources", values: map[string]any{"resources": map[string]any{"limits": map[string]any{"cpu": "2", "memory": "1Gi"}, "requests": map[string]any{"cpu": "200m", "memory": "512Mi"}}},
		check: func(t *testing.T, objs []rendered) {
			cs, _, _ := unstructured.NestedSlice(find(objs, "Deployment")[0].Object, "spec", "template", "spec", "containers")
			mem, _, _ := unstructured.NestedString(cs[0].(map[string]any), "resources", "limits", "memory")
			if mem != "1Gi" {
				t.Errorf("memory limit %q, want 1Gi", mem)
			}
		}},
	{name: "monitoring", values: map[string]any{
		"serviceMonitor":   map[string]any{"enabled": true},
		"prometheusRule":   map[string]any{"enabled": true},
		"grafanaDashboard": map[string]any{"enabled": true},
	}, check: func(t *testing.T, objs []rendered) {
		if len(find(objs, "ServiceMonitor")) != 1 || len(find(objs, "PrometheusRule")) != 1 || len(find(objs, "ConfigMap")) != 1 {
			t.Error("want one ServiceMonitor, one PrometheusRule and one dashboard ConfigMap")
		}
		groups, _, _ := unstructured.NestedSlice(find(objs, "PrometheusRule")[0].Object, "spec", "groups")
		if len(groups) == 0 {
			t.Error("the PrometheusRule has no groups")
		}
	}},
	{name: "no-crds-namespace-profile", values: map[string]any{
		"crds":      map[string]any{"install": false},
		"namespace": map[string]any{"create": false},
		"profile":   map[string]any{"create": false},
	}, check: func(t *testing.T, objs []rendered) {
		for _, kind := range []string{"CustomResourceDefinition", "Namespace", "SecurityProfile"} {
			if len(find(objs, kind)) != 0 {
				t.Errorf("a %s is rendered", kind)
			}
		}
	}},
	{name: "network", values: map[string]any{
		"metrics":   map[string]any{"scrapeNamespaces": []any{"monitoring"}},
		"apiServer": map[string]any{"cidrs": []any{"10.0.0.1/32"}},
		"image":     map[string]any{"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
	}, check: func(t *testing.T, objs []rendered) {
		cs, _, _ := unstructured.NestedSlice(find(objs, "Deployment")[0].Object, "spec", "template", "spec", "containers")
		if img := cs[0].(map[string]any)["image"]; !strings.HasSuffix(img.(string), "@sha256:0000000000000000000000000000000000000000000000000000000000000000") {
			t.Errorf("image %v is not referenced by digest", img)
		}
		for _, np := range find(objs, "NetworkPolicy") {
			if np.GetName() != "kubeposture-controller-manager" {
				continue
			}
			egress, _, _ := unstructured.NestedSlice(np.Object, "spec", "egress")
			if _, ok := egress[0].(map[string]any)["to"]; !ok {
				t.Error("the API server egress has no destination")
			}
		}
	}},
}

// TestLint runs Helm's linter on the chart with the default values and every toggle.
func TestLint(t *testing.T) {
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			l := lint.All(chartDir(t), tg.values, releaseNamespace, false)
			for _, msg := range l.Messages {
				if msg.Severity >= support.WarningSev {
					t.Errorf("helm lint: %s", msg)
				}
			}
		})
	}
}

// TestRenderAndApply renders the chart for the default values and each toggle, checks what
// each toggle changes, and applies every rendering to the API server with a server-side dry
// run, the way `helm install --dry-run=server` and `kubectl apply --server-side --dry-run=server` do.
func TestRenderAndApply(t *testing.T) {
	ctx := context.Background()
	ensureNamespace(ctx, t, releaseNamespace)
	for _, tg := range toggles {
		t.Run(tg.name, func(t *testing.T) {
			objs := render(t, tg.values)
			tg.check(t, objs)
			for _, o := range objs {
				u := o.Object.DeepCopy()
				err := k8sClient.Patch(ctx, u, client.Apply, client.DryRunAll, client.FieldOwner("helm"), client.ForceOwnership) //nolint:staticcheck // server-side apply of unstructured objects
				if err != nil {
					t.Errorf("%s: %s %s/%s: %v", o.Template, o.Object.GetKind(), o.Object.GetNamespace(), o.Object.GetName(), err)
				}
			}
		})
	}
}
