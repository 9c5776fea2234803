package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
)

func TestDryRunProfileNeverChangesTheCluster(t *testing.T) {
	const ns = "rem-dry-strict"
	createNamespace(t, ns, ns)
	basic := remediatingProfile("dry-basic", ns, securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	strict := remediatingProfile("dry-strict", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationDryRun, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	strict.Spec.Remediation.EnforcePodSecurity = true
	createProfile(t, basic)
	createProfile(t, strict)
	eventually(t, 20*time.Second, "warn=baseline from the Enabled profile", func() bool {
		return namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"] != ""
	})
	got := waitFor(t, strict.Name, 20*time.Second, "the DryRun profile to plan the stricter level", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.Remediation != nil && p.Status.Remediation.Planned > 0
	})
	if !hasCondition(got, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonDryRun) {
		t.Errorf("DryRun must say so:\n%s", describeStatus(got))
	}
	time.Sleep(time.Second) // several audits of both profiles
	l := namespaceLabels(t, ns)
	if l["pod-security.kubernetes.io/warn"] != "baseline" || l["pod-security.kubernetes.io/audit"] != "baseline" || l["pod-security.kubernetes.io/enforce"] != "" {
		t.Fatalf("only the Enabled profile's baseline level may be applied, the DryRun profile's restricted never: %v", l)
	}
	planned := false
	for _, a := range got.Status.Remediation.Actions {
		if a.State == securityv1alpha1.StatePlanned && strings.Contains(a.Message, "restricted") {
			planned = true
		}
	}
	if !planned {
		t.Errorf("the DryRun profile plans restricted: %+v", got.Status.Remediation.Actions)
	}
	deleteProfileAndWait(t, strict.Name)
	time.Sleep(500 * time.Millisecond)
	if l := namespaceLabels(t, ns); l["pod-security.kubernetes.io/warn"] != "baseline" || l["pod-security.kubernetes.io/enforce"] != "" {
		t.Errorf("after the DryRun profile is gone the Enabled profile's labels stay as they were: %v", l)
	}
	deleteProfileAndWait(t, basic.Name)
}

func TestAWeakenedOwnedPolicyIsRestored(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-weakened"
	createNamespace(t, ns, ns)
	p := remediatingProfile("weakened", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002"}, securityv1alpha1.ActionDefaultDenyNetworkPolicy)
	createProfile(t, p)
	waitFor(t, p.Name, 20*time.Second, "NET-002 to pass with the operator's policy", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NET-002")
		return cs != nil && cs.Result == "Pass"
	})
	// A person edits the policy (kubectl edit) to allow all ingress.
	np := &networkingv1.NetworkPolicy{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "kubeposture-default-deny-ingress"}, np); err != nil {
		t.Fatal(err)
	}
	np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
	if err := k8sClient.Update(ctx, np, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the operator's policy to deny all ingress again", func() bool {
		cur := &networkingv1.NetworkPolicy{}
		return k8sClient.Get(ctx, client.ObjectKeyFromObject(np), cur) == nil && len(cur.Spec.Ingress) == 0
	})
	got := waitFor(t, p.Name, 20*time.Second, "NET-002 to pass again", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NET-002")
		return cs != nil && cs.Result == "Pass" && p.Status.Remediation != nil && p.Status.Remediation.InPlace > 0
	})
	if !hasCondition(got, securityv1alpha1.ConditionRemediated, metav1.ConditionTrue, securityv1alpha1.ReasonRemediated) {
		t.Errorf("Remediated once restored:\n%s", describeStatus(got))
	}
	waitForEventNote(t, p.Name, "Applied", "Restored")
	deleteProfileAndWait(t, p.Name)
}

func TestDeletingAProfileLeavesAnothersLabelsAlone(t *testing.T) {
	ctx := context.Background()
	createNamespace(t, "rem-keep-labels", "rem-keep-labels")
	createNamespace(t, "rem-deleted-other", "rem-deleted-other")
	keep := remediatingProfile("keep-labels", "rem-keep-labels", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-023"}, securityv1alpha1.ActionLabelNamespaces)
	other := remediatingProfile("deleted-other", "rem-deleted-other", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	createProfile(t, keep)
	createProfile(t, other)
	eventually(t, 20*time.Second, "the placeholder classification label", func() bool {
		return namespaceLabels(t, "rem-keep-labels")["kubeposture.io/data-classification"] == "unclassified"
	})
	eventually(t, 20*time.Second, "the other profile's labels", func() bool {
		return namespaceLabels(t, "rem-deleted-other")["pod-security.kubernetes.io/warn"] == "baseline"
	})
	time.Sleep(500 * time.Millisecond)
	before := &corev1.Namespace{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: "rem-keep-labels"}, before); err != nil {
		t.Fatal(err)
	}
	deleteProfileAndWait(t, other.Name)
	time.Sleep(time.Second)
	after := &corev1.Namespace{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: "rem-keep-labels"}, after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != before.ResourceVersion || after.Labels["kubeposture.io/data-classification"] != "unclassified" {
		t.Errorf("deleting another profile rewrote this profile's labels (resourceVersion %s -> %s): %v",
			before.ResourceVersion, after.ResourceVersion, after.Labels)
	}
	deleteProfileAndWait(t, keep.Name)
}

// profileEvents lists the events.k8s.io Events about a profile from the API server.
func profileEvents(t *testing.T, profile string) []eventsv1.Event {
	t.Helper()
	var list eventsv1.EventList
	if err := k8sClient.List(context.Background(), &list); err != nil {
		t.Fatal(err)
	}
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == "SecurityProfile" && e.Regarding.Name == profile {
			out = append(out, e)
		}
	}
	return out
}

// waitForEventNote waits for an Event about the profile with the reason and a note containing text.
func waitForEventNote(t *testing.T, profile, reason, text string) {
	t.Helper()
	eventually(t, 10*time.Second, fmt.Sprintf("an Event %s %q about %s", reason, text, profile), func() bool {
		for _, e := range profileEvents(t, profile) {
			if (reason == "*" || e.Reason == reason) && strings.Contains(e.Note, text) {
				return true
			}
		}
		return false
	})
}

func TestEveryDomainTransitionAndAppliedChangeIsAnEvent(t *testing.T) {
	nss := []string{"rem-events-a", "rem-events-b", "rem-events-c"}
	for _, ns := range nss {
		createNamespace(t, ns, "rem-events")
	}
	p := remediatingProfile("events", "rem-events", securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"},
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels)
	p.Spec.Remediation.EnforcePodSecurity = true
	createProfile(t, p)
	waitFor(t, p.Name, 20*time.Second, "both checks to pass after remediation", func(p *securityv1alpha1.SecurityProfile) bool {
		a, b := checkStatus(p, "NET-002"), checkStatus(p, "WKL-027")
		return a != nil && b != nil && a.Result == "Pass" && b.Result == "Pass"
	})
	for _, want := range []string{"NetworkPoliciesCompliant is False", "WorkloadsCompliant is False", "NetworkPoliciesCompliant is True", "WorkloadsCompliant is True"} {
		waitForEventNote(t, p.Name, "*", want)
	}
	for _, ns := range nss {
		waitForEventNote(t, p.Name, "Applied", "NetworkPolicy "+ns+"/kubeposture-default-deny-ingress: Created")
		waitForEventNote(t, p.Name, "Applied", "Namespace "+ns+": ")
	}
	// One Event per namespace names every label set on it.
	for _, e := range profileEvents(t, p.Name) {
		if e.Reason == "Applied" && strings.HasPrefix(e.Note, "Namespace ") &&
			(!strings.Contains(e.Note, "pod-security.kubernetes.io/warn=restricted") || !strings.Contains(e.Note, "pod-security.kubernetes.io/audit=restricted")) {
			t.Errorf("the namespace Event names both labels: %q", e.Note)
		}
	}
	deleteProfileAndWait(t, p.Name)
}

func TestBlockedRevertIsReportedAndTheFinalizerCanBeReleased(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-blocked"
	createNamespace(t, ns, ns)
	p := remediatingProfile("blocked", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002"}, securityv1alpha1.ActionDefaultDenyNetworkPolicy)
	createProfile(t, p)
	eventually(t, 20*time.Second, "the operator's policy", func() bool { return policyExists("kubeposture-default-deny-ingress", ns) })
	waitFor(t, p.Name, 20*time.Second, "the finalizer", func(p *securityv1alpha1.SecurityProfile) bool { return len(p.Finalizers) > 0 })

	// The remediation role is taken away after the change was made.
	t.Cleanup(func() {
		if err := bindRemediationUser(); err != nil {
			t.Error(err)
		}
		_ = k8sClient.Delete(ctx, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "kubeposture-default-deny-ingress"}})
	})
	if err := k8sClient.Delete(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: remediationBinding}}); err != nil {
		t.Fatal(err)
	}
	if err := k8sClient.Delete(ctx, &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: p.Name}}); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, p.Name, 20*time.Second, "Remediated=False naming the refused permission", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonRevertBlocked)
	})
	msg := condition(got, securityv1alpha1.ConditionRemediated).Message
	for _, want := range []string{"forbidden", "delete", "networkpolicies", controllers.AnnotationReleaseFinalizer} {
		if !strings.Contains(msg, want) {
			t.Errorf("the condition names %q: %s", want, msg)
		}
	}
	waitForEventNote(t, p.Name, securityv1alpha1.ReasonRevertBlocked, "networkpolicies")
	if !policyExists("kubeposture-default-deny-ingress", ns) {
		t.Fatal("the policy cannot have been removed without the permission")
	}

	// A person decides to leave the change in place.
	cur := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKey{Name: p.Name}, cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations[controllers.AnnotationReleaseFinalizer] = "true"
	if err := k8sClient.Patch(ctx, cur, patch); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the released profile to be gone", func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Name: p.Name}, &securityv1alpha1.SecurityProfile{}))
	})
	waitForEventNote(t, p.Name, securityv1alpha1.ReasonFinalizerReleased, "stay in the cluster")
	if !policyExists("kubeposture-default-deny-ingress", ns) {
		t.Error("releasing the finalizer leaves the changes in place")
	}
}
