package network

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func net006() check.Check {
	return check.Check{
		ID:       "NET-006",
		Title:    "Pod-to-pod and node-to-node traffic is encrypted",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S7.10"}, NIST: []string{"4.3.5", "7.3.2"},
		},
		Rationale: "Unencrypted cluster traffic can be read or altered by anyone with access to the node network. " +
			"Accepted evidence: Cilium WireGuard or IPsec, Calico WireGuard, or mesh-wide Istio mTLS STRICT; " +
			"encryption provided outside the cluster cannot be seen through the API and needs a manual review.",
		Remediation: "Enable enable-wireguard or enable-ipsec in cilium-config, set wireguardEnabled: true in the " +
			"default Calico FelixConfiguration, or apply a PeerAuthentication with mtls.mode: STRICT and no selector " +
			"in the Istio root namespace.",
		Reads:    []string{gkFelixConfiguration, gkPeerAuthentication},
		Evaluate: netTrafficEncrypted,
	}
}

// netTrafficEncrypted is the Evaluate function of NET-006.
func netTrafficEncrypted(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("in-transit encryption is a cluster-wide fact that manifests do not show")}
	}
	var out []check.Finding
	if cm := netCiliumConfig(s); cm != nil {
		if cm.Data["enable-wireguard"] == "true" || cm.Data["enable-ipsec"] == "true" {
			return nil
		}
		out = append(out, check.Failf(netConfigMapRef(cm), `Cilium encrypts no traffic: enable-wireguard and enable-ipsec are not "true"`))
	}
	if fc := netExtraObject(s, gkFelixConfiguration, "", "default"); fc != nil {
		wg, _, _ := unstructured.NestedBool(fc.Object, "spec", "wireguardEnabled")
		wg6, _, _ := unstructured.NestedBool(fc.Object, "spec", "wireguardEnabledV6")
		if wg || wg6 {
			return nil
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "FelixConfiguration", Name: "default"},
			"Calico encrypts no traffic: spec.wireguardEnabled is not true"))
	}
	if s.HasExtra(gkPeerAuthentication) {
		root := env.Params.Network.MeshRootNamespace
		for _, pa := range s.ExtraObjects(gkPeerAuthentication) {
			_, hasSelector, _ := unstructured.NestedMap(pa.Object, "spec", "selector")
			mode, _, _ := unstructured.NestedString(pa.Object, "spec", "mtls", "mode")
			if pa.GetNamespace() == root && !hasSelector && mode == "STRICT" {
				return nil
			}
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: root},
			"Istio is installed but no PeerAuthentication without selector in the root namespace %s sets mtls.mode STRICT", root))
	}
	if len(out) == 0 {
		return []check.Finding{check.Manualf("no Cilium, Calico or Istio encryption setting was found; verify that pod-to-pod and " +
			"node-to-node traffic is encrypted by the CNI, a service mesh or the underlying network, and attest it")}
	}
	return out
}
