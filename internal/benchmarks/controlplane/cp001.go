package controlplane

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cp001() check.Check {
	return check.Check{
		ID:         "CP-001",
		Title:      "The control plane is highly available: an odd number of at least 3 control-plane nodes and etcd members, and at least 2 API servers",
		Domain:     check.DomainControlPlane,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S4.1", "S4.2"}},
		Rationale: "With a single API server or etcd member, one failed machine stops every deployment, scaling " +
			"and self-healing action. etcd needs a majority to write, so an even member count tolerates no more " +
			"failures than the odd count below it. Managed control planes are not visible and need a person to verify.",
		Remediation: "Run at least 3 control-plane nodes (an odd number; 5 with ControlPlane.StrictQuorum), each with " +
			"an API server and a stacked etcd member (kubeadm join --control-plane), behind a load balancer. On a " +
			"managed cluster, choose the provider's highly available (regional) control plane and attest it.",
		Evaluate: cpHighAvailability,
	}
}

// cpHasStaticPods reports whether any control-plane component runs as a mirror pod.
func cpHasStaticPods(s *check.Snapshot) bool {
	for _, p := range s.Pods {
		for _, c := range cpflags.Components {
			if cpflags.IsControlPlanePod(p, c) {
				return true
			}
		}
	}
	return false
}

// cpManagedControlPlane reports whether no part of the control plane is visible, as on EKS,
// GKE or AKS.
func cpManagedControlPlane(s *check.Snapshot) bool {
	return len(cpNodes(s)) == 0 && !cpHasStaticPods(s)
}

func cpHighAvailability(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("control-plane availability is a fact of a live cluster")}
	}
	endpoints, sliceRef := cpAPIServerEndpoints(s)
	if cpManagedControlPlane(s) {
		return []check.Finding{check.Manualf("managed control plane: no control-plane node or mirror pod is visible and default/kubernetes "+
			"lists %d API server endpoint(s); verify with your provider that the control plane runs at least 3 API servers "+
			"and an odd etcd quorum of at least 3 members (a regional or highly available tier), then attest it", len(endpoints))}
	}
	minimum := 3
	if env.Params.ControlPlane.StrictQuorum {
		minimum = 5
	}
	var out []check.Finding
	if nodes := cpNodes(s); len(nodes) < minimum || len(nodes)%2 == 0 {
		out = append(out, check.Failf(check.ObjectRef{Kind: "Node"}, "%d control-plane node(s) (%s); want an odd number of at least %d",
			len(nodes), cpNodeNames(nodes), minimum))
	}
	out = append(out, cpEtcdQuorum(s, minimum)...)

	apiservers := cpflags.Of(s, "kube-apiserver")
	switch {
	case sliceRef.Name != "" && len(endpoints) < 2:
		out = append(out, check.Failf(sliceRef, "the kubernetes Service has %d ready API server endpoint(s) (%s); want at least 2",
			len(endpoints), strings.Join(endpoints, ", ")))
	case sliceRef.Name == "" && len(apiservers) > 0 && len(apiservers) < 2:
		out = append(out, check.Failf(apiservers[0].Ref, "only 1 kube-apiserver runs; want at least 2"))
	}
	return out
}

// cpAPIServerEndpoints returns the ready addresses of the default/kubernetes Service and the
// EndpointSlice that lists them (an empty reference when there is none in the snapshot).
func cpAPIServerEndpoints(s *check.Snapshot) ([]string, check.ObjectRef) {
	var ref check.ObjectRef
	seen := map[string]bool{}
	var out []string
	for _, es := range s.EndpointSlices {
		if es.Namespace != metav1.NamespaceDefault || es.Labels[discoveryv1.LabelServiceName] != "kubernetes" {
			continue
		}
		if ref.Name == "" {
			ref = check.ObjectRef{Kind: "EndpointSlice", Namespace: es.Namespace, Name: es.Name}
		}
		for _, ep := range es.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				if !seen[a] {
					seen[a] = true
					out = append(out, a)
				}
			}
		}
	}
	sort.Strings(out)
	return out, ref
}

// cpEtcdQuorum checks the etcd member count from the best source available: the etcd mirror
// pods, nodes with RKE's or k3s's etcd role, or the API server's --etcd-servers.
func cpEtcdQuorum(s *check.Snapshot, minimum int) []check.Finding {
	bad := func(n int) bool { return n < minimum || n%2 == 0 }
	if pods := cpflags.Of(s, "etcd"); len(pods) > 0 {
		members := cpEtcdMembers(pods)
		if bad(len(members)) {
			return []check.Finding{check.Failf(check.ObjectRef{Kind: "Pod", Namespace: metav1.NamespaceSystem},
				"etcd has %d member(s) (%s); want an odd number of at least %d", len(members), strings.Join(members, ", "), minimum)}
		}
		return nil
	}
	var etcdNodes []*corev1.Node
	for _, n := range s.Nodes {
		if _, ok := n.Labels["node-role.kubernetes.io/etcd"]; ok {
			etcdNodes = append(etcdNodes, n)
		}
	}
	if len(etcdNodes) > 0 {
		if bad(len(etcdNodes)) {
			return []check.Finding{check.Failf(check.ObjectRef{Kind: "Node"}, "%d etcd node(s) (%s); want an odd number of at least %d",
				len(etcdNodes), cpNodeNames(etcdNodes), minimum)}
		}
		return nil
	}
	servers := map[string]bool{}
	for _, api := range cpflags.Of(s, "kube-apiserver") {
		for _, u := range strings.Split(api.Flags["etcd-servers"], ",") {
			if u = strings.TrimSpace(u); u != "" && !cpLoopbackURL(u) {
				servers[u] = true
			}
		}
	}
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("etcd is not visible (no etcd mirror pod, no etcd node role, no remote --etcd-servers): " +
			"verify that etcd has an odd number of at least 3 members (etcdctl member list) and attest it")}
	}
	if bad(len(servers)) {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "Pod", Namespace: metav1.NamespaceSystem},
			"kube-apiserver --etcd-servers lists %d external etcd member(s) (%s); want an odd number of at least %d",
			len(servers), strings.Join(slices.Sorted(maps.Keys(servers)), ", "), minimum)}
	}
	return nil
}

// cpEtcdMembers returns the etcd member names the pods know of: each pod's --name and the
// members of its --initial-cluster. kubeadm writes --initial-cluster once, when a member joins,
// so only the union over every pod lists the whole cluster.
func cpEtcdMembers(pods []cpflags.Component) []string {
	members := map[string]bool{}
	for _, p := range pods {
		name := p.Flags["name"]
		if name == "" {
			name = p.Ref.Name
		}
		members[name] = true
		for _, m := range strings.Split(p.Flags["initial-cluster"], ",") {
			if n, _, ok := strings.Cut(strings.TrimSpace(m), "="); ok && n != "" {
				members[n] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(members))
}

func cpLoopbackURL(u string) bool {
	host := u
	if _, rest, ok := strings.Cut(u, "://"); ok {
		host = rest
	}
	return strings.HasPrefix(host, "127.") || strings.HasPrefix(host, "localhost") || strings.HasPrefix(host, "[::1]")
}
