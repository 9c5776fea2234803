package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"

	"github.com/kubeposture/kubeposture/internal/manifest"
)

func TestGenerateAdmissionPoliciesFollowsLevelAndProfile(t *testing.T) {
	count := func(data []byte) (policies int, ids map[string]bool) {
		t.Helper()
		objs, err := manifest.Read("out.yaml", data)
		if err != nil {
			t.Fatal(err)
		}
		ids = map[string]bool{}
		for _, o := range objs {
			if p, ok := o.Object.(*admissionregistrationv1.ValidatingAdmissionPolicy); ok {
				policies++
				ids[p.Labels["security.kubeposture.io/check"]] = true
			}
		}
		return policies, ids
	}
	l1, err := GenerateAdmissionPolicies("", "L1", "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	l2, err := GenerateAdmissionPolicies("", "L2", "", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	n1, ids1 := count(l1)
	n2, ids2 := count(l2)
	if n1 == 0 || n2 <= n1 || ids1["WKL-011"] || !ids2["WKL-011"] || !ids1["WKL-001"] {
		t.Errorf("L1 has %d policies %v, L2 %d %v; want L2 to add L2 checks such as WKL-011", n1, ids1, n2, ids2)
	}
	if !strings.Contains(string(l2), "- Deny") {
		t.Error("a profile without prevention is rendered in Deny")
	}
	withProfile, err := GenerateAdmissionPolicies("testdata/profile-l2-exempt.yaml", "", "Warn", "ops", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(withProfile), "- Deny") || !strings.Contains(string(withProfile), "namespace: ops") {
		t.Errorf("--mode Warn and --namespace ops are not applied:\n%s", withProfile)
	}
}

func TestGenerateCommandRejectsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"generate", "admission-policies", "--level", "L4"},
		{"generate", "admission-policies", "--mode", "Block"},
		{"generate", "admission-policies", "--profile", "testdata/missing.yaml"},
	} {
		var out, errOut bytes.Buffer
		if code := Run(t.Context(), args, &out, &errOut); code != ExitUsage || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Run(t.Context(), []string{"generate", "admission-policies", "--level", "L2"}, &out, &errOut); code != ExitCompliant || !strings.Contains(out.String(), "kind: ValidatingAdmissionPolicyBinding") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}
