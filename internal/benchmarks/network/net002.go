package network

import (
	"fmt"
	"slices"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	networkingv1 "k8s.io/api/networking/v1"
)

func net002() check.Check {
	return check.Check{
		ID:       "NET-002",
		Title:    "Every namespace has a default-deny ingress NetworkPolicy",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S7.5"}, NIST: []string{"4.3.3"}, MLPS: []string{"G2c"}, CIS: []string{"5.3.2"},
		},
		Rationale: "Pods accept traffic from every pod in the cluster until a policy selects them. A default-deny " +
			"ingress policy makes isolation the default, so a new workload is not reachable until someone allows it. " +
			"A CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, or Calico NetworkPolicy or GlobalNetworkPolicy " +
			"that selects every pod of the namespace and allows no ingress counts as well.",
		Scope: "CIS 5.3.2 asks for NetworkPolicies in every namespace; this check asks for a default-deny ingress policy and also accepts Cilium and Calico policies that deny all ingress to the namespace.",
		Remediation: "Create a NetworkPolicy with podSelector: {}, policyTypes: [Ingress] and no ingress rules in " +
			"each namespace, then add policies allowing the traffic each application needs.",
		AutoRemediation:     securityv1alpha1.ActionDefaultDenyNetworkPolicy,
		AutoRemediationNote: "(a default-deny ingress policy per namespace)",
		Reads:               []string{"CiliumClusterwideNetworkPolicy.cilium.io", "CiliumNetworkPolicy.cilium.io", "GlobalNetworkPolicy.crd.projectcalico.org", "GlobalNetworkPolicy.projectcalico.org", "NetworkPolicy.crd.projectcalico.org", "NetworkPolicy.projectcalico.org"},
		Evaluate:            netDefaultDenyIngress,
	}
}

// netDefaultDenyIngress is the Evaluate function of NET-002.
func netDefaultDenyIngress(s *check.Snapshot, env *check.Env) []check.Finding {
	namespaces := env.Scope.Namespaces(s)
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	byNS := netpol.PoliciesByNamespace(s)
	cni, out := netpol.CNIPolicies(s)
	for _, ns := range namespaces {
		pols := byNS[ns.Name]
		if slices.ContainsFunc(pols, func(np *networkingv1.NetworkPolicy) bool {
			return netpol.IsDefaultDeny(np, networkingv1.PolicyTypeIngress)
		}) || netpol.CNIDefaultDenyIngress(s, cni, ns.Name) != "" {
			continue
		}
		has := "it has no NetworkPolicy and needs"
		if len(pols) > 0 {
			has = fmt.Sprintf("none of its %d NetworkPolicies is", len(pols))
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name},
			"%s a default-deny ingress policy (podSelector {}, policyTypes [Ingress], no ingress rules)", has))
	}
	return out
}
