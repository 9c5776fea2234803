package controllers_test

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/test/gitops"
)

// health is what kstatus (Flux, kpt) and Argo CD's health.lua make of a profile.
type health struct {
	kstatus, flux, argo, message string
}

func healthOf(t *testing.T, u *unstructured.Unstructured) health {
	t.Helper()
	res, err := kstatus.Compute(u)
	if err != nil {
		t.Fatal(err)
	}
	argo, msg, err := gitops.ArgoCDHealth(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	flux, err := gitops.FluxHealth(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	if flux != string(res.Status) {
		t.Errorf("Flux healthCheckExprs say %s where kstatus says %s (%s)", flux, res.Status, res.Message)
	}
	return health{kstatus: string(res.Status), flux: flux, argo: argo, message: res.Message + " / " + msg}
}

func getProfileObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(securityv1alpha1.GroupVersion.WithKind("SecurityProfile"))
	if err := k8sClient.Get(context.Background(), client.ObjectKey{Name: name}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// waitForHealth polls the profile as the API server returns it until kstatus reports want.
func waitForHealth(t *testing.T, name string, want kstatus.Status, what string) (*unstructured.Unstructured, health) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		u := getProfileObject(t, name)
		h := healthOf(t, u)
		if h.kstatus == string(want) {
			return u, h
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: kstatus %s, Argo CD %s (%s)", what, h.kstatus, h.argo, h.message)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestGitOpsHealth reads SecurityProfiles back from the API server at each stage of their life
// and checks what kstatus, the library Flux and kpt use, and Argo CD's health.lua make of them:
// a new or edited profile is InProgress (Progressing) until its audit; an audited one is Current
// (Healthy, or Degraded below its level); a spec the operator cannot use is Stalled, which kstatus
// reads as Failed (Degraded); fixing the spec makes it Current again.
func TestGitOpsHealth(t *testing.T) {
	ctx := context.Background()
	manifest := []byte(`
apiVersion: security.kubeposture.io/v1alpha1
kind: SecurityProfile
metadata:
  name: gitops-health
spec:
  level: L1
  namespaceSelector:
    matchLabels: {gitops-health: "none"}
`)
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(manifest, &u.Object); err != nil {
		t.Fatal(err)
	}
	// The object the API server returns for the create is the profile before any audit.
	if err := k8sClient.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, u.DeepCopy()) })
	if h := healthOf(t, u); h.kstatus != string(kstatus.InProgressStatus) || h.argo != "Progressing" {
		t.Errorf("a new profile: kstatus %s, Argo CD %s (%s); want InProgress and Progressing", h.kstatus, h.argo, h.message)
	}

	_, h := waitForHealth(t, u.GetName(), kstatus.CurrentStatus, "the first audit")
	if h.argo != "Healthy" && h.argo != "Degraded" {
		t.Errorf("an audited profile: Argo CD %s (%s); want Healthy or Degraded by compliance", h.argo, h.message)
	}

	// An edit is in progress until its audit.
	edited := getProfileObject(t, u.GetName())
	if err := k8sClient.Patch(ctx, edited, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"level":"L2"}}`))); err != nil {
		t.Fatal(err)
	}
	if h := healthOf(t, edited); h.kstatus != string(kstatus.InProgressStatus) || h.argo != "Progressing" {
		t.Errorf("an edited profile: kstatus %s, Argo CD %s (%s); want InProgress and Progressing", h.kstatus, h.argo, h.message)
	}
	waitForHealth(t, u.GetName(), kstatus.CurrentStatus, "the audit of the edit")

	// A selector admission accepts but the operator cannot use stalls the profile.
	bad := getProfileObject(t, u.GetName())
	if err := k8sClient.Patch(ctx, bad, client.RawPatch(types.MergePatchType,
		[]byte(`{"spec":{"namespaceSelector":{"matchLabels":null,"matchExpressions":[{"key":"team","operator":"In","values":[]}]}}}`))); err != nil {
		t.Fatal(err)
	}
	stalled, h := waitForHealth(t, u.GetName(), kstatus.FailedStatus, "Stalled on the invalid selector")
	if h.argo != "Degraded" {
		t.Errorf("a stalled profile: Argo CD %s (%s); want Degraded", h.argo, h.message)
	}
	p := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(stalled), p); err != nil {
		t.Fatal(err)
	}
	if !hasCondition(p, securityv1alpha1.ConditionStalled, "True", securityv1alpha1.ReasonInvalidSpec) {
		t.Errorf("conditions %+v; want Stalled=True with reason InvalidSpec", p.Status.Conditions)
	}

	fixed := getProfileObject(t, u.GetName())
	if err := k8sClient.Patch(ctx, fixed, client.RawPatch(types.MergePatchType,
		[]byte(`{"spec":{"namespaceSelector":{"matchExpressions":null,"matchLabels":{"gitops-health":"none"}}}}`))); err != nil {
		t.Fatal(err)
	}
	waitForHealth(t, u.GetName(), kstatus.CurrentStatus, "the audit of the fixed spec")
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(fixed), p); err != nil {
		t.Fatal(err)
	}
	if condition(p, securityv1alpha1.ConditionStalled) != nil {
		t.Errorf("Stalled is still set after the spec was fixed: %+v", condition(p, securityv1alpha1.ConditionStalled))
	}
}
