package network

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func net001() check.Check {
	return check.Check{
		ID:       "NET-001",
		Title:    "The CNI enforces NetworkPolicy",
		Domain:   check.DomainNetwork,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S7.1"}, CIS: []string{"5.3.1"},
		},
		Rationale: "NetworkPolicies are only enforced by the network plugin. With a plugin that ignores them " +
			"(flannel alone, for example) every policy in the cluster is silently inert.",
		Remediation: "Run a CNI that enforces NetworkPolicy (Calico, Cilium, Antrea, kube-router, Canal…), or add a " +
			"policy agent beside the current CNI. If the cluster's CNI enforces policies but is not recognised, add " +
			"its DaemonSet name to Network.PolicyCNIs.",
		Evaluate: netCNIEnforcesPolicy,
	}
}

// netCNIEnforcesPolicy is the Evaluate function of NET-001.
func netCNIEnforcesPolicy(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the installed CNI is a cluster-wide fact that manifests do not show")}
	}
	p := env.Params.Network
	var out []check.Finding
	for _, ds := range s.DaemonSets {
		if !slices.Contains(p.CNINamespaces, ds.Namespace) {
			continue
		}
		ref := check.ObjectRef{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}
		switch {
		case netDaemonSetMatches(ds, p.PolicyCNIs):
			if ds.Status.DesiredNumberScheduled > 0 && ds.Status.NumberReady == 0 {
				out = append(out, check.Failf(ref, "policy-enforcing CNI has no ready pod of %d scheduled, so NetworkPolicies are not enforced",
					ds.Status.DesiredNumberScheduled))
				continue
			}
			return nil
		case netDaemonSetMatches(ds, p.NonPolicyCNIs):
			out = append(out, check.Failf(ref, "CNI does not enforce NetworkPolicy and no DaemonSet matching Network.PolicyCNIs runs beside it"))
		}
	}
	if len(out) == 0 {
		return []check.Finding{check.Manualf("no DaemonSet in %s is a known CNI; verify that the cluster's CNI enforces NetworkPolicy, "+
			"or add its DaemonSet name to Network.PolicyCNIs", strings.Join(p.CNINamespaces, ", "))}
	}
	return out
}
