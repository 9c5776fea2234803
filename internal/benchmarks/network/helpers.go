package network

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Optional kinds the NET- checks read from Snapshot.Extra.
const (
	gkFelixConfiguration = "FelixConfiguration.crd.projectcalico.org"
	gkPeerAuthentication = "PeerAuthentication.security.istio.io"
	gkGateway            = "Gateway.gateway.networking.k8s.io"
)

// netDaemonSetMatches reports whether the DaemonSet's name or app label matches one of the patterns.
func netDaemonSetMatches(ds *appsv1.DaemonSet, patterns []string) bool {
	names := []string{ds.Name, ds.Labels["k8s-app"], ds.Labels["app.kubernetes.io/name"], ds.Labels["app"]}
	for _, pat := range patterns {
		for _, n := range names {
			if n != "" && glob.Match(pat, n) {
				return true
			}
		}
	}
	return false
}

// netIsWholeInternet reports whether cidr is 0.0.0.0/0 or ::/0 (any /0 prefix).
func netIsWholeInternet(cidr string) bool {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && pfx.Bits() == 0
}

func netProtocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// netRange is an address range of the cluster with the object it belongs to.
type netRange struct {
	prefix netip.Prefix
	owner  check.ObjectRef
	what   string
}

// netNodePodCIDRs returns the pod ranges assigned to nodes.
func netNodePodCIDRs(s *check.Snapshot) []netRange {
	var out []netRange
	for _, n := range s.Nodes {
		cidrs := n.Spec.PodCIDRs
		if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
			cidrs = []string{n.Spec.PodCIDR}
		}
		for _, c := range cidrs {
			if pfx, err := netip.ParsePrefix(c); err == nil {
				out = append(out, netRange{pfx.Masked(), check.ObjectRef{Kind: "Node", Name: n.Name}, "pod CIDR " + c})
			}
		}
	}
	// By node name: the first node of an overlapping pair is the one named, whatever order the
	// cluster lists nodes in.
	slices.SortStableFunc(out, func(a, b netRange) int { return strings.Compare(a.owner.Name, b.owner.Name) })
	return out
}

// netCiliumConfig returns the kube-system/cilium-config ConfigMap, or nil when Cilium is not
// configured. Only kube-system ConfigMaps keep their data in the operator's cache.
func netCiliumConfig(s *check.Snapshot) *corev1.ConfigMap {
	for _, cm := range s.ConfigMaps {
		if cm.Name == "cilium-config" && cm.Namespace == "kube-system" {
			return cm
		}
	}
	return nil
}

func netConfigMapRef(cm *corev1.ConfigMap) check.ObjectRef {
	return check.ObjectRef{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name}
}

// netExtraObject returns the optional-kind object with the given namespace and name, or nil.
func netExtraObject(s *check.Snapshot, groupKind, namespace, name string) *unstructured.Unstructured {
	for _, o := range s.ExtraObjects(groupKind) {
		if o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}
