package network

import (
	"fmt"
	"slices"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func net003() check.Check {
	return check.Check{
		ID:       "NET-003",
		Title:    "Every namespace restricts egress, and sensitive namespaces cannot reach every address",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.9"}, NIST: []string{"4.4.2"}, MLPS: []string{"G2c"},
		},
		Rationale: "Unrestricted egress lets a compromised container scan the network, reach the API server and " +
			"internal services, and exfiltrate data. Namespaces holding sensitive data must not reach the internet " +
			"through a 0.0.0.0/0 or ::/0 ipBlock. Egress denied completely, DNS included, is the strictest posture " +
			"and passes: a DNS allowance is a matter of the workloads working, not of exposure.",
		Scope: "Not in CIS. Egress denied completely, DNS included, passes: it is the strictest posture, and a missing DNS allowance breaks the workloads rather than exposing them.",
		Remediation: "Add a default-deny egress policy (podSelector: {}, policyTypes: [Egress], no egress rules) plus a " +
			"policy allowing DNS (port 53) to the cluster DNS, or a namespace-wide policy listing the allowed " +
			"destinations. In namespaces labelled confidential, secret, sensitive or restricted, replace " +
			"0.0.0.0/0 and ::/0 ipBlocks with the specific destinations.",
		AutoRemediation:     securityv1alpha1.ActionDefaultDenyNetworkPolicy,
		AutoRemediationNote: "with remediation.egress, or at L3 (default-deny egress plus a DNS allowance)",
		Evaluate:            netEgressRestricted,
	}
}

// netEgressRestricted is the Evaluate function of NET-003.
func netEgressRestricted(s *check.Snapshot, env *check.Env) []check.Finding {
	namespaces := env.Scope.Namespaces(s)
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	p := env.Params.Network
	byNS := netpol.PoliciesByNamespace(s)
	var out []check.Finding
	for _, ns := range namespaces {
		pols := byNS[ns.Name]
		if msg := netNamespaceEgressGap(pols); msg != "" {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "%s", msg))
		}
		class := ns.Labels[env.Params.ClassificationLabel]
		if class == "" || !slices.ContainsFunc(p.SensitiveClassifications, func(c string) bool { return strings.EqualFold(c, class) }) {
			continue
		}
		for _, np := range pols {
			if problems := netOpenEgressRules(np); len(problems) > 0 {
				out = append(out, check.Failf(check.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name},
					"namespace is classified %q but %s", class, strings.Join(problems, "; ")))
			}
		}
	}
	return out
}

// netNamespaceEgressGap explains why the policies of one namespace leave egress open, or
// returns "" when they restrict it.
func netNamespaceEgressGap(pols []*networkingv1.NetworkPolicy) string {
	var denyAll, restricted bool
	for _, np := range pols {
		if !netpol.HasPolicyType(np, networkingv1.PolicyTypeEgress) {
			continue
		}
		if !netpol.SelectsAll(np) {
			continue
		}
		if len(np.Spec.Egress) == 0 {
			denyAll = true
			continue
		}
		// Policies add up: one rule open to every destination on every port cancels any deny.
		if slices.ContainsFunc(np.Spec.Egress, func(r networkingv1.NetworkPolicyEgressRule) bool {
			return len(r.Ports) == 0 && netEgressEverywhere(r) != ""
		}) {
			return fmt.Sprintf("NetworkPolicy %q allows egress from every pod to every destination on every port", np.Name)
		}
		restricted = true
	}
	if !denyAll && !restricted {
		return "no NetworkPolicy with podSelector {} and policyTypes [Egress] restricts egress of every pod"
	}
	return ""
}

// netOpenEgressRules describes the egress rules of np that reach every address, for sensitive
// namespaces. A rule without destinations limited to DNS ports is accepted: it is the usual DNS
// allowance.
func netOpenEgressRules(np *networkingv1.NetworkPolicy) []string {
	if !netpol.HasPolicyType(np, networkingv1.PolicyTypeEgress) {
		return nil
	}
	var out []string
	for i, r := range np.Spec.Egress {
		for _, peer := range r.To {
			if peer.IPBlock != nil && netIsWholeInternet(peer.IPBlock.CIDR) {
				out = append(out, fmt.Sprintf("egress rule %d allows ipBlock %s", i+1, peer.IPBlock.CIDR))
			}
		}
		if len(r.To) == 0 && !netOnlyDNSPorts(r.Ports) {
			out = append(out, fmt.Sprintf("egress rule %d allows every destination (no to)", i+1))
		}
	}
	return out
}

// netEgressEverywhere returns why the rule's destinations are every address, or "".
func netEgressEverywhere(r networkingv1.NetworkPolicyEgressRule) string {
	if len(r.To) == 0 {
		return "no to"
	}
	for _, peer := range r.To {
		if peer.IPBlock != nil && netIsWholeInternet(peer.IPBlock.CIDR) {
			return "ipBlock " + peer.IPBlock.CIDR
		}
	}
	return ""
}

// netOnlyDNSPorts reports whether ports is a non-empty list of DNS ports only.
func netOnlyDNSPorts(ports []networkingv1.NetworkPolicyPort) bool {
	if len(ports) == 0 {
		return false
	}
	for _, p := range ports {
		switch {
		case p.Port == nil:
			return false
		case p.Port.Type == intstr.String:
			if p.Port.StrVal != "dns" && p.Port.StrVal != "dns-tcp" {
				return false
			}
		case p.Port.IntVal != 53 || (p.EndPort != nil && *p.EndPort != 53):
			return false
		}
	}
	return true
}
