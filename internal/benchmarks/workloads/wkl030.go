package workloads

import (
	"fmt"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func wkl030() check.Check {
	return check.Check{
		ID:         "WKL-030",
		Title:      "Every namespace has a quarantine NetworkPolicy",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{NIST: []string{"7.3.2"}, MLPS: []string{"G4i", "G5b"}},
		Rationale: "Isolating a compromised pod must take one label, not an improvised policy during an " +
			"incident. Because NetworkPolicies add up, other policies that allow traffic should exclude " +
			"pods labelled " + check.LabelQuarantine + "=true for the quarantine to be complete.",
		Remediation: "In each namespace create a NetworkPolicy whose podSelector matches " + check.LabelQuarantine +
			"=true, with policyTypes [Ingress, Egress] and no rules; add " + check.LabelQuarantine +
			" NotIn [\"true\"] to the podSelector of the namespace's allow policies.",
		AutoRemediation: securityv1alpha1.ActionQuarantineNetworkPolicy,
		Evaluate:        lcQuarantinePolicy,
	}
}

// WKL-030.
func lcQuarantinePolicy(s *check.Snapshot, env *check.Env) []check.Finding {
	namespaces := env.Scope.Namespaces(s)
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace to inspect")}
	}
	have := map[string]bool{}
	nearMisses := map[string][]string{} // namespace -> why its quarantine-selecting policies fall short
	for _, np := range s.NetworkPolicies {
		selects, gap := lcQuarantineGap(&np.Spec)
		switch {
		case !selects:
		case gap == "":
			have[np.Namespace] = true
		default:
			nearMisses[np.Namespace] = append(nearMisses[np.Namespace], fmt.Sprintf("policy %q %s", np.Name, gap))
		}
	}
	var out []check.Finding
	for _, ns := range namespaces {
		if have[ns.Name] {
			continue
		}
		msg := fmt.Sprintf("no NetworkPolicy selects pods labelled %s=true and denies all their ingress and egress", check.LabelQuarantine)
		if misses := nearMisses[ns.Name]; len(misses) > 0 {
			msg += ": " + strings.Join(misses, "; ")
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "%s", msg))
	}
	return out
}

// lcQuarantineGap reports whether the policy selects quarantined pods, and only those rather than
// every pod, and if so what keeps it from cutting off all their traffic ("" when nothing does).
func lcQuarantineGap(spec *networkingv1.NetworkPolicySpec) (selects bool, gap string) {
	sel, err := metav1.LabelSelectorAsSelector(&spec.PodSelector)
	if err != nil || !sel.Matches(labels.Set{check.LabelQuarantine: "true"}) || sel.Matches(labels.Set{}) {
		return false, ""
	}
	var ingress, egress bool
	for _, t := range spec.PolicyTypes {
		ingress = ingress || t == networkingv1.PolicyTypeIngress
		egress = egress || t == networkingv1.PolicyTypeEgress
	}
	var gaps []string
	if !ingress || !egress {
		gaps = append(gaps, "does not list both Ingress and Egress in policyTypes")
	}
	if len(spec.Ingress) > 0 {
		gaps = append(gaps, "allows some ingress")
	}
	if len(spec.Egress) > 0 {
		gaps = append(gaps, "allows some egress")
	}
	return true, strings.Join(gaps, " and ")
}
