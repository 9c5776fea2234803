package netpol

import (
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// policiesByNamespaceKey names the grouping, derived once per snapshot.
type policiesByNamespaceKey struct{}

// PoliciesByNamespace groups the snapshot's NetworkPolicies by namespace, once per snapshot for
// every check that asks; the map is read-only.
func PoliciesByNamespace(s *check.Snapshot) map[string][]*networkingv1.NetworkPolicy {
	return check.Derived(s, policiesByNamespaceKey{}, groupPoliciesByNamespace)
}

func groupPoliciesByNamespace(s *check.Snapshot) map[string][]*networkingv1.NetworkPolicy {
	out := map[string][]*networkingv1.NetworkPolicy{}
	for _, np := range s.NetworkPolicies {
		out[np.Namespace] = append(out[np.Namespace], np)
	}
	return out
}

// Selects reports whether np applies to a pod with podLabels in namespace ns. An empty
// podSelector selects every pod of the policy's namespace.
func Selects(np *networkingv1.NetworkPolicy, ns string, podLabels map[string]string) bool {
	if np.Namespace != ns {
		return false
	}
	if SelectsAll(np) {
		return true
	}
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	// The API server rejects an invalid selector, so such a policy protects nothing.
	return err == nil && sel.Matches(labels.Set(podLabels))
}

// SelectsAll reports whether the policy's pod selector selects every pod of its namespace.
func SelectsAll(np *networkingv1.NetworkPolicy) bool {
	return len(np.Spec.PodSelector.MatchLabels) == 0 && len(np.Spec.PodSelector.MatchExpressions) == 0
}

// HasPolicyType reports whether np governs traffic in direction t. Manifests may omit
// policyTypes; the API server then takes Ingress, plus Egress when there are egress rules.
func HasPolicyType(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return t == networkingv1.PolicyTypeIngress || (t == networkingv1.PolicyTypeEgress && len(np.Spec.Egress) > 0)
	}
	return slices.Contains(np.Spec.PolicyTypes, t)
}

// IsDefaultDeny reports whether np is a default-deny policy for direction t: it selects every
// pod of its namespace, governs t, and has no rule for t. NET-002 and NET-003 accept it, and
// remediation creates one only where no such policy exists.
func IsDefaultDeny(np *networkingv1.NetworkPolicy, t networkingv1.PolicyType) bool {
	if !SelectsAll(np) || !HasPolicyType(np, t) {
		return false
	}
	if t == networkingv1.PolicyTypeIngress {
		return len(np.Spec.Ingress) == 0
	}
	return len(np.Spec.Egress) == 0
}
