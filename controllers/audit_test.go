package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// scopedProfile audits only namespaces labelled e2e=<scope> and only the given checks.
func scopedProfile(name, scope string, level securityv1alpha1.Level, include ...securityv1alpha1.CheckSelector) *securityv1alpha1.SecurityProfile {
	return &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level:             level,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"e2e": scope}},
			Checks:            &securityv1alpha1.CheckSelection{Include: include},
		},
	}
}

func createNamespace(t *testing.T, name, scope string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"e2e": scope}}}
	if err := k8sClient.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}

func pod(ns, name string, privileged bool) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.example.com/app:1.0",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(privileged)},
		}}},
	}
}

func checkStatus(p *securityv1alpha1.SecurityProfile, id string) *securityv1alpha1.CheckStatus {
	for i := range p.Status.Checks {
		if p.Status.Checks[i].ID == id {
			return &p.Status.Checks[i]
		}
	}
	return nil
}

func TestPrivilegedPodFlipsWorkloadsCompliant(t *testing.T) {
	ctx := context.Background()
	createNamespace(t, "e2e-privileged", "privileged")
	p := scopedProfile("privileged", "privileged", securityv1alpha1.LevelL1, "WKL-001")
	createProfile(t, p)
	waitFor(t, p.Name, 20*time.Second, "WorkloadsCompliant=True on a clean namespace", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionWorkloadsCompliant, metav1.ConditionTrue, securityv1alpha1.ReasonChecksPassed)
	})

	bad := pod("e2e-privileged", "root-shell", true)
	if err := k8sClient.Create(ctx, bad); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, p.Name, 20*time.Second, "WorkloadsCompliant=False after a privileged pod", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionWorkloadsCompliant, metav1.ConditionFalse, securityv1alpha1.ReasonChecksFailed)
	})
	msg := condition(got, securityv1alpha1.ConditionWorkloadsCompliant).Message
	if !strings.Contains(msg, "WKL-001") || !strings.Contains(msg, "root-shell") {
		t.Errorf("the condition must name the failing check and object: %q", msg)
	}
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionFalse, securityv1alpha1.ReasonLevelNotAchieved) || got.Status.AchievedLevel != securityv1alpha1.AchievedNone {
		t.Errorf("a failing L1 check leaves no level achieved:\n%s", describeStatus(got))
	}
	cs := checkStatus(got, "WKL-001")
	if cs == nil || cs.Count != 1 || len(cs.Samples) != 1 || cs.Samples[0].Name != "root-shell" {
		t.Fatalf("WKL-001 status: %+v", cs)
	}
	waitForEvent(t, p.Name, securityv1alpha1.ReasonChecksFailed)

	// Fixing it: the pod is replaced by an unprivileged one.
	if err := k8sClient.Delete(ctx, bad, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	if err := k8sClient.Create(ctx, pod("e2e-privileged", "app", false)); err != nil {
		t.Fatal(err)
	}
	got = waitFor(t, p.Name, 20*time.Second, "WorkloadsCompliant=True after the fix", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionWorkloadsCompliant, metav1.ConditionTrue, securityv1alpha1.ReasonChecksPassed)
	})
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionTrue, securityv1alpha1.ReasonLevelAchieved) || got.Status.AchievedLevel != "L1" {
		t.Errorf("with WKL-001 passing the L1 target is achieved:\n%s", describeStatus(got))
	}
}

// waitForEvent waits for an Event about the profile with the given reason.
func waitForEvent(t *testing.T, profile, reason string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var list eventsv1.EventList
		if err := k8sClient.List(context.Background(), &list); err == nil {
			for _, e := range list.Items {
				if e.Regarding.Kind == "SecurityProfile" && e.Regarding.Name == profile && e.Reason == reason {
					return
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no Event with reason %s about SecurityProfile %s", reason, profile)
}

func TestNamespaceWithoutDefaultDenyFailsNET002AtL2Only(t *testing.T) {
	createNamespace(t, "e2e-open", "open")
	l1 := scopedProfile("open-l1", "open", securityv1alpha1.LevelL1, "NET-002")
	l2 := scopedProfile("open-l2", "open", securityv1alpha1.LevelL2, "NET-002")
	createProfile(t, l1)
	createProfile(t, l2)
	got := waitFor(t, l2.Name, 20*time.Second, "NET-002 to fail at L2", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NET-002")
		return cs != nil && cs.Result == "Fail"
	})
	cs := checkStatus(got, "NET-002")
	if len(cs.Samples) == 0 || cs.Samples[0].Name != "e2e-open" {
		t.Errorf("NET-002 must name the namespace: %+v", cs)
	}
	if !hasCondition(got, securityv1alpha1.ConditionNetworkPoliciesCompliant, metav1.ConditionFalse, securityv1alpha1.ReasonChecksFailed) {
		t.Errorf("NetworkPoliciesCompliant must be False:\n%s", describeStatus(got))
	}
	got = waitFor(t, l1.Name, 20*time.Second, "the L1 audit", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	if cs := checkStatus(got, "NET-002"); cs != nil {
		t.Errorf("NET-002 is an L2 check and must not run at L1: %+v", cs)
	}
	if c := condition(got, securityv1alpha1.ConditionNetworkPoliciesCompliant); c == nil || c.Status == metav1.ConditionFalse {
		t.Errorf("at L1 NET-002 cannot make NetworkPoliciesCompliant False:\n%s", describeStatus(got))
	}
}

func TestExemptionTurnsFailIntoExempted(t *testing.T) {
	ctx := context.Background()
	createNamespace(t, "e2e-exempt", "exempt")
	if err := k8sClient.Create(ctx, pod("e2e-exempt", "node-exporter-x", true)); err != nil {
		t.Fatal(err)
	}
	p := scopedProfile("exempt", "exempt", securityv1alpha1.LevelL1, "WKL-001")
	p.Spec.Exemptions = []securityv1alpha1.Exemption{{
		CheckID: "WKL-001", Namespace: "e2e-exempt", Name: "node-exporter-*", Reason: "reads host metrics; reviewed",
	}}
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "WKL-001 Exempted", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "WKL-001")
		return cs != nil && cs.Result == "Exempted"
	})
	cs := checkStatus(got, "WKL-001")
	if cs.Exempted != 1 || cs.Count != 0 || len(cs.Samples) != 1 || cs.Samples[0].Name != "node-exporter-x" {
		t.Errorf("the exempted finding stays visible: %+v", cs)
	}
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionTrue, "") {
		t.Errorf("an exempted finding does not block the level:\n%s", describeStatus(got))
	}

	// Without the exemption the same pod fails.
	patch := client.MergeFrom(got.DeepCopy())
	got.Spec.Exemptions = nil
	if err := k8sClient.Patch(ctx, got, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p.Name, 20*time.Second, "WKL-001 Fail without the exemption", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "WKL-001")
		return p.Status.ObservedGeneration == p.Generation && cs != nil && cs.Result == "Fail"
	})
}

func TestClusterAdminBindingForAUserFailsRBAC002(t *testing.T) {
	ctx := context.Background()
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-bob-admin"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "User", Name: "bob@example.com"}},
	}
	if err := k8sClient.Create(ctx, crb); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, crb) })
	p := scopedProfile("rbac", "rbac", securityv1alpha1.LevelL1, "RBAC-002")
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "RBAC-002 to fail", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "RBAC-002")
		return cs != nil && cs.Result == "Fail"
	})
	cs := checkStatus(got, "RBAC-002")
	found := false
	for _, s := range cs.Samples {
		found = found || (s.Kind == "ClusterRoleBinding" && s.Name == "e2e-bob-admin")
	}
	if !found || !strings.Contains(cs.Message, "bob@example.com") && cs.Count == 1 {
		t.Errorf("RBAC-002 must name the binding and the user: %+v", cs)
	}
	if !hasCondition(got, securityv1alpha1.ConditionRBACCompliant, metav1.ConditionFalse, securityv1alpha1.ReasonChecksFailed) {
		t.Errorf("RBACCompliant must be False:\n%s", describeStatus(got))
	}
}

func TestStatusStaysBoundedWith5000ViolatingPods(t *testing.T) {
	ctx := context.Background()
	const pods = 5000
	createNamespace(t, "e2e-many", "many")
	var wg sync.WaitGroup
	errs := make(chan error, pods)
	work := make(chan int)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := k8sClient.Create(ctx, pod("e2e-many", fmt.Sprintf("privileged-%04d", i), true)); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range pods {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p := scopedProfile("many", "many", securityv1alpha1.LevelL3, "Workloads")
	createProfile(t, p)
	got := waitFor(t, p.Name, 60*time.Second, "WKL-001 to count every pod", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "WKL-001")
		return cs != nil && cs.Count == pods
	})
	for _, cs := range got.Status.Checks {
		if len(cs.Samples) > 5 || len(cs.Message) > 1024 {
			t.Errorf("check %s is not bounded: %d samples, %d-byte message", cs.ID, len(cs.Samples), len(cs.Message))
		}
	}
	raw, err := json.Marshal(got.Status)
	if err != nil {
		t.Fatal(err)
	}
	// One entry per check with five samples each: far below etcd's object limit whatever the pod count.
	if limit := 64 * 1024; len(raw) > limit {
		t.Errorf("status is %d bytes with %d violating pods; want at most %d", len(raw), pods, limit)
	}
	t.Logf("status size with %d violating pods: %d bytes, %d checks", pods, len(raw), len(got.Status.Checks))
}

func TestAttestationOfAnOrganisationalItemCountsTowardTheLevel(t *testing.T) {
	ctx := context.Background()
	p := scopedProfile("attested", "attested", securityv1alpha1.LevelL1, "S1.1")
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "S1.1 to be Manual", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "S1.1")
		return cs != nil && cs.Result == "Manual"
	})
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionFalse, securityv1alpha1.ReasonLevelNotAchieved) {
		t.Fatalf("an unattested organisational item blocks L1:\n%s", describeStatus(got))
	}

	patch := client.MergeFrom(got.DeepCopy())
	got.Spec.Attestations = []securityv1alpha1.Attestation{{
		ItemID: "S1.1", Owner: "security-team", Evidence: "https://wiki.example.com/training-2026",
		Expires: metav1.NewTime(time.Now().Add(90 * 24 * time.Hour)),
	}}
	if err := k8sClient.Patch(ctx, got, patch); err != nil {
		t.Fatal(err)
	}
	got = waitFor(t, p.Name, 20*time.Second, "S1.1 to pass once attested", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "S1.1")
		return p.Status.ObservedGeneration == p.Generation && cs != nil && cs.Result == "Pass"
	})
	if cs := checkStatus(got, "S1.1"); !strings.Contains(cs.Message, "security-team") {
		t.Errorf("the pass names who attested it: %q", cs.Message)
	}
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionTrue, securityv1alpha1.ReasonLevelAchieved) || got.Status.AchievedLevel != "L1" {
		t.Errorf("attested, the item no longer blocks L1:\n%s", describeStatus(got))
	}

	// An expired attestation stops applying and is reported.
	patch = client.MergeFrom(got.DeepCopy())
	got.Spec.Attestations[0].Expires = metav1.NewTime(time.Now().Add(-time.Hour))
	if err := k8sClient.Patch(ctx, got, patch); err != nil {
		t.Fatal(err)
	}
	got = waitFor(t, p.Name, 20*time.Second, "the expired attestation to be reported", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.ObservedGeneration == p.Generation && len(p.Status.Warnings) == 1
	})
	if cs := checkStatus(got, "S1.1"); cs.Result != "Manual" || !strings.Contains(got.Status.Warnings[0], "expired") {
		t.Errorf("expired: %s, warnings %v", cs.Result, got.Status.Warnings)
	}
}
