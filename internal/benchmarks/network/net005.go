package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	networkingv1 "k8s.io/api/networking/v1"
)

func net005() check.Check {
	return check.Check{
		ID:       "NET-005",
		Title:    "Ingress rules admit specific namespaces and pods selected by labels",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.9"}, NIST: []string{"4.3.3"}, MLPS: []string{"G2c", "G2d"},
		},
		Rationale: "A rule with no from, a namespaceSelector: {} or a 0.0.0.0/0 ipBlock undoes namespace isolation. " +
			"Rules that name pods by IP break when pods move, so permissions must follow labels.",
		Remediation: "Replace empty from lists and namespaceSelector: {} with selectors naming the client namespaces " +
			"and pods, and replace ipBlocks covering pod addresses with podSelector/namespaceSelector peers. Label " +
			"namespaces that serve every namespace (ingress controllers, monitoring) kubeposture.io/shared=true.",
		Evaluate: netNamespaceIsolation,
	}
}

// netNamespaceIsolation is the Evaluate function of NET-005.
func netNamespaceIsolation(s *check.Snapshot, env *check.Env) []check.Finding {
	podCIDRs := netNodePodCIDRs(s)
	var out []check.Finding
	inspected := 0
	for _, np := range s.NetworkPolicies {
		if !env.Scope.InScope(s, np.Namespace) || !netpol.HasPolicyType(np, networkingv1.PolicyTypeIngress) {
			continue
		}
		if ns := s.Namespace(np.Namespace); ns != nil && ns.Labels[check.LabelSharedNamespace] == "true" {
			continue
		}
		inspected++
		var problems []string
		for i, r := range np.Spec.Ingress {
			if len(r.From) == 0 {
				problems = append(problems, fmt.Sprintf("ingress rule %d admits every source (no from)", i+1))
			}
			for _, peer := range r.From {
				problems = append(problems, netPeerIsolationProblems(i+1, peer, podCIDRs)...)
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name},
				"%s", strings.Join(problems, "; ")))
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no ingress NetworkPolicy is in scope outside shared namespaces")}
	}
	return out
}

// netPeerIsolationProblems describes how one peer of ingress rule n breaks namespace isolation.
func netPeerIsolationProblems(n int, peer networkingv1.NetworkPolicyPeer, podCIDRs []netRange) []string {
	var out []string
	if sel := peer.NamespaceSelector; sel != nil && len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		out = append(out, fmt.Sprintf("ingress rule %d admits every namespace (namespaceSelector {})", n))
	}
	if peer.IPBlock == nil {
		return out
	}
	if netIsWholeInternet(peer.IPBlock.CIDR) {
		return append(out, fmt.Sprintf("ingress rule %d admits every address (ipBlock %s)", n, peer.IPBlock.CIDR))
	}
	pfx, err := netip.ParsePrefix(peer.IPBlock.CIDR)
	if err != nil {
		return out
	}
	for _, pod := range podCIDRs {
		if pfx.Overlaps(pod.prefix) {
			return append(out, fmt.Sprintf("ingress rule %d selects pods by IP (ipBlock %s overlaps pod CIDR %s of node %s)",
				n, peer.IPBlock.CIDR, pod.prefix, pod.owner.Name))
		}
	}
	return out
}
