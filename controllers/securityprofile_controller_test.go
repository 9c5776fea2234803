package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

func TestProfileWithoutApplicableChecksStaysUnknown(t *testing.T) {
	p := &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "nothing-selected"},
		Spec: securityv1alpha1.SecurityProfileSpec{
			// NET-002 is an L2 check: an L1 profile that includes only it runs nothing.
			Level:  securityv1alpha1.LevelL1,
			Checks: &securityv1alpha1.CheckSelection{Include: []securityv1alpha1.CheckSelector{"NET-002"}},
		},
	}
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "the first audit", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionReady, metav1.ConditionTrue, securityv1alpha1.ReasonAuditSucceeded)
	})
	if !hasCondition(got, securityv1alpha1.ConditionCompliant, metav1.ConditionUnknown, securityv1alpha1.ReasonNoChecks) {
		t.Fatalf("Compliant must be Unknown/NoChecks when no check applies:\n%s", describeStatus(got))
	}
	if got.Status.AchievedLevel != securityv1alpha1.AchievedNone {
		t.Errorf("achievedLevel = %q, want None", got.Status.AchievedLevel)
	}
	if got.Status.Score != nil {
		t.Errorf("score = %d, want none when no check applies", *got.Status.Score)
	}
	if got.Status.LastAuditTime == nil || got.Status.AuditDuration == nil {
		t.Errorf("lastAuditTime and auditDuration must be set: %+v", got.Status)
	}
	for _, c := range got.Status.Conditions {
		if c.ObservedGeneration != got.Generation {
			t.Errorf("condition %s has observedGeneration %d, want %d", c.Type, c.ObservedGeneration, got.Generation)
		}
	}
	if !hasCondition(got, securityv1alpha1.ConditionNetworkPoliciesCompliant, metav1.ConditionUnknown, securityv1alpha1.ReasonNoApplicableChecks) {
		t.Errorf("a domain with no selected check is Unknown, not True:\n%s", describeStatus(got))
	}
}

func TestSpecChangeBumpsObservedGeneration(t *testing.T) {
	p := &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "generation"},
		Spec:       securityv1alpha1.SecurityProfileSpec{Level: securityv1alpha1.LevelL1},
	}
	createProfile(t, p)
	waitFor(t, p.Name, 20*time.Second, "observedGeneration 1", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.ObservedGeneration == 1 && hasCondition(p, securityv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Level = securityv1alpha1.LevelL2
	if err := k8sClient.Patch(context.Background(), p, patch); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, p.Name, 20*time.Second, "observedGeneration 2", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Generation == 2 && p.Status.ObservedGeneration == 2 && hasCondition(p, securityv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	for _, c := range got.Status.Conditions {
		if c.ObservedGeneration != 2 {
			t.Errorf("condition %s still carries observedGeneration %d after the spec change", c.Type, c.ObservedGeneration)
		}
	}
	if msg := condition(got, securityv1alpha1.ConditionReady).Message; !strings.Contains(msg, "L2") {
		t.Errorf("Ready message %q does not mention the new level", msg)
	}
}
