package controllers_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/prevention"
)

type warningTexts struct {
	mu    sync.Mutex
	texts []string
}

func (w *warningTexts) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	w.texts = append(w.texts, text)
	w.mu.Unlock()
}

func (w *warningTexts) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.texts
	w.texts = nil
	return out
}

func privilegedPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:1.0",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}},
	}}
}

func preventionEntry(p *securityv1alpha1.SecurityProfile, id string) *securityv1alpha1.PreventionCheckStatus {
	if p.Status.Prevention == nil {
		return nil
	}
	for i := range p.Status.Prevention.Checks {
		if p.Status.Prevention.Checks[i].ID == id {
			return &p.Status.Prevention.Checks[i]
		}
	}
	return nil
}

// TestStagedPreventionHoldsDenyUntilTheViolationIsFixed: with a privileged Deployment in scope,
// a Deny profile's WKL-001 policy is held at Audit (warning) and the status names the Deployment;
// once it is deleted the operator applies Deny and a privileged pod is rejected; deleting the
// profile removes every generated object.
func TestStagedPreventionHoldsDenyUntilTheViolationIsFixed(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: controllers.DefaultPreventionNamespace}},
		{ObjectMeta: metav1.ObjectMeta{Name: "prevent-app", Labels: map[string]string{"prevent-test": "staged"}}},
	} {
		if err := k8sClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "prevent-app"}}
	if err := k8sClient.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	legacy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "prevent-app"}, Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "legacy"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "legacy"}},
			Spec: privilegedPod("", "").Spec},
	}}
	if err := k8sClient.Create(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, legacy) })

	p := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "staged-prevention"}, Spec: securityv1alpha1.SecurityProfileSpec{
		Level:             securityv1alpha1.LevelL1,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"prevent-test": "staged"}},
		Prevention: securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionDeny, Rollout: securityv1alpha1.RolloutStaged,
			Checks: []securityv1alpha1.CheckSelector{"WKL-001", "WKL-013"}},
	}}
	createProfile(t, p)

	got := waitFor(t, p.Name, 30*time.Second, "WKL-001 held at Audit naming the Deployment", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-001")
		return e != nil && e.State == securityv1alpha1.PreventionStateAudit && len(e.Violating) == 1 &&
			e.Violating[0].Name == "legacy" && strings.Contains(e.Message, "Deployment prevent-app/legacy")
	})
	if e := preventionEntry(got, "WKL-013"); e == nil || e.State != securityv1alpha1.PreventionStateDeny {
		t.Errorf("WKL-013, which nothing violates, = %+v; want Deny at once", e)
	}
	if got.Status.Prevention.Held != 1 || got.Status.Prevention.Policies != 2 {
		t.Errorf("prevention status = %+v; want 2 policies, 1 held", got.Status.Prevention)
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	name := prevention.PolicyName(p.Name, "WKL-001")
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, binding); err != nil {
		t.Fatal(err)
	}
	if prevention.ModeOf(binding) != securityv1alpha1.PreventionAudit {
		t.Errorf("held binding has actions %v; want Warn and Audit", binding.Spec.ValidationActions)
	}
	if !metricHas(t, p.Name, "WKL-001", "Audit", "true") {
		t.Error("kubeposture_prevention_policy_state does not report WKL-001 held at Audit")
	}

	warnings := &warningTexts{}
	wcfg := rest.CopyConfig(restConfig)
	wcfg.WarningHandlerWithContext = warnings
	wc, err := client.New(wcfg, client.Options{Scheme: k8sClient.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	admitted := func() (error, []string) {
		err := wc.Create(ctx, privilegedPod("prevent-app", "probe"), client.DryRunAll)
		return err, warnings.take()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err, ws := admitted()
		if err == nil && strings.Contains(strings.Join(ws, "\n"), "WKL-001 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while held, a privileged pod got err=%v warnings=%v; want admitted with a WKL-001 warning", err, ws)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if err := k8sClient.Delete(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	got = waitFor(t, p.Name, 30*time.Second, "WKL-001 at Deny once the Deployment is gone", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-001")
		return e != nil && e.State == securityv1alpha1.PreventionStateDeny && len(e.Violating) == 0
	})
	if got.Status.Prevention.Held != 0 || got.Status.Prevention.Deny != 2 {
		t.Errorf("prevention status = %+v; want both checks at Deny", got.Status.Prevention)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		err, _ := admitted()
		if err != nil && strings.Contains(err.Error(), "WKL-001 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Deny, a privileged pod got err=%v; want it rejected by WKL-001", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A generated binding edited by hand is reverted at the next audit.
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, binding); err != nil {
		t.Fatal(err)
	}
	binding.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
	if err := k8sClient.Update(ctx, binding, client.FieldOwner("someone")); err != nil {
		t.Fatal(err)
	}
	// A new (compliant) Deployment triggers the next audit.
	bump := legacy.DeepCopy()
	bump.ObjectMeta = metav1.ObjectMeta{Name: "trigger-audit", Namespace: "prevent-app"}
	bump.Spec.Template.Spec.Containers[0].SecurityContext = nil
	if err := k8sClient.Create(ctx, bump); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, bump) })
	deadline = time.Now().Add(30 * time.Second)
	for {
		if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, binding); err == nil && prevention.ModeOf(binding) == securityv1alpha1.PreventionDeny {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hand-edited binding was not reverted to Deny: %v", binding.Spec.ValidationActions)
		}
		time.Sleep(200 * time.Millisecond)
	}

	if err := k8sClient.Delete(ctx, p); err != nil {
		t.Fatal(err)
	}
	sel := client.MatchingLabels{prevention.LabelProfile: p.Name}
	deadline = time.Now().Add(30 * time.Second)
	for {
		var pols admissionregistrationv1.ValidatingAdmissionPolicyList
		var bindings admissionregistrationv1.ValidatingAdmissionPolicyBindingList
		var cms corev1.ConfigMapList
		_ = k8sClient.List(ctx, &pols, sel)
		_ = k8sClient.List(ctx, &bindings, sel)
		_ = k8sClient.List(ctx, &cms, sel)
		gone := apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKeyFromObject(p), &securityv1alpha1.SecurityProfile{}))
		if gone && len(pols.Items)+len(bindings.Items)+len(cms.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after deleting the profile: profile gone=%t, %d policies, %d bindings, %d ConfigMaps remain",
				gone, len(pols.Items), len(bindings.Items), len(cms.Items))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func metricHas(t *testing.T, profile, check, state, held string) bool {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "kubeposture_prevention_policy_state" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["profile"] == profile && l["check"] == check && l["state"] == state && l["held"] == held && m.GetGauge().GetValue() == 1 {
				return true
			}
		}
	}
	return false
}

// TestDenyMovesBackWhenTheAuditFailsAgain: a staged WKL-001 policy at Deny goes back to Audit
// (warnings only) when a namespace holding a privileged pod comes into the profile's scope, the
// status names the pod, an Event says why, and a privileged pod is then admitted with a warning.
func TestDenyMovesBackWhenTheAuditFailsAgain(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: controllers.DefaultPreventionNamespace}},
		{ObjectMeta: metav1.ObjectMeta{Name: "back-app", Labels: map[string]string{"prevent-test": "back"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "back-legacy"}},
	} {
		if err := k8sClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	// Out of the profile's scope, so no policy judges it.
	legacy := privilegedPod("back-legacy", "old-agent")
	if err := k8sClient.Create(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, legacy) })

	p := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "deny-moves-back"}, Spec: securityv1alpha1.SecurityProfileSpec{
		Level:             securityv1alpha1.LevelL1,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"prevent-test": "back"}},
		Prevention: securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionDeny, Rollout: securityv1alpha1.RolloutStaged,
			Checks: []securityv1alpha1.CheckSelector{"WKL-001"}},
	}}
	createProfile(t, p)
	waitFor(t, p.Name, 30*time.Second, "WKL-001 at Deny with nothing in scope violating it", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-001")
		return e != nil && e.State == securityv1alpha1.PreventionStateDeny
	})

	// The legacy namespace joins the scope: its privileged pod fails the audit again.
	ns := &corev1.Namespace{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: "back-legacy"}, ns); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(ns.DeepCopy())
	ns.Labels["prevent-test"] = "back"
	if err := k8sClient.Patch(ctx, ns, patch); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, p.Name, 30*time.Second, "WKL-001 back at Audit naming the pod", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-001")
		return e != nil && e.State == securityv1alpha1.PreventionStateAudit && len(e.Violating) == 1 && e.Violating[0].Name == "old-agent"
	})
	if e := preventionEntry(got, "WKL-001"); !strings.Contains(e.Message, "Pod back-legacy/old-agent") || got.Status.Prevention.Held != 1 {
		t.Errorf("WKL-001 = %+v, held %d; want held, naming Pod back-legacy/old-agent", e, got.Status.Prevention.Held)
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: prevention.PolicyName(p.Name, "WKL-001")}, binding); err != nil {
		t.Fatal(err)
	}
	if prevention.ModeOf(binding) != securityv1alpha1.PreventionAudit {
		t.Errorf("binding actions %v after the audit failed again; want Warn and Audit", binding.Spec.ValidationActions)
	}
	if !metricHas(t, p.Name, "WKL-001", "Audit", "true") {
		t.Error("kubeposture_prevention_policy_state does not report WKL-001 held at Audit")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var events eventsv1.EventList
		if err := k8sClient.List(ctx, &events, client.InNamespace(metav1.NamespaceDefault)); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range events.Items {
			if e.Regarding.Name == p.Name && e.Reason == securityv1alpha1.ReasonPreventionHeld && e.Type == corev1.EventTypeWarning &&
				strings.Contains(e.Note, "WKL-001") && strings.Contains(e.Note, "old-agent") {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no PreventionHeld Warning Event names WKL-001 and the pod")
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Back at Audit, admission warns instead of rejecting.
	warnings := &warningTexts{}
	wcfg := rest.CopyConfig(restConfig)
	wcfg.WarningHandlerWithContext = warnings
	wc, err := client.New(wcfg, client.Options{Scheme: k8sClient.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		err := wc.Create(ctx, privilegedPod("back-app", "probe"), client.DryRunAll)
		ws := strings.Join(warnings.take(), "\n")
		if err == nil && strings.Contains(ws, "WKL-001 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("back at Audit, a privileged pod got err=%v warnings=%q; want admitted with a WKL-001 warning", err, ws)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestTypeCheckingReachesTheStatus: the status and the metric report what the API server's
// type checker wrote to a generated policy's status.typeChecking (kube-controller-manager writes
// it in a cluster; here the test writes it as that controller does): unknown before, false with
// the warning while it warns, true once it does not.
func TestTypeCheckingReachesTheStatus(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: controllers.DefaultPreventionNamespace}},
		{ObjectMeta: metav1.ObjectMeta{Name: "typecheck-app", Labels: map[string]string{"prevent-test": "typecheck"}}},
	} {
		if err := k8sClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	p := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "typecheck"}, Spec: securityv1alpha1.SecurityProfileSpec{
		Level:             securityv1alpha1.LevelL1,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"prevent-test": "typecheck"}},
		Prevention: securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionWarn,
			Checks: []securityv1alpha1.CheckSelector{"WKL-013"}},
	}}
	createProfile(t, p)
	got := waitFor(t, p.Name, 30*time.Second, "the WKL-013 policy applied", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-013")
		return e != nil && e.State == securityv1alpha1.PreventionStateWarn
	})
	if e := preventionEntry(got, "WKL-013"); e.TypeChecked != nil {
		t.Errorf("typeChecked = %t before any type checking was reported; want unset", *e.TypeChecked)
	}
	if !typeCheckedMetric(t, p.Name, "WKL-013", "unknown") {
		t.Error("the metric does not report typechecked=unknown")
	}

	name := prevention.PolicyName(p.Name, "WKL-013")
	report := func(warnings ...admissionregistrationv1.ExpressionWarning) {
		t.Helper()
		pol := &admissionregistrationv1.ValidatingAdmissionPolicy{}
		if err := k8sClient.Get(ctx, client.ObjectKey{Name: name}, pol); err != nil {
			t.Fatal(err)
		}
		pol.Status = admissionregistrationv1.ValidatingAdmissionPolicyStatus{ObservedGeneration: pol.Generation,
			TypeChecking: &admissionregistrationv1.TypeChecking{ExpressionWarnings: warnings}}
		if err := k8sClient.Status().Update(ctx, pol); err != nil {
			t.Fatal(err)
		}
		// A change in scope triggers the next audit.
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "trigger-", Namespace: "typecheck-app"}}
		if err := k8sClient.Create(ctx, cm); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8sClient.Delete(ctx, cm) })
	}
	report(admissionregistrationv1.ExpressionWarning{FieldRef: "spec.validations[0].expression", Warning: "no such key: hostPID"})
	waitFor(t, p.Name, 30*time.Second, "typeChecked false with the warning", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-013")
		return e != nil && e.TypeChecked != nil && !*e.TypeChecked &&
			strings.Contains(e.Message, "Type checking warns: spec.validations[0].expression: no such key: hostPID")
	})
	if !typeCheckedMetric(t, p.Name, "WKL-013", "false") {
		t.Error("the metric does not report typechecked=false")
	}
	report()
	waitFor(t, p.Name, 30*time.Second, "typeChecked true once the checker does not warn", func(p *securityv1alpha1.SecurityProfile) bool {
		e := preventionEntry(p, "WKL-013")
		return e != nil && e.TypeChecked != nil && *e.TypeChecked && !strings.Contains(e.Message, "Type checking")
	})
	if !typeCheckedMetric(t, p.Name, "WKL-013", "true") {
		t.Error("the metric does not report typechecked=true")
	}
}

func typeCheckedMetric(t *testing.T, profile, check, typechecked string) bool {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "kubeposture_prevention_policy_state" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["profile"] == profile && l["check"] == check && l["typechecked"] == typechecked && m.GetGauge().GetValue() == 1 {
				return true
			}
		}
	}
	return false
}
