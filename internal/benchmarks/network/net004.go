package network

import (
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

func net004() check.Check {
	return check.Check{
		ID:       "NET-004",
		Title:    "Every running pod is selected by an ingress NetworkPolicy",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.9"}, CIS: []string{"5.3.2"},
		},
		Rationale: "A pod that no ingress policy selects accepts connections from anywhere in the cluster, even when " +
			"its neighbours are isolated. Cilium and Calico policies that govern ingress count as well. Pods on the host " +
			"network are left out: NetworkPolicy does not apply to them.",
		Scope: "Per pod rather than per namespace (CIS 5.3.2): a running pod must be selected by a policy governing ingress, Kubernetes NetworkPolicy, Cilium or Calico.",
		Remediation: "Add a default-deny ingress policy to the namespace (see NET-002) or a policy whose podSelector " +
			"matches the pod's labels.",
		Reads:    []string{"CiliumClusterwideNetworkPolicy.cilium.io", "CiliumNetworkPolicy.cilium.io", "GlobalNetworkPolicy.crd.projectcalico.org", "GlobalNetworkPolicy.projectcalico.org", "NetworkPolicy.crd.projectcalico.org", "NetworkPolicy.projectcalico.org"},
		Evaluate: netPodsIngressIsolated,
	}
}

// netPodsIngressIsolated is the Evaluate function of NET-004.
func netPodsIngressIsolated(s *check.Snapshot, env *check.Env) []check.Finding {
	byNS := netpol.PoliciesByNamespace(s)
	cni, out := netpol.CNIPolicies(s)
	covered := func(ns string, podLabels map[string]string) bool {
		return slices.ContainsFunc(byNS[ns], func(np *networkingv1.NetworkPolicy) bool {
			return netpol.HasPolicyType(np, networkingv1.PolicyTypeIngress) && netpol.Selects(np, ns, podLabels)
		}) || netpol.CNIIngressSelects(s, cni, ns, podLabels)
	}
	const msg = "no NetworkPolicy (nor Cilium or Calico policy) governing ingress selects it, so it accepts traffic from every pod"
	inspected := 0
	if s.Source == check.SourceManifests {
		// Manifests have no running pods: judge the pod templates instead.
		for _, w := range env.Workloads(s) {
			if len(w.Spec.Containers) == 0 || w.Spec.HostNetwork {
				continue
			}
			inspected++
			if !covered(w.Ref.Namespace, w.Template.Labels) {
				out = append(out, check.Failf(w.Ref, "%s", msg))
			}
		}
	} else {
		for _, pod := range s.Pods {
			if pod.Status.Phase != corev1.PodRunning || pod.Spec.HostNetwork || !env.Scope.InScope(s, pod.Namespace) {
				continue
			}
			inspected++
			if !covered(pod.Namespace, pod.Labels) {
				out = append(out, check.Failf(check.ObjectRef{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}, "%s", msg))
			}
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no running pod outside the host network is in scope")}
	}
	return out
}
