package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func net009() check.Check {
	return check.Check{
		ID:       "NET-009",
		Title:    "Pod, service, node and external networks do not overlap",
		Domain:   check.DomainNetwork,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.11"},
		},
		Rationale: "Overlapping ranges make traffic go to the wrong destination: pods cannot reach an external " +
			"network whose addresses the cluster also uses, and policies written for one range match the other. " +
			"Node subnets are not in the API, so node addresses are compared as single addresses.",
		Remediation: "Re-plan the cluster's pod and service CIDRs so that they are disjoint from each other, from the " +
			"node network and from the networks listed in Network.ExternalCIDRs.",
		Evaluate: netNoCIDROverlap,
	}
}

// netNoCIDROverlap is the Evaluate function of NET-009.
func netNoCIDROverlap(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the cluster's address ranges are cluster-wide facts that manifests do not show")}
	}
	var external []netRange
	for _, c := range env.Params.Network.ExternalCIDRs {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return []check.Finding{check.Errorf(check.ObjectRef{}, "Network.ExternalCIDRs: %q is not a CIDR", c)}
		}
		external = append(external, netRange{prefix: pfx.Masked(), what: "external CIDR " + c})
	}
	// Sets in the order that decides which object a finding names: the first of an overlapping pair.
	sets := [][]netRange{netNodePodCIDRs(s), netServiceCIDRs(s), netNodeAddresses(s), external}
	known := 0
	for _, set := range sets {
		if len(set) > 0 {
			known++
		}
	}
	if known < 2 {
		return []check.Finding{check.NotApplicablef("fewer than two of pod CIDRs, service CIDR, node addresses and Network.ExternalCIDRs are known")}
	}
	problems := map[check.ObjectRef][]string{}
	var order []check.ObjectRef
	report := func(a, b netRange) {
		if !a.prefix.Overlaps(b.prefix) {
			return
		}
		if _, seen := problems[a.owner]; !seen {
			order = append(order, a.owner)
		}
		other := b.what
		if b.owner.Kind == "Node" {
			other += " of node " + b.owner.Name
		}
		problems[a.owner] = append(problems[a.owner], fmt.Sprintf("%s overlaps %s", a.what, other))
	}
	for i, set := range sets {
		for j, a := range set {
			if i == 0 { // pod ranges of two nodes must not overlap either
				for _, b := range set[j+1:] {
					if a.owner != b.owner {
						report(a, b)
					}
				}
			}
			for _, other := range sets[i+1:] {
				for _, b := range other {
					report(a, b)
				}
			}
		}
	}
	var out []check.Finding
	for _, ref := range order {
		out = append(out, check.Failf(ref, "%s", strings.Join(problems[ref], "; ")))
	}
	return out
}

// netServiceCIDRs reads --service-cluster-ip-range from the kube-apiserver mirror pods; managed
// control planes have none, and the range is then unknown.
func netServiceCIDRs(s *check.Snapshot) []netRange {
	var out []netRange
	for _, pod := range s.Pods {
		if pod.Namespace != "kube-system" || (pod.Labels["component"] != "kube-apiserver" && !strings.HasPrefix(pod.Name, "kube-apiserver")) {
			continue
		}
		ref := check.ObjectRef{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}
		for _, c := range pod.Spec.Containers {
			args := slices.Concat(c.Command, c.Args)
			for i, a := range args {
				var v string
				switch {
				case strings.HasPrefix(a, "--service-cluster-ip-range="):
					v = strings.TrimPrefix(a, "--service-cluster-ip-range=")
				case a == "--service-cluster-ip-range" && i+1 < len(args):
					v = args[i+1]
				default:
					continue
				}
				for _, cidr := range strings.Split(v, ",") {
					cidr = strings.TrimSpace(cidr)
					if pfx, err := netip.ParsePrefix(cidr); err == nil {
						out = append(out, netRange{pfx.Masked(), ref, "service CIDR " + cidr})
					}
				}
			}
		}
		if len(out) > 0 {
			return out // every API server of a cluster has the same range
		}
	}
	return out
}

// netNodeAddresses returns each node's InternalIP as a single-address range.
func netNodeAddresses(s *check.Snapshot) []netRange {
	var out []netRange
	for _, n := range s.Nodes {
		for _, a := range n.Status.Addresses {
			if a.Type != corev1.NodeInternalIP {
				continue
			}
			if addr, err := netip.ParseAddr(a.Address); err == nil {
				out = append(out, netRange{netip.PrefixFrom(addr, addr.BitLen()), check.ObjectRef{Kind: "Node", Name: n.Name}, "InternalIP " + a.Address})
			}
		}
	}
	return out
}
