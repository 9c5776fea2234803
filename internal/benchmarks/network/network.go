package network

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/tlshost"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Optional kinds the NET- checks read from Snapshot.Extra.
const (
	gkFelixConfiguration = "FelixConfiguration.crd.projectcalico.org"
	gkPeerAuthentication = "PeerAuthentication.security.istio.io"
	gkGateway            = "Gateway.gateway.networking.k8s.io"
)

// Checks returns the NET- checks.
func Checks() []check.Check {
	return []check.Check{
		{
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
		},
		{
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
			AutoRemediation: "DefaultDenyNetworkPolicy (a default-deny ingress policy per namespace)",
			Evaluate:        netDefaultDenyIngress,
		},
		{
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
			AutoRemediation: "DefaultDenyNetworkPolicy with remediation.egress, or at L3 (default-deny egress plus a DNS allowance)",
			Evaluate:        netEgressRestricted,
		},
		{
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
			Evaluate: netPodsIngressIsolated,
		},
		{
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
		},
		{
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
			Evaluate: netTrafficEncrypted,
		},
		{
			ID:       "NET-007",
			Title:    "Published ports are approved and no host port is below 1024",
			Domain:   check.DomainNetwork,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S7.12"},
			},
			Rationale: "Every NodePort, LoadBalancer, external IP and host port is a way into the cluster that bypasses " +
				"the ingress path, so each must be a deliberate decision. Ports below 1024 on the host are privileged " +
				"and collide with system services.",
			Remediation: "Use ClusterIP Services behind an Ingress or Gateway where possible. Approve each remaining " +
				"exposure with the annotation kubeposture.io/exposure-approved (a ticket or reason) on the Service or " +
				"workload, and move host ports to 1024 or above.",
			Evaluate: netPublishedPortsApproved,
		},
		{
			ID:       "NET-008",
			Title:    "Host ports and NodePorts are bound to specific interfaces",
			Domain:   check.DomainNetwork,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S7.7"},
			},
			Rationale: "A host port without hostIP and a kube-proxy without nodePortAddresses listen on every node " +
				"interface, including management and public ones.",
			Remediation: "Set hostIP on every hostPort entry, and set nodePortAddresses (for example the node subnet or " +
				"\"primary\") in the config.conf of the kube-system/kube-proxy ConfigMap.",
			Evaluate: netPortsBound,
		},
		{
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
		},
		{
			ID:       "NET-010",
			Title:    "Services have ready endpoints, and more than one when their workload is replicated",
			Domain:   check.DomainNetwork,
			Level:    check.L2,
			Severity: check.SeverityLow,
			References: check.References{
				Standard: []string{"S7.2", "S12.7"},
			},
			Rationale: "A Service without ready endpoints drops its traffic, and a Service in front of a replicated " +
				"workload with a single ready endpoint is not balancing load or surviving the loss of that pod.",
			Remediation: "Fix the Service selector or the readiness of the pods behind it so that every replica becomes a " +
				"ready endpoint.",
			Evaluate: netServicesBalanced,
		},
		{
			ID:       "NET-011",
			Title:    "Ingress hosts and external Gateway listeners use TLS",
			Domain:   check.DomainNetwork,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				NIST: []string{"4.3.5"}, MLPS: []string{"G1a", "G1c"},
			},
			Rationale: "Applications reached over plain HTTP expose credentials and data to anyone on the path. Secret " +
				"contents are never read: only the Secret's existence and type are checked.",
			Remediation: "Add every Ingress host to spec.tls with a Secret of type kubernetes.io/tls (for example issued " +
				"by cert-manager), and serve external Gateway hostnames on HTTPS or TLS listeners; keep a plain HTTP " +
				"listener only beside an HTTPS one for the same hostname, to redirect.",
			Evaluate: netIngressTLS,
		},
		{
			ID:       "NET-012",
			Title:    "A tool observes in-cluster network flows",
			Domain:   check.DomainNetwork,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				NIST: []string{"4.4.2", "7.3.2"}, MLPS: []string{"G4h", "G4g"},
			},
			Rationale: "Port scans, lateral movement and exfiltration inside the cluster are invisible without flow " +
				"visibility. This checks only that a suitable tool is present, not what it detects.",
			Remediation: "Enable Hubble (enable-hubble: \"true\" in cilium-config), Calico flow logs " +
				"(flowLogsFileEnabled in the default FelixConfiguration), or deploy a network IDS DaemonSet; add its name " +
				"to Network.FlowMonitors if it is not recognised.",
			Evaluate: netFlowsObserved,
		},
	}
}

// netCNIEnforcesPolicy is the Evaluate function of NET-001.
func netCNIEnforcesPolicy(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the installed CNI is a cluster-wide fact that manifests do not show")}
	}
	p := s.Params.Network
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

// netDefaultDenyIngress is the Evaluate function of NET-002.
func netDefaultDenyIngress(s *check.Snapshot) []check.Finding {
	namespaces := s.ScopedNamespaces()
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

// netEgressRestricted is the Evaluate function of NET-003.
func netEgressRestricted(s *check.Snapshot) []check.Finding {
	namespaces := s.ScopedNamespaces()
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	p := s.Params.Network
	byNS := netpol.PoliciesByNamespace(s)
	var out []check.Finding
	for _, ns := range namespaces {
		pols := byNS[ns.Name]
		if msg := netNamespaceEgressGap(pols); msg != "" {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "%s", msg))
		}
		class := ns.Labels[s.Params.ClassificationLabel]
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

// netIsWholeInternet reports whether cidr is 0.0.0.0/0 or ::/0 (any /0 prefix).
func netIsWholeInternet(cidr string) bool {
	pfx, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	return err == nil && pfx.Bits() == 0
}

// netPodsIngressIsolated is the Evaluate function of NET-004.
func netPodsIngressIsolated(s *check.Snapshot) []check.Finding {
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
		for _, w := range s.Workloads() {
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
			if pod.Status.Phase != corev1.PodRunning || pod.Spec.HostNetwork || !s.InScope(pod.Namespace) {
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

// netNamespaceIsolation is the Evaluate function of NET-005.
func netNamespaceIsolation(s *check.Snapshot) []check.Finding {
	podCIDRs := netNodePodCIDRs(s)
	var out []check.Finding
	inspected := 0
	for _, np := range s.NetworkPolicies {
		if !s.InScope(np.Namespace) || !netpol.HasPolicyType(np, networkingv1.PolicyTypeIngress) {
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

// netTrafficEncrypted is the Evaluate function of NET-006.
func netTrafficEncrypted(s *check.Snapshot) []check.Finding {
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
		root := s.Params.Network.MeshRootNamespace
		for _, pa := range s.Extra[gkPeerAuthentication] {
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

// netPublishedPortsApproved is the Evaluate function of NET-007.
func netPublishedPortsApproved(s *check.Snapshot) []check.Finding {
	var out []check.Finding
	for _, svc := range s.Services {
		if !s.InScope(svc.Namespace) {
			continue
		}
		var how []string
		if t := svc.Spec.Type; t == corev1.ServiceTypeNodePort || t == corev1.ServiceTypeLoadBalancer {
			how = append(how, "type "+string(t))
		}
		if len(svc.Spec.ExternalIPs) > 0 {
			how = append(how, "externalIPs "+strings.Join(svc.Spec.ExternalIPs, ", "))
		}
		if len(how) == 0 || netExposureApproved(svc.Annotations) {
			continue
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name},
			"%s publishes ports %s without annotation %s", strings.Join(how, " and "), netServicePorts(svc), check.AnnotationExposureApproved))
	}
	for _, w := range s.Workloads() {
		var low, high []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, p := range c.Ports {
				hp, desc := p.HostPort, fmt.Sprintf("%s %q hostPort %d/%s", kind, c.Name, p.HostPort, netProtocol(p.Protocol))
				if w.Spec.HostNetwork {
					// On the host network every container port is a host port.
					hp, desc = max(hp, p.ContainerPort), fmt.Sprintf("%s %q port %d/%s on the host network", kind, c.Name, max(hp, p.ContainerPort), netProtocol(p.Protocol))
				}
				if hp == 0 {
					continue
				}
				if hp < 1024 {
					low = append(low, desc)
				} else {
					high = append(high, desc)
				}
			}
		})
		var problems []string
		if len(low) > 0 {
			problems = append(problems, "publishes host ports below 1024, which no approval allows: "+check.ContainerNames(low))
		}
		if len(high) > 0 && !netExposureApproved(w.Object.Annotations, w.Template.Annotations) {
			problems = append(problems, fmt.Sprintf("publishes %s without annotation %s", check.ContainerNames(high), check.AnnotationExposureApproved))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}

// netExposureApproved reports whether any of the annotation sets approves the exposure; "false"
// is not an approval.
func netExposureApproved(sets ...map[string]string) bool {
	for _, a := range sets {
		if v := strings.TrimSpace(a[check.AnnotationExposureApproved]); v != "" && !strings.EqualFold(v, "false") {
			return true
		}
	}
	return false
}

func netServicePorts(svc *corev1.Service) string {
	var ports []string
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			ports = append(ports, fmt.Sprintf("%d/%s (nodePort %d)", p.Port, netProtocol(p.Protocol), p.NodePort))
		} else {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, netProtocol(p.Protocol)))
		}
	}
	return check.ContainerNames(ports)
}

func netProtocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// netPortsBound is the Evaluate function of NET-008.
func netPortsBound(s *check.Snapshot) []check.Finding {
	var out []check.Finding
	for _, w := range s.Workloads() {
		if w.Spec.HostNetwork {
			continue // hostIP does not apply: the process itself chooses the address it binds
		}
		var unbound []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, p := range c.Ports {
				if p.HostPort != 0 && (p.HostIP == "" || p.HostIP == "0.0.0.0" || p.HostIP == "::") {
					unbound = append(unbound, fmt.Sprintf("%s %q hostPort %d/%s", kind, c.Name, p.HostPort, netProtocol(p.Protocol)))
				}
			}
		})
		if len(unbound) > 0 {
			out = append(out, check.Failf(w.Ref, "host ports without a specific hostIP listen on every node interface: %s", check.ContainerNames(unbound)))
		}
	}
	if s.Source == check.SourceManifests {
		return out
	}
	if f, ok := netKubeProxyBinding(s); ok {
		out = append(out, f)
	}
	return out
}

// netKubeProxyBinding judges kube-proxy's nodePortAddresses, returning a finding when they are
// missing or cannot be read.
func netKubeProxyBinding(s *check.Snapshot) (check.Finding, bool) {
	for _, cm := range s.ConfigMaps {
		if cm.Namespace != "kube-system" || cm.Name != "kube-proxy" {
			continue
		}
		ref := netConfigMapRef(cm)
		raw, ok := cm.Data["config.conf"]
		if !ok {
			return check.Finding{Result: check.Manual, Object: ref,
				Message: "the ConfigMap has no config.conf; verify kube-proxy's nodePortAddresses or --nodeport-addresses"}, true
		}
		var cfg struct {
			NodePortAddresses []string `json:"nodePortAddresses"`
		}
		if err := yaml.Unmarshal([]byte(raw), &cfg); err != nil {
			return check.Errorf(ref, "config.conf is not valid YAML: %v", err), true
		}
		if len(cfg.NodePortAddresses) == 0 {
			return check.Failf(ref, "config.conf sets no nodePortAddresses, so NodePort Services listen on every node interface"), true
		}
		return check.Finding{}, false
	}
	if slices.ContainsFunc(s.DaemonSets, func(ds *appsv1.DaemonSet) bool {
		return ds.Namespace == "kube-system" && ds.Name == "kube-proxy"
	}) {
		return check.Finding{Result: check.Manual, Object: check.ObjectRef{Kind: "DaemonSet", Namespace: "kube-system", Name: "kube-proxy"},
			Message: "kube-proxy runs but the kube-system/kube-proxy ConfigMap is not in the snapshot; verify that " +
				"nodePortAddresses or --nodeport-addresses is set"}, true
	}
	return check.Finding{}, false
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

// netNoCIDROverlap is the Evaluate function of NET-009.
func netNoCIDROverlap(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the cluster's address ranges are cluster-wide facts that manifests do not show")}
	}
	var external []netRange
	for _, c := range s.Params.Network.ExternalCIDRs {
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

// netServicesBalanced is the Evaluate function of NET-010.
func netServicesBalanced(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("endpoint readiness is cluster state that manifests do not show")}
	}
	ready := map[string]map[discoveryv1.AddressType]int{}
	for _, es := range s.EndpointSlices {
		svc := es.Labels[discoveryv1.LabelServiceName]
		if svc == "" {
			continue
		}
		key := es.Namespace + "/" + svc
		if ready[key] == nil {
			ready[key] = map[discoveryv1.AddressType]int{}
		}
		for _, ep := range es.Endpoints {
			// An unknown readiness is to be taken as ready, as the EndpointSlice API says.
			if ep.Conditions.Ready == nil || *ep.Conditions.Ready {
				ready[key][es.AddressType]++
			}
		}
	}
	workloads := netReplicatedByNamespace(s)
	var out []check.Finding
	inspected := 0
	for _, svc := range s.Services {
		if !s.InScope(svc.Namespace) || len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		backing, replicas := netBackingWorkload(workloads[svc.Namespace], svc.Spec.Selector)
		if backing != "" && replicas == 0 {
			continue // scaled to zero on purpose
		}
		inspected++
		n := 0
		for _, c := range ready[svc.Namespace+"/"+svc.Name] {
			n = max(n, c) // a dual-stack endpoint appears once per address family
		}
		ref := check.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}
		switch {
		case n == 0:
			out = append(out, check.Failf(ref, "no ready endpoint in its EndpointSlices for selector %s", labels.Set(svc.Spec.Selector)))
		case n == 1 && replicas > 1:
			out = append(out, check.Failf(ref, "1 ready endpoint, but %s runs %d replicas", backing, replicas))
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no Service with a selector is in scope")}
	}
	return out
}

// netReplicated is a Deployment or StatefulSet that a Service may front.
type netReplicated struct {
	name     string // such as `Deployment "web"`
	replicas int32
	labels   map[string]string
}

// netReplicatedByNamespace groups Deployments and StatefulSets by namespace, so that matching
// Services to them does not scan the whole cluster once per Service.
func netReplicatedByNamespace(s *check.Snapshot) map[string][]netReplicated {
	out := map[string][]netReplicated{}
	add := func(kind string, meta *metav1.ObjectMeta, r *int32, tmpl map[string]string) {
		replicas := int32(1)
		if r != nil {
			replicas = *r
		}
		out[meta.Namespace] = append(out[meta.Namespace], netReplicated{fmt.Sprintf("%s %q", kind, meta.Name), replicas, tmpl})
	}
	for _, d := range s.Deployments {
		add("Deployment", &d.ObjectMeta, d.Spec.Replicas, d.Spec.Template.Labels)
	}
	for _, st := range s.StatefulSets {
		add("StatefulSet", &st.ObjectMeta, st.Spec.Replicas, st.Spec.Template.Labels)
	}
	return out
}

// netBackingWorkload returns the candidate with the most replicas whose pods the selector
// matches, or "" when none does.
func netBackingWorkload(candidates []netReplicated, selector map[string]string) (string, int32) {
	sel := labels.SelectorFromSet(selector)
	name, most := "", int32(0)
	for _, c := range candidates {
		if sel.Matches(labels.Set(c.labels)) && (name == "" || c.replicas > most) {
			name, most = c.name, c.replicas
		}
	}
	return name, most
}

// netIngressTLS is the Evaluate function of NET-011.
func netIngressTLS(s *check.Snapshot) []check.Finding {
	secrets := map[string]*corev1.Secret{}
	for _, sec := range s.Secrets {
		secrets[sec.Namespace+"/"+sec.Name] = sec
	}
	var out []check.Finding
	inspected := 0
	for _, ing := range s.Ingresses {
		if !s.InScope(ing.Namespace) {
			continue
		}
		inspected++
		if f, ok := netIngressFinding(s, ing, secrets); ok {
			out = append(out, f)
		}
	}
	for _, gw := range s.Extra[gkGateway] {
		if !s.InScope(gw.GetNamespace()) {
			continue
		}
		inspected++
		if problems := netGatewayPlainListeners(s, gw); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Gateway", Namespace: gw.GetNamespace(), Name: gw.GetName()},
				"%s", strings.Join(problems, "; ")))
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no Ingress or Gateway is in scope")}
	}
	return out
}

// netIngressFinding judges the TLS coverage of every host of one Ingress.
func netIngressFinding(s *check.Snapshot, ing *networkingv1.Ingress, secrets map[string]*corev1.Secret) (check.Finding, bool) {
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if !slices.Contains(hosts, r.Host) {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 && ing.Spec.DefaultBackend != nil {
		hosts = []string{""}
	}
	var fails, unknown []string
	for _, h := range hosts {
		label := fmt.Sprintf("host %q", h)
		if h == "" {
			label = "the rule without host"
		}
		problem, undecided := netHostTLSProblem(s, ing, h, secrets)
		switch {
		case undecided:
			unknown = append(unknown, label+": "+problem)
		case problem != "":
			fails = append(fails, label+" "+problem)
		}
	}
	ref := check.ObjectRef{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
	switch {
	case len(fails) > 0:
		return check.Failf(ref, "%s", strings.Join(append(fails, unknown...), "; ")), true
	case len(unknown) > 0:
		return check.Finding{Result: check.Skipped, Object: ref, Message: strings.Join(unknown, "; ")}, true
	}
	return check.Finding{}, false
}

// netHostTLSProblem explains why host is not served with a valid TLS Secret, or returns "".
// undecided is true when Secrets were not gathered, so the Secret cannot be judged.
func netHostTLSProblem(s *check.Snapshot, ing *networkingv1.Ingress, host string, secrets map[string]*corev1.Secret) (problem string, undecided bool) {
	problem = "is not covered by spec.tls"
	for _, t := range ing.Spec.TLS {
		// A TLS entry without hosts takes the controller's wildcard host.
		if len(t.Hosts) > 0 && !slices.ContainsFunc(t.Hosts, func(h string) bool { return tlshost.Covers(h, host) }) {
			continue
		}
		if t.SecretName == "" {
			problem = "is in spec.tls without a secretName"
			continue
		}
		sec, found := secrets[ing.Namespace+"/"+t.SecretName]
		switch {
		case found && sec.Type == corev1.SecretTypeTLS:
			return "", false
		case found:
			problem = fmt.Sprintf("uses Secret %q of type %q, not %s", t.SecretName, sec.Type, corev1.SecretTypeTLS)
		case s.Source == check.SourceManifests:
			return "", false // issued in the cluster, for example by cert-manager
		case !s.SecretsRead && len(s.Secrets) == 0:
			return fmt.Sprintf("Secret reads are not enabled, so Secret %q cannot be verified", t.SecretName), true
		default:
			problem = fmt.Sprintf("uses Secret %q, which does not exist", t.SecretName)
		}
	}
	return problem, false
}

// netGatewayPlainListeners describes the HTTP listeners of a Gateway that serve external
// hostnames with no HTTPS or TLS listener beside them for the same hostname.
func netGatewayPlainListeners(s *check.Snapshot, gw *unstructured.Unstructured) []string {
	listeners, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	type listener struct{ name, hostname, protocol string }
	var all []listener
	for _, l := range listeners {
		m, ok := l.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(m, "name")
		hostname, _, _ := unstructured.NestedString(m, "hostname")
		protocol, _, _ := unstructured.NestedString(m, "protocol")
		all = append(all, listener{name, hostname, strings.ToUpper(protocol)})
	}
	var out []string
	for _, l := range all {
		if l.protocol != "HTTP" || netInternalHost(s, l.hostname) {
			continue
		}
		secured := slices.ContainsFunc(all, func(o listener) bool {
			return (o.protocol == "HTTPS" || o.protocol == "TLS") && (o.hostname == "" || tlshost.Covers(o.hostname, l.hostname))
		})
		if secured {
			continue
		}
		host := l.hostname
		if host == "" {
			host = "every hostname"
		}
		out = append(out, fmt.Sprintf("listener %q serves %s over plain HTTP with no HTTPS or TLS listener for it", l.name, host))
	}
	return out
}

// netInternalHost reports whether a hostname is reachable only inside the cluster or private
// network. An empty hostname matches every host, so it is external.
func netInternalHost(s *check.Snapshot, host string) bool {
	if host == "" {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, suffix := range s.Params.Network.InternalHostSuffixes {
		suffix = strings.ToLower(suffix)
		if strings.HasSuffix(host, suffix) || host == strings.TrimPrefix(suffix, ".") {
			return true
		}
	}
	return false
}

// netFlowsObserved is the Evaluate function of NET-012.
func netFlowsObserved(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("flow observability is a cluster-wide fact that manifests do not show")}
	}
	var ref check.ObjectRef
	var checked []string
	if cm := netCiliumConfig(s); cm != nil {
		if cm.Data["enable-hubble"] == "true" {
			return nil
		}
		ref = netConfigMapRef(cm)
		checked = append(checked, `Cilium's enable-hubble is not "true"`)
	}
	if fc := netExtraObject(s, gkFelixConfiguration, "", "default"); fc != nil {
		if on, _, _ := unstructured.NestedBool(fc.Object, "spec", "flowLogsFileEnabled"); on {
			return nil
		}
		if ref.Name == "" {
			ref = check.ObjectRef{Kind: "FelixConfiguration", Name: "default"}
		}
		checked = append(checked, "Calico's flowLogsFileEnabled is not true")
	}
	for _, ds := range s.DaemonSets {
		if netDaemonSetMatches(ds, s.Params.Network.FlowMonitors) {
			return nil
		}
	}
	checked = append(checked, "no DaemonSet matches Network.FlowMonitors")
	return []check.Finding{check.Failf(ref, "no network flow observability: %s", strings.Join(checked, "; "))}
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
	for _, o := range s.Extra[groupKind] {
		if o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}
