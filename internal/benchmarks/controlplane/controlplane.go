package controlplane

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	appsv1 "k8s.io/api/apps/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Checks returns the CP- checks: control plane.
func Checks() []check.Check {
	return []check.Check{
		{
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
		},
		{
			ID:         "CP-002",
			Title:      "Control-plane nodes are spread over at least 2 zones",
			Domain:     check.DomainControlPlane,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S4.3"}},
			Rationale: "Control-plane nodes in one zone or data centre fail together with it, taking the API server " +
				"and etcd quorum down however many nodes there are. The check reads topology.kubernetes.io/zone.",
			Remediation: "Place the control-plane nodes in different zones (3 zones keep etcd's quorum when one is lost) " +
				"and label them with topology.kubernetes.io/zone. On a managed cluster, use a regional or zone-redundant " +
				"control plane and attest it.",
			Evaluate: cpZones,
		},
		{
			ID:       "CP-003",
			Title:    "Control-plane nodes are tainted NoSchedule and run no user workloads",
			Domain:   check.DomainControlPlane,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S4.6"}, MLPS: []string{"G7c"},
			},
			Rationale: "A workload on a control-plane node competes with the API server and etcd for resources, and a " +
				"container escape there reaches etcd's data and the cluster's CA keys. Node agents run as DaemonSets " +
				"are allowed; system namespaces are not inspected.",
			Remediation: "Taint every control-plane node with node-role.kubernetes.io/control-plane:NoSchedule, then " +
				"move the listed pods off (delete them so their controllers reschedule them elsewhere) and remove the " +
				"tolerations or nodeSelectors that placed them there.",
			Evaluate: cpNoWorkloads,
		},
		{
			ID:       "CP-004",
			Title:    "etcd accepts only clients and peers that authenticate with TLS certificates",
			Domain:   check.DomainControlPlane,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S3.13"}, NIST: []string{"4.3.5"},
				CIS: []string{"2.1", "2.2", "2.3", "2.4", "2.5", "2.6"},
			},
			Rationale: "etcd holds every object of the cluster, Secrets included; whoever can talk to it unauthenticated " +
				"owns the cluster. The check reads the etcd mirror pods in kube-system; with external etcd it reads the " +
				"API server's etcd client settings and a person verifies the etcd hosts.",
			Remediation: "Start etcd with --client-cert-auth=true, --peer-client-cert-auth=true, --cert-file, --key-file, " +
				"--trusted-ca-file and the --peer-* equivalents from a dedicated etcd CA, https:// client and peer URLs, " +
				"and without --auto-tls or --peer-auto-tls (kubeadm does all of this).",
			Evaluate: cpEtcdAuthentication,
		},
		{
			ID:       "CP-005",
			Title:    "The API server refuses anonymous requests, serves no insecure port and disables profiling",
			Domain:   check.DomainControlPlane,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S3.13", "S2.14"}, NIST: []string{"4.3.5"}, MLPS: []string{"G1a"},
				CIS: []string{"1.2.1", "1.2.5", "1.2.14", "1.2.15"},
			},
			Rationale: "Anonymous requests and an insecure port reach the API without identity; profiling exposes " +
				"internals; without NodeRestriction a kubelet can modify other nodes and their pods; without " +
				"--kubelet-certificate-authority the API server cannot tell a real kubelet from an impostor. The check " +
				"reads the kube-apiserver mirror pods; managed control planes need a person to verify.",
			Remediation: "Set --anonymous-auth=false (or, from 1.32, an AuthenticationConfiguration whose anonymous " +
				"section allows only /healthz, /livez and /readyz), remove --insecure-port and --insecure-bind-address, " +
				"set --profiling=false, add NodeRestriction to --enable-admission-plugins, and set " +
				"--kubelet-certificate-authority to the CA that signs kubelet serving certificates.",
			Evaluate: cpAPIServerExposure,
		},
		{
			ID:         "CP-006",
			Title:      "Pods are rebalanced: a descheduler runs or replicated workloads declare topologySpreadConstraints",
			Domain:     check.DomainControlPlane,
			Level:      check.L1,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S4.5"}},
			Rationale: "The scheduler places pods once; after node failures, drains and scale-ups they pile up on a few " +
				"nodes. A descheduler evicts them so they are placed again, and spread constraints keep replicas apart " +
				"from the start. The item is reported for information, hence the low severity.",
			Remediation: "Install the Kubernetes descheduler (kubernetes-sigs/descheduler, as a CronJob or Deployment) " +
				"with the RemoveDuplicates and LowNodeUtilization plugins, or add topologySpreadConstraints on " +
				"kubernetes.io/hostname to every Deployment and StatefulSet with more than one replica.",
			Evaluate: cpRebalancing,
		},
		{
			ID:         "CP-007",
			Title:      "Cluster DNS has at least 2 ready replicas on at least 2 nodes",
			Domain:     check.DomainControlPlane,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S10.5"}},
			Rationale: "Every Service lookup goes through CoreDNS or kube-dns; with one replica, or all replicas on one " +
				"node, a single pod or node failure stops service discovery for the whole cluster.",
			Remediation: "Scale the CoreDNS Deployment to at least 2 replicas (or let the dns-autoscaler do it) and keep " +
				"them on different nodes with pod anti-affinity or a topology spread constraint on kubernetes.io/hostname.",
			Evaluate: cpDNSAvailability,
		},
		{
			ID:       "CP-008",
			Title:    "Node trust is maintained: NodeRestriction is on, dead nodes are removed and only expected certificate requests are approved",
			Domain:   check.DomainControlPlane,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				NIST: []string{"3.3.5", "4.3.5"}, CIS: []string{"1.2.14"},
			},
			Rationale: "NodeRestriction confines each kubelet to its own node and pods. A node that has been NotReady " +
				"for days keeps its credentials and identity and may come back unpatched. An approved certificate " +
				"request for an unexpected signer or requester hands out a cluster-trusted identity, such as a client " +
				"certificate in system:masters.",
			Remediation: "Add NodeRestriction to --enable-admission-plugins; drain and delete nodes that stay NotReady " +
				"(kubectl delete node) and revoke their credentials; find who approved each listed " +
				"CertificateSigningRequest, revoke what it issued (rotate the CA if it granted system:masters), and " +
				"restrict certificatesigningrequests/approval. Expected signers go in ControlPlane.CSRApprovals.",
			Evaluate: cpNodeTrust,
		},
		{
			ID:         "CP-009",
			Title:      "The Kubernetes version is within the upstream support window and at least the configured minimum",
			Domain:     check.DomainControlPlane,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S2.3", "S12.6"}, MLPS: []string{"G8c"}},
			Rationale: "Upstream patches the newest three minor releases only; an older cluster no longer receives " +
				"security fixes. The check reads the API server's /version.",
			Remediation: "Upgrade the control plane one minor release at a time (then the nodes) until it is within " +
				"the newest three minors and at least ControlPlane.MinimumVersion. Raise ControlPlane.NewestMinor when " +
				"a new Kubernetes minor is released.",
			Evaluate: cpSupportedVersion,
		},
	}
}

// --- Control-plane components ---

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

// cpNodeRoleLabels mark control-plane nodes: kubeadm's current and legacy labels, and RKE's.
var cpNodeRoleLabels = []string{
	"node-role.kubernetes.io/control-plane",
	"node-role.kubernetes.io/master",
	"node-role.kubernetes.io/controlplane",
}

// cpNodes returns the control-plane nodes: those with a control-plane role label and those that
// run a kube-apiserver mirror pod, which covers distributions that do not label them.
func cpNodes(s *check.Snapshot) []*corev1.Node {
	apiNodes := map[string]bool{}
	for _, f := range cpflags.Of(s, "kube-apiserver") {
		apiNodes[f.Node] = true
	}
	var out []*corev1.Node
	for _, n := range s.Nodes {
		if apiNodes[n.Name] || slices.ContainsFunc(cpNodeRoleLabels, func(l string) bool { _, ok := n.Labels[l]; return ok }) {
			out = append(out, n)
		}
	}
	return out
}

// cpManagedControlPlane reports whether no part of the control plane is visible, as on EKS,
// GKE or AKS.
func cpManagedControlPlane(s *check.Snapshot) bool {
	return len(cpNodes(s)) == 0 && !cpHasStaticPods(s)
}

func cpNodeNames(nodes []*corev1.Node) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}

// cpAdmissionPlugins returns the admission plugins an API server enables explicitly, minus the
// ones it disables.
func cpAdmissionPlugins(flags map[string]string) []string {
	disabled := strings.Split(flags["disable-admission-plugins"], ",")
	var out []string
	for _, list := range []string{flags["enable-admission-plugins"], flags["admission-control"]} {
		for _, p := range strings.Split(list, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(disabled, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// --- CP-001 ---

func cpHighAvailability(s *check.Snapshot) []check.Finding {
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
	if s.Params.ControlPlane.StrictQuorum {
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

// --- CP-002 ---

func cpZones(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("control-plane placement is a fact of a live cluster")}
	}
	minZones := s.Params.ControlPlane.MinZones
	nodes := cpNodes(s)
	if len(nodes) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no control-plane node is visible; verify with your provider that the "+
			"control plane is spread over at least %d zones (a regional or zone-redundant tier) and attest it", minZones)}
	}
	zones := map[string]bool{}
	var unlabelled []string
	for _, n := range nodes {
		z := n.Labels[corev1.LabelTopologyZone]
		if z == "" {
			z = n.Labels[corev1.LabelFailureDomainBetaZone]
		}
		if z == "" {
			unlabelled = append(unlabelled, n.Name)
			continue
		}
		zones[z] = true
	}
	if len(zones) >= minZones {
		return nil
	}
	msg := fmt.Sprintf("control-plane nodes %s span %d zone(s)", cpNodeNames(nodes), len(zones))
	if len(zones) > 0 {
		msg += " (" + strings.Join(slices.Sorted(maps.Keys(zones)), ", ") + ")"
	}
	if len(unlabelled) > 0 {
		msg += fmt.Sprintf("; without a %s label: %s", corev1.LabelTopologyZone, strings.Join(unlabelled, ", "))
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "Node"}, "%s; want at least %d", msg, minZones)}
}

// --- CP-003 ---

func cpNoWorkloads(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("which pods run on control-plane nodes is a fact of a live cluster")}
	}
	nodes := cpNodes(s)
	if len(nodes) == 0 {
		return []check.Finding{check.NotApplicablef("no control-plane node is visible: a managed control plane runs no cluster workloads")}
	}
	var out []check.Finding
	onCP := map[string]bool{}
	for _, n := range nodes {
		onCP[n.Name] = true
		if !cpTainted(n, s.Params.ControlPlane.TaintKeys) {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name},
				"control-plane node has no NoSchedule or NoExecute taint with key %s, so the scheduler places workloads on it",
				strings.Join(s.Params.ControlPlane.TaintKeys, " or ")))
		}
	}
	for _, p := range s.Pods {
		if !onCP[p.Spec.NodeName] || !s.InScope(p.Namespace) || check.PodTerminated(p) {
			continue
		}
		if owner := metav1.GetControllerOf(p); owner != nil && owner.Kind == "DaemonSet" {
			continue // node agents (log shippers, CNI, security agents) belong on every node
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name},
			"runs on control-plane node %s", p.Spec.NodeName))
	}
	return out
}

func cpTainted(n *corev1.Node, keys []string) bool {
	for _, t := range n.Spec.Taints {
		if slices.Contains(keys, t.Key) && (t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute) {
			return true
		}
	}
	return false
}

// --- CP-004 ---

func cpEtcdAuthentication(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("etcd's configuration is a fact of a live control plane")}
	}
	var out []check.Finding
	if pods := cpflags.Of(s, "etcd"); len(pods) > 0 {
		for _, p := range pods {
			if file := p.Flags["config-file"]; file != "" {
				f := check.Manualf("etcd reads its settings from --config-file=%s, which overrides its flags: verify that the file sets "+
					"client-cert-auth and peer-client-cert-auth true, the TLS files and https:// URLs, and no auto-tls", file)
				f.Object = p.Ref
				out = append(out, f)
				continue
			}
			if problems := cpEtcdProblems(p.Flags); len(problems) > 0 {
				out = append(out, check.Failf(p.Ref, "etcd %s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("no etcd or kube-apiserver mirror pod in kube-system (managed or embedded control plane): verify " +
			"with your provider that etcd accepts only clients and peers with certificates from its own CA, then attest it")}
	}
	var servers []string
	for _, api := range apiservers {
		var problems, plain []string
		for _, u := range strings.Split(api.Flags["etcd-servers"], ",") {
			if u = strings.TrimSpace(u); strings.HasPrefix(u, "http://") {
				plain = append(plain, u)
			}
			if u != "" && !slices.Contains(servers, u) {
				servers = append(servers, u)
			}
		}
		if len(plain) > 0 {
			problems = append(problems, "reaches etcd over plain HTTP ("+strings.Join(plain, ", ")+")")
		}
		for _, flag := range []string{"etcd-cafile", "etcd-certfile", "etcd-keyfile"} {
			if api.Flags[flag] == "" {
				problems = append(problems, "--"+flag+" is not set")
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver %s, so etcd cannot require client certificates", strings.Join(problems, "; ")))
		}
	}
	return append(out, check.Manualf("etcd runs outside the cluster (%s): verify on the etcd hosts that --client-cert-auth and "+
		"--peer-client-cert-auth are true, the TLS files are set, the URLs are https:// and --auto-tls and --peer-auto-tls "+
		"are off, then attest it", strings.Join(servers, ", ")))
}

// cpEtcdProblems lists the ways an etcd command line lets unauthenticated clients or peers in.
// The URL defaults are etcd's own.
func cpEtcdProblems(flags map[string]string) []string {
	var problems []string
	for _, flag := range []string{"client-cert-auth", "peer-client-cert-auth"} {
		if flags[flag] != "true" {
			problems = append(problems, "--"+flag+" is not true")
		}
	}
	for _, flag := range []string{"cert-file", "key-file", "trusted-ca-file", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file"} {
		if flags[flag] == "" {
			problems = append(problems, "--"+flag+" is not set")
		}
	}
	for _, flag := range []string{"auto-tls", "peer-auto-tls"} {
		if flags[flag] == "true" {
			problems = append(problems, "--"+flag+"=true uses self-signed certificates that authenticate no one")
		}
	}
	urlDefaults := map[string]string{
		"listen-client-urls":          "http://localhost:2379",
		"advertise-client-urls":       "http://localhost:2379",
		"listen-peer-urls":            "http://localhost:2380",
		"initial-advertise-peer-urls": "http://localhost:2380",
	}
	for _, flag := range []string{"listen-client-urls", "advertise-client-urls", "listen-peer-urls", "initial-advertise-peer-urls"} {
		value, set := flags[flag]
		if !set {
			value = urlDefaults[flag]
		}
		for _, u := range strings.Split(value, ",") {
			if u = strings.TrimSpace(u); strings.HasPrefix(u, "http://") {
				how := "is"
				if !set {
					how = "defaults to"
				}
				problems = append(problems, fmt.Sprintf("--%s %s %s, which serves without TLS or client certificates", flag, how, u))
			}
		}
	}
	return problems
}

// --- CP-005 ---

func cpAPIServerExposure(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the API server's flags are a fact of a live control plane")}
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify with your provider " +
			"that anonymous access is limited to health endpoints, profiling and insecure ports are off and NodeRestriction " +
			"is enabled, then attest it")}
	}
	var out []check.Finding
	for _, api := range apiservers {
		var problems []string
		anonymous, anonymousSet := api.Flags["anonymous-auth"]
		switch {
		case anonymous == "false":
		case !anonymousSet && api.Flags["authentication-config"] != "":
			f := check.Manualf("kube-apiserver uses --authentication-config=%s: verify that its anonymous section is absent or "+
				"allows only /healthz, /livez and /readyz", api.Flags["authentication-config"])
			f.Object = api.Ref
			out = append(out, f)
		case anonymousSet:
			problems = append(problems, "--anonymous-auth="+anonymous+" lets unauthenticated requests in as system:anonymous")
		default:
			problems = append(problems, "--anonymous-auth is not set and defaults to true, so unauthenticated requests get in as system:anonymous")
		}
		if port, ok := api.Flags["insecure-port"]; ok && port != "0" {
			problems = append(problems, "--insecure-port="+port+" serves the API without authentication")
		}
		if addr, ok := api.Flags["insecure-bind-address"]; ok {
			problems = append(problems, "--insecure-bind-address="+addr+" is set")
		}
		if p := api.Flags["profiling"]; p != "false" {
			problems = append(problems, "--profiling is not false, so /debug/pprof is served")
		}
		if !slices.Contains(cpAdmissionPlugins(api.Flags), "NodeRestriction") {
			problems = append(problems, "NodeRestriction is not in --enable-admission-plugins")
		}
		if api.Flags["kubelet-certificate-authority"] == "" {
			problems = append(problems, "--kubelet-certificate-authority is not set, so kubelets' serving certificates are not verified")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver: %s", strings.Join(problems, "; ")))
		}
	}
	return out
}

// --- CP-006 ---

func cpRebalancing(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("whether a descheduler runs is a fact of a live cluster")}
	}
	patterns := s.Params.ControlPlane.DeschedulerNames
	for _, d := range s.Deployments {
		if (d.Spec.Replicas == nil || *d.Spec.Replicas > 0) && cpIsDescheduler(&d.ObjectMeta, &d.Spec.Template.Spec, patterns) {
			return nil
		}
	}
	for _, cj := range s.CronJobs {
		suspended := cj.Spec.Suspend != nil && *cj.Spec.Suspend
		if !suspended && cpIsDescheduler(&cj.ObjectMeta, &cj.Spec.JobTemplate.Spec.Template.Spec, patterns) {
			return nil
		}
	}
	var out []check.Finding
	replicated := 0
	inspect := func(kind string, meta *metav1.ObjectMeta, replicas *int32, spec *corev1.PodSpec) {
		if !s.InScope(meta.Namespace) || replicas == nil || *replicas < 2 {
			return
		}
		replicated++
		if len(spec.TopologySpreadConstraints) == 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: kind, Namespace: meta.Namespace, Name: meta.Name},
				"%d replicas without topologySpreadConstraints, and no descheduler runs to rebalance them", *replicas))
		}
	}
	for _, d := range s.Deployments {
		inspect("Deployment", &d.ObjectMeta, d.Spec.Replicas, &d.Spec.Template.Spec)
	}
	for _, st := range s.StatefulSets {
		inspect("StatefulSet", &st.ObjectMeta, st.Spec.Replicas, &st.Spec.Template.Spec)
	}
	if replicated == 0 {
		return []check.Finding{check.NotApplicablef("no descheduler runs and no Deployment or StatefulSet in scope has more than one replica to rebalance")}
	}
	return out
}

// cpIsDescheduler reports whether the object's name, app labels or a container image name match
// one of the patterns.
func cpIsDescheduler(meta *metav1.ObjectMeta, spec *corev1.PodSpec, patterns []string) bool {
	if cpflags.NameMatches(meta, patterns) {
		return true
	}
	for _, c := range spec.Containers {
		if glob.MatchAny(patterns, imageref.BaseName(c.Image)) {
			return true
		}
	}
	return false
}

// --- CP-007 ---

func cpDNSAvailability(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("cluster DNS health is a fact of a live cluster")}
	}
	var out []check.Finding
	found := false
	for _, d := range s.Deployments {
		if !s.IsSystem(d.Namespace) || !cpIsClusterDNS(d) {
			continue
		}
		found = true
		if f, bad := cpDNSDeploymentProblem(s, d); bad {
			out = append(out, f)
		}
	}
	if found {
		return out
	}
	for _, svc := range s.Services {
		if svc.Namespace == metav1.NamespaceSystem && svc.Name == "kube-dns" {
			return []check.Finding{check.Manualf("the kube-system/kube-dns Service is served by no CoreDNS or kube-dns Deployment: verify that " +
				"the DNS server behind it runs at least 2 ready replicas on at least 2 nodes")}
		}
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "Deployment", Namespace: metav1.NamespaceSystem},
		"no CoreDNS or kube-dns Deployment runs in a system namespace, so Services cannot be found by name")}
}

func cpIsClusterDNS(d *appsv1.Deployment) bool {
	return d.Name == "coredns" || d.Name == "kube-dns" || d.Labels["k8s-app"] == "kube-dns"
}

// cpDNSDeploymentProblem judges one DNS Deployment by its ready replicas and the nodes of its
// ready pods.
func cpDNSDeploymentProblem(s *check.Snapshot, d *appsv1.Deployment) (check.Finding, bool) {
	ref := check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
	if d.Status.ReadyReplicas < 2 {
		return check.Failf(ref, "%d ready replica(s); want at least 2 on different nodes", d.Status.ReadyReplicas), true
	}
	nodes := map[string]bool{}
	for _, p := range s.Pods {
		if p.Namespace == d.Namespace && p.Spec.NodeName != "" && cpPodReady(p) && labelsel.Matches(d.Spec.Selector, p.Labels) {
			nodes[p.Spec.NodeName] = true
		}
	}
	switch len(nodes) {
	case 0:
		return check.Errorf(ref, "%d ready replicas, but none of its pods is in the snapshot, so their nodes are unknown",
			d.Status.ReadyReplicas), true
	case 1:
		return check.Failf(ref, "all %d ready replicas run on node %s, so losing that node stops DNS",
			d.Status.ReadyReplicas, slices.Collect(maps.Keys(nodes))[0]), true
	}
	return check.Finding{}, false
}

func cpPodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// --- CP-008 ---

func cpNodeTrust(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("node trust is a fact of a live cluster")}
	}
	var out []check.Finding
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		out = append(out, check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify with your provider "+
			"that the NodeRestriction admission plugin is enabled, then attest it"))
	}
	for _, api := range apiservers {
		if !slices.Contains(cpAdmissionPlugins(api.Flags), "NodeRestriction") {
			out = append(out, check.Failf(api.Ref, "NodeRestriction is not in --enable-admission-plugins, so a kubelet can modify other nodes and their pods"))
		}
	}
	maxAge := s.Params.ControlPlane.NotReadyNodeMaxAge
	for _, n := range s.Nodes {
		since, status := n.CreationTimestamp.Time, "no Ready condition"
		ready := false
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				ready = c.Status == corev1.ConditionTrue
				since, status = c.LastTransitionTime.Time, fmt.Sprintf("Ready=%s (%s)", c.Status, c.Reason)
			}
		}
		if !ready && !since.IsZero() && s.Now.Sub(since) > maxAge {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name}, "NotReady for %d days (%s since %s); remove it or bring it back",
				int(s.Now.Sub(since).Hours()/24), status, since.UTC().Format(time.DateOnly)))
		}
	}
	for _, csr := range s.CertificateSigningRequests {
		if !cpCSRApproved(csr) || cpCSRExpected(csr, s.Params.ControlPlane.CSRApprovals) {
			continue
		}
		msg := fmt.Sprintf("approved for signer %s, requested by %q", csr.Spec.SignerName, csr.Spec.Username)
		if len(csr.Spec.Groups) > 0 {
			msg += " (groups " + strings.Join(csr.Spec.Groups, ", ") + ")"
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "CertificateSigningRequest", Name: csr.Name},
			"%s, which no entry of ControlPlane.CSRApprovals expects", msg))
	}
	return out
}

func cpCSRApproved(csr *certificatesv1.CertificateSigningRequest) bool {
	approved := false
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			if c.Status != corev1.ConditionFalse {
				return false
			}
		case certificatesv1.CertificateApproved:
			approved = c.Status != corev1.ConditionFalse
		}
	}
	return approved
}

func cpCSRExpected(csr *certificatesv1.CertificateSigningRequest, rules []check.CSRApproval) bool {
	for _, r := range rules {
		if glob.Match(r.Signer, csr.Spec.SignerName) && (len(r.Requesters) == 0 || glob.MatchAny(r.Requesters, csr.Spec.Username)) {
			return true
		}
	}
	return false
}

// --- CP-009 ---

// cpVersionPattern reads major, minor and an optional patch from a gitVersion such as
// "v1.37.2", "v1.36.4-eks-a737599" or "1.35".
var cpVersionPattern = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.(\d+))?`)

func cpParseVersion(v string) (parts [3]int, ok bool) {
	m := cpVersionPattern.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return parts, false
	}
	for i := range 3 {
		if m[i+1] != "" {
			parts[i], _ = strconv.Atoi(m[i+1])
		}
	}
	return parts, true
}

func cpSupportedVersion(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the Kubernetes version is a fact of a live cluster")}
	}
	ref := check.ObjectRef{}
	if s.ServerVersion == "" {
		return []check.Finding{check.Errorf(ref, "the API server's version is unknown (/version was not read)")}
	}
	have, ok := cpParseVersion(s.ServerVersion)
	if !ok {
		return []check.Finding{check.Errorf(ref, "cannot read the API server version %q", s.ServerVersion)}
	}
	p := s.Params.ControlPlane
	var out []check.Finding
	if oldest := p.NewestMinor - 2; have[0] == 1 && have[1] < oldest {
		out = append(out, check.Failf(ref, "Kubernetes %s is out of upstream support: the supported minors are 1.%d to 1.%d",
			s.ServerVersion, oldest, p.NewestMinor))
	}
	if p.MinimumVersion != "" {
		want, ok := cpParseVersion(p.MinimumVersion)
		if !ok {
			return append(out, check.Errorf(ref, "ControlPlane.MinimumVersion %q is not a version such as v1.36.4", p.MinimumVersion))
		}
		if slices.Compare(have[:], want[:]) < 0 {
			out = append(out, check.Failf(ref, "Kubernetes %s is older than the required minimum %s", s.ServerVersion, p.MinimumVersion))
		}
	}
	return out
}
