package nodes

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	corev1 "k8s.io/api/core/v1"
)

func node019() check.Check {
	return check.Check{
		ID:       "NODE-019",
		Title:    "Management traffic is separated from application traffic",
		Domain:   check.DomainNodes,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.8"}, MLPS: []string{"G7c"},
		},
		Rationale: "When the API server and etcd listen on the network that carries pod, Ingress and NodePort " +
			"traffic, a compromised workload can reach them directly. Node addresses and the API server's " +
			"advertise address are only partial evidence, so a person verifies the network layout.",
		Remediation: "Put control-plane endpoints on a dedicated interface, subnet or VLAN (or a private " +
			"endpoint on a managed cluster) that application traffic cannot reach, and attest NODE-019.",
		Evaluate: nodeTrafficSeparation,
	}
}

func nodeTrafficSeparation(s *check.Snapshot, _ *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	servers := cpflags.Of(s, "kube-apiserver")
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("no kube-apiserver mirror pod in kube-system (managed control plane?): verify with your provider "+
			"that the API server endpoint is private or restricted to administrator networks, separate from the subnets of "+
			"the nodes (%s) that carry pod, Ingress and NodePort traffic; then attest NODE-019", nodeNames(s.Nodes))}
	}
	nodes := map[string]*corev1.Node{}
	for _, n := range s.Nodes {
		nodes[n.Name] = n
	}
	etcdURLs := map[string]string{}
	for _, e := range cpflags.Of(s, "etcd") {
		etcdURLs[e.Node] = strings.Trim(e.Flags["listen-client-urls"]+","+e.Flags["listen-peer-urls"], ",")
	}
	var out []check.Finding
	for _, srv := range servers {
		adv := srv.Flags["advertise-address"]
		n := nodes[srv.Node]
		var evidence string
		switch {
		case adv == "":
			evidence = "has no --advertise-address, so it advertises its node's default-route address, which usually carries application traffic too"
		case n == nil:
			evidence = fmt.Sprintf("advertises %s", adv)
		case nodeHasAddress(n, adv):
			evidence = fmt.Sprintf("advertises %s, an address of node %s that also receives NodePort traffic unless kube-proxy "+
				"--nodeport-addresses and the firewall exclude it", adv, n.Name)
		default:
			evidence = fmt.Sprintf("advertises %s, which is not among node %s's addresses (%s): a separate management interface "+
				"appears to be in use", adv, n.Name, nodeAddressList(n))
		}
		if urls := etcdURLs[srv.Node]; urls != "" {
			evidence += fmt.Sprintf("; etcd on the same node listens on %s", urls)
		}
		out = append(out, nodeManual(srv.Ref, "kube-apiserver %s; verify that the API server and etcd listen only on a "+
			"management interface or subnet that pod, Ingress and NodePort traffic cannot reach, then attest NODE-019", evidence))
	}
	return out
}

func nodeHasAddress(n *corev1.Node, addr string) bool {
	want, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, a := range n.Status.Addresses {
		if got, err := netip.ParseAddr(a.Address); err == nil && got == want {
			return true
		}
	}
	return false
}

func nodeAddressList(n *corev1.Node) string {
	var parts []string
	for _, a := range n.Status.Addresses {
		parts = append(parts, fmt.Sprintf("%s %s", a.Type, a.Address))
	}
	return strings.Join(parts, ", ")
}
