package chart

import (
	"context"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/manifest"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// normalized sorts a role's rules and their lists so that equal permissions compare equal.
func normalized(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	out := make([]rbacv1.PolicyRule, len(rules))
	for i, r := range rules {
		r = *r.DeepCopy()
		for _, l := range [][]string{r.APIGroups, r.Resources, r.Verbs, r.ResourceNames, r.NonResourceURLs} {
			sort.Strings(l)
		}
		out[i] = r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// roleRules reads the rules of every Role and ClusterRole of the objects by kind and name,
// the release prefix removed.
func roleRules(t *testing.T, objs []runtime.Object) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		switch r := o.(type) {
		case *rbacv1.ClusterRole:
			out["ClusterRole/"+strings.TrimPrefix(r.Name, "kubeposture-")] = normalized(r.Rules)
		case *rbacv1.Role:
			out["Role/"+r.Namespace+"/"+strings.TrimPrefix(r.Name, "kubeposture-")] = normalized(r.Rules)
		}
	}
	return out
}

// TestChartRBACMatchesConfigRBAC keeps the chart's roles equal to the kustomize roles of
// config/rbac and config/components (role.yaml is generated from the operator's RBAC markers):
// with every optional role enabled, the chart grants exactly what they grant, role by role.
func TestChartRBACMatchesConfigRBAC(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"config/rbac/*.yaml", "config/rbac/events/*.yaml", "config/components/*/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if filepath.Base(f) != "kustomization.yaml" {
				files = append(files, f)
			}
		}
	}
	cfg, err := manifest.ReadPaths(files)
	if err != nil {
		t.Fatal(err)
	}
	var cfgObjs []runtime.Object
	for _, o := range cfg {
		cfgObjs = append(cfgObjs, o.Object)
	}
	want := roleRules(t, cfgObjs)
	// The kustomize namespace "system" is the release namespace in the chart.
	for k, v := range want {
		if strings.HasPrefix(k, "Role/system/") {
			delete(want, k)
			want["Role/"+releaseNamespace+"/"+strings.TrimPrefix(k, "Role/system/")] = v
		}
	}

	chartObjs := renderTyped(t, map[string]any{"nodeProxy": map[string]any{"enabled": true}, "prevention": map[string]any{"enabled": true},
		"openReports": map[string]any{"enabled": true}, "remediation": allRemediation["remediation"]})
	got := roleRules(t, chartObjs)
	for k, rules := range want {
		if !reflect.DeepEqual(got[k], rules) {
			t.Errorf("%s: the chart grants\n  %v\nconfig/rbac grants\n  %v\n(run `make chart-files`)", k, got[k], rules)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("the chart has %s, which config/rbac does not", k)
		}
	}
}

// renderTyped renders the chart and decodes it as `kubeposture scan` reads manifests.
func renderTyped(t *testing.T, values map[string]any) []runtime.Object {
	t.Helper()
	objs, err := manifest.Read("chart", joined(render(t, values)))
	if err != nil {
		t.Fatal(err)
	}
	var out []runtime.Object
	for _, o := range objs {
		out = append(out, o.Object)
	}
	return out
}

// applyForReal applies a rendering to the API server (server-side apply, field owner helm).
func applyForReal(ctx context.Context, t *testing.T, objs []rendered) {
	t.Helper()
	for _, o := range objs {
		u := o.Object.DeepCopy()
		if err := k8sClient.Patch(ctx, u, client.Apply, client.FieldOwner("helm"), client.ForceOwnership); err != nil { //nolint:staticcheck // server-side apply of unstructured objects
			t.Fatalf("%s: %s %s: %v", o.Template, u.GetKind(), u.GetName(), err)
		}
	}
}

// guessResource is the resource of an optional kind the API server does not serve here: its
// lower-case plural. A wrong guess makes the test fail, never pass.
func guessResource(gk schema.GroupKind) schema.GroupResource {
	kind := strings.ToLower(gk.Kind)
	switch {
	case strings.HasSuffix(kind, "ss"):
		kind += "es"
	case strings.HasSuffix(kind, "s"): // Rules, ClusterRules, GlobalRules
	case strings.HasSuffix(kind, "y") && !strings.HasSuffix(kind, "ay") && !strings.HasSuffix(kind, "ey"):
		kind = strings.TrimSuffix(kind, "y") + "ies"
	default:
		kind += "s"
	}
	return schema.GroupResource{Group: gk.Group, Resource: kind}
}

// TestOperatorRBACAuditsEveryDomain installs the default rendering's RBAC and, impersonating
// the operator's ServiceAccount, lists every built-in kind the gatherer reads and asks the API
// server whether it may list and watch every optional kind: no request is forbidden.
func TestOperatorRBACAuditsEveryDomain(t *testing.T) {
	ctx := context.Background()
	ensureNamespace(ctx, t, releaseNamespace)
	var rbac []rendered
	for _, o := range render(t, nil) {
		switch o.Object.GetKind() {
		case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			rbac = append(rbac, o)
		}
	}
	applyForReal(ctx, t, rbac)

	sa := "system:serviceaccount:" + releaseNamespace + ":kubeposture-controller-manager"
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: sa, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + releaseNamespace, "system:authenticated"}}
	asOperator, err := client.New(cfg, client.Options{Scheme: envtest.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := k8sClient.RESTMapper()

	// A kind the operator never reads is forbidden: the impersonation and RBAC are in force.
	ssar := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "delete", Resource: "deployments", Group: "apps"}}}
	res, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, ssar, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status.Allowed {
		t.Fatal("the operator may delete Deployments: impersonation is not in force")
	}

	for _, obj := range gather.AuditedKinds(true) {
		gvk, err := apiutil.GVKForObject(obj, envtest.Scheme)
		if err != nil {
			t.Fatal(err)
		}
		list, err := envtest.Scheme.New(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err != nil {
			t.Fatal(err)
		}
		if err := asOperator.List(ctx, list.(client.ObjectList), client.Limit(1)); err != nil {
			t.Errorf("listing %s as the operator: %v", gvk.Kind, err)
		}
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatal(err)
		}
		for _, verb := range []string{"list", "watch"} {
			if !allowed(ctx, t, cs, verb, m.Resource.GroupResource()) {
				t.Errorf("the operator may not %s %s", verb, m.Resource.GroupResource())
			}
		}
	}
	for _, gk := range gather.OptionalKinds() {
		gr := guessResource(gk)
		for _, verb := range []string{"list", "watch"} {
			if !allowed(ctx, t, cs, verb, gr) {
				t.Errorf("the operator may not %s %s (optional kind %s)", verb, gr, gk)
			}
		}
	}
	// The SecurityProfile API and its status.
	for _, ra := range []struct {
		verb string
		gr   schema.GroupResource
		sub  string
	}{{"list", schema.GroupResource{Group: "security.kubeposture.io", Resource: "securityprofiles"}, ""},
		{"watch", schema.GroupResource{Group: "security.kubeposture.io", Resource: "securityprofiles"}, ""},
		{"patch", schema.GroupResource{Group: "security.kubeposture.io", Resource: "securityprofiles"}, "status"}} {
		r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: ra.verb, Group: ra.gr.Group, Resource: ra.gr.Resource, Subresource: ra.sub}}}
		res, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Status.Allowed {
			t.Errorf("the operator may not %s %s/%s", ra.verb, ra.gr, ra.sub)
		}
	}
}

// allowed asks the API server, as the impersonated operator, whether it may verb the resource
// in every namespace.
func allowed(ctx context.Context, t *testing.T, cs kubernetes.Interface, verb string, gr schema.GroupResource) bool {
	t.Helper()
	r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: gr.Group, Resource: gr.Resource}}}
	res, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Status.Allowed
}
