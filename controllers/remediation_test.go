package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
)

func remediatingProfile(name, scope string, level securityv1alpha1.Level, mode securityv1alpha1.RemediationMode, include []securityv1alpha1.CheckSelector, actions ...securityv1alpha1.RemediationAction) *securityv1alpha1.SecurityProfile {
	p := scopedProfile(name, scope, level, include...)
	p.Spec.Remediation = securityv1alpha1.Remediation{Mode: mode, Actions: actions}
	return p
}

func setMode(t *testing.T, name string, mode securityv1alpha1.RemediationMode) {
	t.Helper()
	p := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(context.Background(), client.ObjectKey{Name: name}, p); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Remediation.Mode = mode
	if err := k8sClient.Patch(context.Background(), p, patch); err != nil {
		t.Fatal(err)
	}
}

func deleteProfileAndWait(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	p := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8sClient.Delete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "SecurityProfile "+name+" to be gone (finalizer done)", func() bool {
		return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &securityv1alpha1.SecurityProfile{}))
	})
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func namespaceLabels(t *testing.T, name string) map[string]string {
	t.Helper()
	ns := &corev1.Namespace{}
	if err := k8sClient.Get(context.Background(), client.ObjectKey{Name: name}, ns); err != nil {
		t.Fatal(err)
	}
	return ns.Labels
}

func policyExists(name, ns string) bool {
	return k8sClient.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &networkingv1.NetworkPolicy{}) == nil
}

// remediationCase is one action: the check it fixes, how to make the check fail, and how to
// see the change in the cluster.
type remediationCase struct {
	// stillFails is the message the check fails with after remediation, for actions whose
	// change needs a person's follow-up (a placeholder label is not a classification).
	stillFails string
	// emptyAfter: the action deletes the only object the check inspected, which leaves the check
	// with nothing to inspect (NotApplicable) rather than a Pass.
	emptyAfter bool
	action     securityv1alpha1.RemediationAction
	check      string
	level      securityv1alpha1.Level
	enforce    bool
	setup      func(t *testing.T, ns string)
	applied    func(t *testing.T, ns string) bool
	reverted   func(t *testing.T, ns string) bool // nil: the action deletes and cannot be undone
}

func TestEachRemediationActionInDryRunAndEnabled(t *testing.T) {
	ctx := context.Background()
	cases := []remediationCase{
		{
			action: securityv1alpha1.ActionDefaultDenyNetworkPolicy, check: "NET-002", level: securityv1alpha1.LevelL2,
			applied:  func(t *testing.T, ns string) bool { return policyExists("kubeposture-default-deny-ingress", ns) },
			reverted: func(t *testing.T, ns string) bool { return !policyExists("kubeposture-default-deny-ingress", ns) },
		},
		{
			action: securityv1alpha1.ActionPodSecurityLabels, check: "WKL-027", level: securityv1alpha1.LevelL1, enforce: true,
			applied: func(t *testing.T, ns string) bool {
				l := namespaceLabels(t, ns)
				return l["pod-security.kubernetes.io/enforce"] == "baseline" && l["pod-security.kubernetes.io/warn"] == "baseline" && l["pod-security.kubernetes.io/audit"] == "baseline"
			},
			reverted: func(t *testing.T, ns string) bool {
				l := namespaceLabels(t, ns)
				return l["pod-security.kubernetes.io/enforce"] == "" && l["pod-security.kubernetes.io/warn"] == ""
			},
		},
		{
			action: securityv1alpha1.ActionQuarantineNetworkPolicy, check: "WKL-030", level: securityv1alpha1.LevelL2,
			applied:  func(t *testing.T, ns string) bool { return policyExists("kubeposture-quarantine", ns) },
			reverted: func(t *testing.T, ns string) bool { return !policyExists("kubeposture-quarantine", ns) },
		},
		{
			action: securityv1alpha1.ActionLabelNamespaces, check: "WKL-023", level: securityv1alpha1.LevelL1, stillFails: "placeholder",
			applied: func(t *testing.T, ns string) bool {
				return namespaceLabels(t, ns)["kubeposture.io/data-classification"] != ""
			},
			reverted: func(t *testing.T, ns string) bool {
				return namespaceLabels(t, ns)["kubeposture.io/data-classification"] == ""
			},
		},
		{
			action: securityv1alpha1.ActionDisableDefaultServiceAccountAutomount, check: "RBAC-009", level: securityv1alpha1.LevelL2,
			setup: func(t *testing.T, ns string) {
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
				if err := k8sClient.Create(ctx, sa); err != nil {
					t.Fatal(err)
				}
				if err := k8sClient.Create(ctx, pod(ns, "uses-default-sa", false)); err != nil {
					t.Fatal(err)
				}
			},
			applied: func(t *testing.T, ns string) bool {
				sa := &corev1.ServiceAccount{}
				_ = k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "default"}, sa)
				return sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken
			},
			reverted: func(t *testing.T, ns string) bool {
				sa := &corev1.ServiceAccount{}
				_ = k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "default"}, sa)
				return sa.AutomountServiceAccountToken == nil
			},
		},
		{
			action: securityv1alpha1.ActionDeleteTerminatedPods, check: "WKL-018", level: securityv1alpha1.LevelL2, emptyAfter: true,
			setup: func(t *testing.T, ns string) {
				p := pod(ns, "finished-long-ago", false)
				if err := k8sClient.Create(ctx, p); err != nil {
					t.Fatal(err)
				}
				finished := metav1.NewTime(time.Now().Add(-30 * 24 * time.Hour))
				p.Status.Phase = corev1.PodSucceeded
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "registry.example.com/app:1.0",
					State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: finished, FinishedAt: finished}}}}
				if err := k8sClient.Status().Update(ctx, p); err != nil {
					t.Fatal(err)
				}
			},
			applied: func(t *testing.T, ns string) bool {
				return apierrors.IsNotFound(k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "finished-long-ago"}, &corev1.Pod{}))
			},
		},
	}
	for i, tc := range cases {
		t.Run(string(tc.action), func(t *testing.T) {
			ns := fmt.Sprintf("rem-action-%d", i)
			createNamespace(t, ns, ns)
			if tc.setup != nil {
				tc.setup(t, ns)
			}
			p := remediatingProfile(ns, ns, tc.level, securityv1alpha1.RemediationDryRun, []securityv1alpha1.CheckSelector{securityv1alpha1.CheckSelector(tc.check)}, tc.action)
			p.Spec.Remediation.EnforcePodSecurity = tc.enforce
			createProfile(t, p)

			got := waitFor(t, p.Name, 20*time.Second, tc.check+" failing with a planned change", func(p *securityv1alpha1.SecurityProfile) bool {
				cs := checkStatus(p, tc.check)
				return cs != nil && cs.Result == "Fail" && p.Status.Remediation != nil && p.Status.Remediation.Planned > 0
			})
			if !hasCondition(got, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonDryRun) {
				t.Errorf("DryRun must say so:\n%s", describeStatus(got))
			}
			time.Sleep(500 * time.Millisecond) // a DryRun that wrongly applied would show by now
			if tc.applied(t, ns) {
				t.Fatalf("DryRun changed the cluster")
			}

			setMode(t, p.Name, securityv1alpha1.RemediationEnabled)
			eventually(t, 20*time.Second, "the change to appear", func() bool { return tc.applied(t, ns) })
			got = waitFor(t, p.Name, 20*time.Second, tc.check+" to pass after remediation", func(p *securityv1alpha1.SecurityProfile) bool {
				cs := checkStatus(p, tc.check)
				if tc.stillFails != "" {
					return cs != nil && cs.Result == "Fail" && strings.Contains(cs.Message, tc.stillFails) && p.Status.Remediation != nil && p.Status.Remediation.InPlace > 0
				}
				return p.Status.ObservedGeneration == p.Generation && cs != nil && (cs.Result == "Pass" || tc.emptyAfter && cs.Result == "NotApplicable")
			})
			if !hasCondition(got, securityv1alpha1.ConditionRemediated, metav1.ConditionTrue, securityv1alpha1.ReasonRemediated) {
				t.Errorf("Remediated must be True:\n%s", describeStatus(got))
			}
			deleteProfileAndWait(t, p.Name)
			if tc.reverted != nil {
				eventually(t, 10*time.Second, "the change to be reverted", func() bool { return tc.reverted(t, ns) })
			}
		})
	}
}

func TestGitOpsOwnedLabelIsAConflictAndUserObjectsStayUntouched(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-gitops"
	createNamespace(t, ns, ns)
	// A GitOps tool owns the warn label (server-side apply as "argocd-controller").
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(ns)
	u.SetLabels(map[string]string{"pod-security.kubernetes.io/warn": "baseline", "e2e": ns})
	if err := k8sClient.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner("argocd-controller")); err != nil {
		t.Fatal(err)
	}
	// The user's own default-deny policy, under another name.
	userNP := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-all", Namespace: ns},
		Spec:       networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}
	if err := k8sClient.Create(ctx, userNP); err != nil {
		t.Fatal(err)
	}
	rv := userNP.ResourceVersion

	p := remediatingProfile("gitops", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"},
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels)
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "the conflict to be reported", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonConflict)
	})
	if msg := condition(got, securityv1alpha1.ConditionRemediated).Message; !strings.Contains(msg, "pod-security.kubernetes.io/warn") {
		t.Errorf("the conflict must name the label: %q", msg)
	}
	eventually(t, 10*time.Second, "the unowned audit label to be set", func() bool {
		return namespaceLabels(t, ns)["pod-security.kubernetes.io/audit"] == "restricted"
	})
	if l := namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"]; l != "baseline" {
		t.Errorf("the GitOps-owned label was changed to %q", l)
	}
	if policyExists("kubeposture-default-deny-ingress", ns) {
		t.Error("the namespace already has the user's default-deny policy; kubeposture must not add its own")
	}
	cur := &networkingv1.NetworkPolicy{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(userNP), cur); err != nil || cur.ResourceVersion != rv {
		t.Errorf("the user's NetworkPolicy was modified or removed (%v)", err)
	}
	deleteProfileAndWait(t, p.Name)
	if l := namespaceLabels(t, ns); l["pod-security.kubernetes.io/warn"] != "baseline" || l["pod-security.kubernetes.io/audit"] != "" {
		t.Errorf("after deletion the GitOps label stays and kubeposture's is gone: %v", l)
	}
}

func TestTwoProfilesTheStricterPodSecurityLevelWins(t *testing.T) {
	const ns = "rem-two"
	createNamespace(t, ns, ns)
	basic := remediatingProfile("two-basic", ns, securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	strict := remediatingProfile("two-strict", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	createProfile(t, basic)
	createProfile(t, strict)
	eventually(t, 20*time.Second, "warn=restricted", func() bool { return namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"] == "restricted" })
	// Stable: several audits later it is still the stricter level.
	time.Sleep(time.Second)
	if l := namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"]; l != "restricted" {
		t.Fatalf("the two profiles fight: warn=%q", l)
	}
	deleteProfileAndWait(t, strict.Name)
	eventually(t, 20*time.Second, "warn=baseline once only the L1 profile wants it", func() bool {
		return namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"] == "baseline"
	})
	deleteProfileAndWait(t, basic.Name)
	eventually(t, 20*time.Second, "the labels to be gone", func() bool {
		ns := &corev1.Namespace{}
		_ = k8sClient.Get(context.Background(), client.ObjectKey{Name: "rem-two"}, ns)
		return ns.Labels["pod-security.kubernetes.io/warn"] == "" && ns.Annotations[controllers.AnnotationManagedLabels] == ""
	})
}

func TestEnforceWaitsUntilNoRunningPodViolates(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-enforce"
	createNamespace(t, ns, ns)
	bad := pod(ns, "privileged", true)
	if err := k8sClient.Create(ctx, bad); err != nil {
		t.Fatal(err)
	}
	p := remediatingProfile("enforce", ns, securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-027"}, securityv1alpha1.ActionPodSecurityLabels)
	p.Spec.Remediation.EnforcePodSecurity = true
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "enforce to be blocked", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonBlocked)
	})
	if msg := condition(got, securityv1alpha1.ConditionRemediated).Message; !strings.Contains(msg, "privileged") {
		t.Errorf("the blocked change must name the pod: %q", msg)
	}
	if l := namespaceLabels(t, ns); l["pod-security.kubernetes.io/enforce"] != "" || l["pod-security.kubernetes.io/warn"] != "baseline" {
		t.Errorf("warn is always safe, enforce waits: %v", l)
	}
	if err := k8sClient.Delete(ctx, bad, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "enforce once the pod is gone", func() bool {
		return namespaceLabels(t, ns)["pod-security.kubernetes.io/enforce"] == "baseline"
	})
	deleteProfileAndWait(t, p.Name)
}

func TestRemediationConvergesFromAHalfDoneState(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-converge"
	createNamespace(t, ns, ns)
	// What an operator stopped mid-remediation might leave: its policy with a stale profile
	// list, and a label it set that no profile wants any more.
	stale := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeposture-default-deny-ingress", Namespace: ns,
			Labels:      map[string]string{controllers.LabelManagedBy: controllers.FieldManager},
			Annotations: map[string]string{controllers.AnnotationProfiles: "gone-profile"}},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}
	if err := k8sClient.Create(ctx, stale, client.FieldOwner(controllers.FieldManager)); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("Namespace")
	u.SetName(ns)
	u.SetLabels(map[string]string{"pod-security.kubernetes.io/audit": "privileged"})
	u.SetAnnotations(map[string]string{controllers.AnnotationManagedLabels: "pod-security.kubernetes.io/audit"})
	if err := k8sClient.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(controllers.FieldManager)); err != nil {
		t.Fatal(err)
	}
	p := remediatingProfile("converge", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002"}, securityv1alpha1.ActionDefaultDenyNetworkPolicy)
	createProfile(t, p)
	eventually(t, 20*time.Second, "the policy to name the live profile and the stale label to go", func() bool {
		np := &networkingv1.NetworkPolicy{}
		_ = k8sClient.Get(ctx, client.ObjectKeyFromObject(stale), np)
		return np.Annotations[controllers.AnnotationProfiles] == "converge" && namespaceLabels(t, ns)["pod-security.kubernetes.io/audit"] == ""
	})
	var list networkingv1.NetworkPolicyList
	if err := k8sClient.List(ctx, &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Errorf("want exactly one policy, found %d", len(list.Items))
	}
	got := waitFor(t, p.Name, 20*time.Second, "NET-002 to pass", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NET-002")
		return cs != nil && cs.Result == "Pass"
	})
	_ = got
	deleteProfileAndWait(t, p.Name)
	eventually(t, 10*time.Second, "the policy to be removed", func() bool { return !policyExists("kubeposture-default-deny-ingress", ns) })
	_ = ptr.To(0)
}

func TestAUserObjectWithTheOperatorsNameIsAConflict(t *testing.T) {
	ctx := context.Background()
	const ns = "rem-name-clash"
	createNamespace(t, ns, ns)
	mine := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeposture-quarantine", Namespace: ns, Labels: map[string]string{"team": "shop"}},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}},
	}
	if err := k8sClient.Create(ctx, mine); err != nil {
		t.Fatal(err)
	}
	p := remediatingProfile("name-clash", ns, securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"WKL-030"}, securityv1alpha1.ActionQuarantineNetworkPolicy)
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "the name clash to be a conflict", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonConflict)
	})
	if msg := condition(got, securityv1alpha1.ConditionRemediated).Message; !strings.Contains(msg, "not created by kubeposture") {
		t.Errorf("the conflict explains itself: %q", msg)
	}
	deleteProfileAndWait(t, p.Name)
	cur := &networkingv1.NetworkPolicy{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(mine), cur); err != nil {
		t.Fatalf("the user's policy was deleted: %v", err)
	}
	if cur.ResourceVersion != mine.ResourceVersion || cur.Labels[controllers.LabelManagedBy] != "" {
		t.Errorf("the user's policy was modified: %+v", cur.ObjectMeta)
	}
}
