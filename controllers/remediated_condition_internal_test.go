package controllers

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

func TestRemediatedCondition(t *testing.T) {
	failed := securityv1alpha1.RemediationActionStatus{State: securityv1alpha1.StateFailed, Message: "networkpolicies is forbidden",
		Object: securityv1alpha1.ObjectReference{Kind: "NetworkPolicy", Namespace: "a", Name: "kubeposture-default-deny-ingress"}}
	cases := []struct {
		name   string
		mode   securityv1alpha1.RemediationMode
		st     securityv1alpha1.RemediationStatus
		status metav1.ConditionStatus
		reason string
		msg    string // a part of the message
	}{
		{name: "DryRun is never Remediated", mode: securityv1alpha1.RemediationDryRun, st: securityv1alpha1.RemediationStatus{Planned: 3, Conflicts: 1},
			status: metav1.ConditionFalse, reason: securityv1alpha1.ReasonDryRun, msg: "3 changes planned, none made (1 conflicts, 0 blocked)"},
		{name: "everything in place", mode: securityv1alpha1.RemediationEnabled, st: securityv1alpha1.RemediationStatus{Applied: 2, InPlace: 3},
			status: metav1.ConditionTrue, reason: securityv1alpha1.ReasonRemediated, msg: "5 changes in place (2 applied in this audit)"},
		{name: "a conflict outranks a failure", mode: securityv1alpha1.RemediationEnabled, st: securityv1alpha1.RemediationStatus{Conflicts: 1, Failed: 1},
			status: metav1.ConditionFalse, reason: securityv1alpha1.ReasonConflict, msg: "another field manager"},
		{name: "a failure names the first failed change", mode: securityv1alpha1.RemediationEnabled,
			st:     securityv1alpha1.RemediationStatus{Failed: 1, Blocked: 2, Actions: []securityv1alpha1.RemediationActionStatus{failed}},
			status: metav1.ConditionFalse, reason: securityv1alpha1.ReasonRemediationFailed, msg: "First: NetworkPolicy a/kubeposture-default-deny-ingress: networkpolicies is forbidden"},
		{name: "blocked changes", mode: securityv1alpha1.RemediationEnabled, st: securityv1alpha1.RemediationStatus{Blocked: 1, Applied: 4},
			status: metav1.ConditionFalse, reason: securityv1alpha1.ReasonBlocked, msg: "1 change held back"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, reason, msg := remediatedCondition(tc.mode, &tc.st)
			if status != tc.status || reason != tc.reason || !strings.Contains(msg, tc.msg) {
				t.Errorf("got %s %s %q; want %s %s containing %q", status, reason, msg, tc.status, tc.reason, tc.msg)
			}
		})
	}
}
