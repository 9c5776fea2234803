package prevention_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
	"github.com/kubeposture/kubeposture/internal/prevention"
)

// fixtureOptions is the part of a check fixture's FixtureOptions document the parity test reads
// (see internal/benchmarks/fixtures_test.go).
type fixtureOptions struct {
	Level              string            `json:"level"`
	Now                string            `json:"now"`
	Expect             string            `json:"expect"`
	Params             json.RawMessage   `json:"params"`
	ExcludedNamespaces []string          `json:"excludedNamespaces"`
	NamespaceSelector  map[string]string `json:"namespaceSelector"`
}

// admitted by the API server as they are, so their effect on admission is real: the default
// ServiceAccount's automount setting and a LimitRange's defaults.
var supportKinds = map[string]bool{"ServiceAccount": true, "LimitRange": true}

// divergences are the fixture objects where admission and the audit differ by design, with the
// reason; each is reported when met.
var divergences = map[string]string{
	"WKL-012/pass_limits_and_defaults.yaml Deployment storefront": "a LimitRange's defaults reach pods at admission, " +
		"not pod templates, so the policy requires a template to set its resources",
}

// fixtureCount makes each fixture's policy name unique: a deleted binding takes a moment to
// leave the API server's admission cache.
var fixtureCount int

// TestPolicyVerdictMatchesTheAuditOnTheCheckFixtures applies each check's own pass_ and fail_
// fixtures (internal/benchmarks/testdata/<ID>/) to the API server under that check's policy in
// Deny mode, and compares what admission rejects with what the audit flags, object by object.
func TestPolicyVerdictMatchesTheAuditOnTheCheckFixtures(t *testing.T) {
	checks := map[string]benchmarks.Check{}
	for _, c := range benchmarks.All() {
		checks[c.ID] = c
	}
	for _, id := range prevention.Supported() {
		t.Run(id, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("..", "benchmarks", "testdata", id, "*.yaml"))
			sort.Strings(files)
			if len(files) == 0 {
				t.Fatalf("%s has no fixtures", id)
			}
			for _, path := range files {
				t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
					parity(t, checks[id], path)
				})
			}
		})
	}
}

func parity(t *testing.T, c benchmarks.Check, path string) {
	ctx := context.Background()
	objs, err := manifest.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts := fixtureOptions{}
	snap := &benchmarks.Snapshot{Source: benchmarks.SourceCluster, ServerVersion: "v1.37.2", SecretsRead: true}
	env := benchmarks.Env{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	var items []manifest.Object
	for _, o := range objs {
		if u, ok := o.Object.(*unstructured.Unstructured); ok && u.GroupVersionKind().Group == "fixtures.kubeposture.io" {
			raw, _ := json.Marshal(u.Object)
			if err := json.Unmarshal(raw, &opts); err != nil {
				t.Fatalf("%s:%d: FixtureOptions: %v", o.File, o.Line, err)
			}
			continue
		}
		snap.Add(o.Object)
		items = append(items, o)
	}
	level := c.Level
	if opts.Level != "" {
		if level, err = benchmarks.ParseLevel(opts.Level); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Now != "" {
		if env.Now, err = time.Parse(time.RFC3339, opts.Now); err != nil {
			t.Fatal(err)
		}
	}
	env.Params = benchmarks.DefaultParams()
	if len(opts.Params) > 0 {
		if err := json.Unmarshal(opts.Params, &env.Params); err != nil {
			t.Fatalf("FixtureOptions.params: %v", err)
		}
	}
	var sel labels.Selector
	if len(opts.NamespaceSelector) > 0 {
		sel = labels.SelectorFromSet(opts.NamespaceSelector)
	}
	env.Scope = benchmarks.NewScope(sel, opts.ExcludedNamespaces, env.Params.SystemNamespaces)
	rep := benchmarks.Evaluate(snap, env, []benchmarks.Check{c}, benchmarks.Options{Level: level})
	flagged := map[benchmarks.ObjectRef]bool{}
	for _, f := range rep.Checks[0].Findings {
		if f.Result == benchmarks.Fail || f.Result == benchmarks.Error {
			flagged[f.Object] = true
		}
	}

	// The policy, scoped as the fixture scopes the audit.
	fixtureCount++
	profile := fmt.Sprintf("parity-%d", fixtureCount)
	in := prevention.Input{Profile: profile, Options: benchmarks.Options{Level: level}, Params: env.Params,
		Checks: []string{c.ID}, Mode: securityv1alpha1.PreventionDeny, ParamsNamespace: paramsNamespace,
		ExcludedNamespaces: opts.ExcludedNamespaces, Now: env.Now}
	if len(opts.NamespaceSelector) > 0 {
		in.NamespaceSelector = &metav1.LabelSelector{MatchLabels: opts.NamespaceSelector}
	}
	set, err := prevention.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Policies) != 1 {
		t.Fatalf("%d policies generated for %s at %s, want 1", len(set.Policies), c.ID, level)
	}
	judgesNamespaces, judgesWorkloads := false, false
	for _, r := range set.Policies[0].Policy.Spec.MatchConstraints.ResourceRules {
		judgesNamespaces = judgesNamespaces || strings.Contains(strings.Join(r.Resources, ","), "namespaces")
		judgesWorkloads = judgesWorkloads || strings.Contains(strings.Join(r.Resources, ","), "pods")
	}
	// A finding about the profile itself (such as no trusted registries configured) fails the
	// whole check; admission then rejects every workload the rule judges.
	checkWide := false
	for ref := range flagged {
		checkWide = checkWide || ref.Kind == "SecurityProfile"
	}

	// Namespaces and support objects first, as they are in the cluster the audit read.
	nsLabels := map[string]map[string]string{}
	for _, o := range items {
		m := o.Object.(metav1.Object)
		if o.GVK.Kind == "Namespace" {
			nsLabels[m.GetName()] = m.GetLabels()
		} else if m.GetNamespace() != "" {
			if _, ok := nsLabels[m.GetNamespace()]; !ok {
				nsLabels[m.GetNamespace()] = nil
			}
		}
	}
	for ns, l := range nsLabels {
		if err := ensureNamespace(ctx, ns, l); err != nil {
			t.Fatal(err)
		}
		sa := &corev1.ServiceAccount{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "default"}, sa); err != nil {
			t.Fatal(err)
		}
		sa.AutomountServiceAccountToken = nil
		if err := k8s.Update(ctx, sa); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range items {
		if !supportKinds[o.GVK.Kind] {
			continue
		}
		obj := stripped(o.Object.(client.Object))
		if err := k8s.Create(ctx, obj); apierrors.IsAlreadyExists(err) {
			cur := obj.DeepCopyObject().(client.Object)
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
				t.Fatal(err)
			}
			obj.SetResourceVersion(cur.GetResourceVersion())
			err = k8s.Update(ctx, obj)
			if err != nil {
				t.Fatalf("%s:%d: %v", o.File, o.Line, err)
			}
		} else if err != nil {
			t.Fatalf("%s:%d: %v", o.File, o.Line, err)
		}
		if o.GVK.Kind != "ServiceAccount" {
			t.Cleanup(func() { _ = k8s.Delete(ctx, obj) })
		}
	}
	install(t, set)
	waitEnforced(t, c.ID, in, !judgesWorkloads)

	// Each workload (and, for a rule that judges them, each namespace) against admission.
	byName := map[string]manifest.Object{}
	for _, o := range items {
		m := o.Object.(metav1.Object)
		byName[o.GVK.Kind+"/"+m.GetNamespace()+"/"+m.GetName()] = o
	}
	judged, rejected := 0, 0
	for _, o := range items {
		kind := o.GVK.Kind
		if !isControlled(kind) && !(kind == "Namespace" && judgesNamespaces) {
			continue
		}
		judged++
		m := o.Object.(client.Object)
		want := flagged[rootOf(o, byName)] || flagged[benchmarks.ObjectRef{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()}]
		// The admission caches (namespaces, params) may lag the objects just written.
		v := eventually(func() verdict { return admit(t, o) }, func(v verdict) bool { return (v.denied != "") == want })
		if apierrors.IsInvalid(v.err) {
			// The object cannot exist in a cluster at all, whatever admission policies say.
			t.Logf("%s:%d: the API server refuses %s %s as invalid (audit flags it: %t): %v", o.File, o.Line, kind, m.GetName(), want, v.err)
			rejected++
			continue
		}
		if v.err != nil {
			t.Errorf("%s:%d: %s %s: the API server refused it for another reason: %v", o.File, o.Line, kind, m.GetName(), v.err)
			continue
		}
		if v.denied != "" {
			rejected++
		}
		key := c.ID + "/" + filepath.Base(path) + " " + kind + " " + m.GetName()
		if reason, ok := divergences[key]; ok {
			t.Logf("%s: audit flags it: %t, admission rejects it: %t; by design: %s", key, want, v.denied != "", reason)
			continue
		}
		switch {
		case checkWide && v.denied != "":
		case want && v.denied == "":
			t.Errorf("%s:%d: the audit flags %s %s but admission admits it", o.File, o.Line, kind, m.GetName())
		case !want && v.denied != "":
			t.Errorf("%s:%d: the audit passes %s %s but admission rejects it: %s", o.File, o.Line, kind, m.GetName(), v.denied)
		}
	}
	auditFails := rep.Checks[0].Result == benchmarks.Fail || rep.Checks[0].Result == benchmarks.Error
	if checkWide && judged > 0 && rejected == 0 {
		t.Errorf("the audit fails the whole check but admission admits every object")
	}
	if auditFails && rejected == 0 {
		var outside []string
		for ref := range flagged {
			outside = append(outside, ref.String())
		}
		sort.Strings(outside)
		t.Logf("the audit fails on %s, which admission does not judge; %d objects judged", strings.Join(outside, ", "), judged)
	}
}

// waitEnforced waits until the new binding is enforced: a pod breaking the rule in an in-scope
// probe namespace is rejected.
func waitEnforced(t *testing.T, id string, in prevention.Input, namespacesOnly bool) {
	t.Helper()
	ctx := context.Background()
	probeLabels := map[string]string{"kubeposture.io/data-classification": "internal",
		"kubeposture.io/owner": "platform", "kubeposture.io/exposure": "internal"}
	if in.NamespaceSelector != nil {
		for k, v := range in.NamespaceSelector.MatchLabels {
			probeLabels[k] = v
		}
	}
	if err := ensureNamespace(ctx, "parity-probe", probeLabels); err != nil {
		t.Fatal(err)
	}
	spec, podLabels := compliantSpec(), map[string]string{}
	violations[id](&spec, podLabels)
	if id == "IMG-003" && len(in.Params.TrustedRegistries) > 0 {
		spec.Containers[0].Image = "untrusted.invalid/app:1.0" + digest
	}
	var probe client.Object = workloads("parity-probe", "probe", spec, podLabels)[1] // a Deployment
	if namespacesOnly {
		probe = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "parity-probe-new", Labels: selectorLabels(in)}}
	}
	// Until the params reach the admission cache, the binding denies for want of params.
	if v := eventually(func() verdict { return tryCreate(probe) }, func(v verdict) bool { return strings.Contains(v.denied, id+" ") }); !strings.Contains(v.denied, id+" ") {
		t.Fatalf("the %s policy is not enforced after 30s: the probe Deployment got %s", id, v)
	}
}

func isControlled(kind string) bool {
	for _, k := range prevention.ControlledKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// rootOf follows controller ownerReferences through the fixture to the object the audit reports
// findings about.
func rootOf(o manifest.Object, byName map[string]manifest.Object) benchmarks.ObjectRef {
	for range 4 {
		m := o.Object.(metav1.Object)
		owner := metav1.GetControllerOf(m)
		if owner == nil {
			break
		}
		next, ok := byName[owner.Kind+"/"+m.GetNamespace()+"/"+owner.Name]
		if !ok {
			break
		}
		o = next
	}
	m := o.Object.(metav1.Object)
	return benchmarks.ObjectRef{Kind: o.GVK.Kind, Namespace: m.GetNamespace(), Name: m.GetName()}
}

// stripped is a copy of a fixture object the API server accepts on create.
func stripped(obj client.Object) client.Object {
	c := obj.DeepCopyObject().(client.Object)
	c.SetUID("")
	c.SetResourceVersion("")
	c.SetCreationTimestamp(metav1.Time{})
	return c
}

// admit sends a fixture object through admission with a dry run. A pod's ephemeral containers
// cannot be set on create: the pod is created without them and they are then added through the
// ephemeralcontainers subresource, as kubectl debug does. A namespace, which exists already, is
// judged as an update.
func admit(t *testing.T, o manifest.Object) verdict {
	ctx := context.Background()
	obj := stripped(o.Object.(client.Object))
	switch x := obj.(type) {
	case *corev1.Namespace:
		cur := &corev1.Namespace{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(x), cur); err != nil {
			return verdict{err: err}
		}
		cur.Labels = x.Labels
		return tryUpdate(cur)
	case *corev1.Pod:
		if len(x.Spec.EphemeralContainers) == 0 {
			break
		}
		ephemeral := x.Spec.EphemeralContainers
		x.Spec.EphemeralContainers = nil
		x.OwnerReferences = nil
		if v := tryCreateReal(x); v.denied != "" || v.err != nil {
			return v
		}
		defer func() { _ = k8s.Delete(ctx, x, client.GracePeriodSeconds(0)) }()
		x.Spec.EphemeralContainers = ephemeral
		wl := &warningList{}
		err := k8s.SubResource("ephemeralcontainers").Update(context.WithValue(ctx, warningsKey{}, wl), x, client.DryRunAll)
		return classify(err, wl)
	}
	return tryCreate(obj)
}

func tryCreateReal(obj client.Object) verdict {
	wl := &warningList{}
	err := k8s.Create(context.WithValue(context.Background(), warningsKey{}, wl), obj)
	return classify(err, wl)
}

func tryUpdate(obj client.Object) verdict {
	wl := &warningList{}
	err := k8s.Update(context.WithValue(context.Background(), warningsKey{}, wl), obj, client.DryRunAll)
	return classify(err, wl)
}

func classify(err error, wl *warningList) verdict {
	v := verdict{warnings: wl.texts}
	if err != nil {
		if strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
			v.denied = err.Error()
		} else {
			v.err = err
		}
	}
	return v
}

func selectorLabels(in prevention.Input) map[string]string {
	if in.NamespaceSelector == nil {
		return nil
	}
	return in.NamespaceSelector.MatchLabels
}
