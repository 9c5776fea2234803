package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"
)

// psaRule evaluates one Pod Security Admission rule (the newest version of a check from
// k8s.io/pod-security-admission/policy) on pod specs.
type psaRule struct {
	id    policy.CheckID
	check policy.CheckPodFn
}

func newPSARule(c policy.Check) psaRule {
	return psaRule{id: c.ID, check: c.Versions[len(c.Versions)-1].CheckPod}
}

// violation returns the rule's reason and detail when spec breaks it, or "" when it complies.
func (r psaRule) violation(meta *metav1.ObjectMeta, spec *corev1.PodSpec) string {
	res := r.check(meta, spec)
	if res.Allowed {
		return ""
	}
	if res.ForbiddenDetail == "" {
		return res.ForbiddenReason
	}
	return fmt.Sprintf("%s (%s)", res.ForbiddenReason, res.ForbiddenDetail)
}

// psaEvaluate returns an Evaluate function that flags every in-scope workload breaking any of
// the given Pod Security Admission rules.
func psaEvaluate(rules ...psaRule) func(s *check.Snapshot) []check.Finding {
	return func(s *check.Snapshot) []check.Finding {
		var out []check.Finding
		for _, w := range s.Workloads() {
			for _, r := range rules {
				if v := r.violation(w.Template, w.Spec); v != "" {
					out = append(out, check.Failf(w.Ref, "%s", v))
				}
			}
		}
		return out
	}
}
