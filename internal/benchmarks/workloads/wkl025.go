package workloads

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

func wkl025() check.Check {
	return check.Check{
		ID:         "WKL-025",
		Title:      "Exposed pods do not share nodes with internal pods",
		Domain:     check.DomainWorkloads,
		Level:      check.L3,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S4.10"}, NIST: []string{"4.3.4"}},
		Rationale: "Pods behind LoadBalancer or NodePort Services, external IPs, Ingresses or Gateway routes " +
			"are the first to be attacked; on a shared node a breakout from them lands next to internal " +
			"workloads. DaemonSet pods run everywhere by design and are left out.",
		Remediation: "Schedule exposed workloads onto a dedicated, tainted node pool (nodeSelector or node " +
			"affinity plus a toleration) and keep internal workloads off it.",
		Reads:    []string{"GRPCRoute.gateway.networking.k8s.io", "HTTPRoute.gateway.networking.k8s.io", "TCPRoute.gateway.networking.k8s.io", "TLSRoute.gateway.networking.k8s.io", "UDPRoute.gateway.networking.k8s.io"},
		Evaluate: lcExposureColocation,
	}
}

// WKL-025.
func lcExposureColocation(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("pod placement on nodes is only known in a live cluster")}
	}
	byNode := lcPlacedPodsByNode(s, env)
	if len(byNode) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod is scheduled on a node")}
	}
	exposers := lcExposingServices(s)
	var out []check.Finding
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		var exposed, internal string
		for _, p := range byNode[node] {
			name := p.Namespace + "/" + p.Name
			if via := lcPodExposedBy(p, exposers[p.Namespace]); via != "" {
				if exposed == "" {
					exposed = name + " via " + via
				}
			} else if internal == "" {
				internal = name
			}
		}
		if exposed != "" && internal != "" {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: node},
				"node runs exposed pods (e.g. %s) beside internal pods (e.g. %s)", exposed, internal))
		}
	}
	return out
}

// lcExposedService is a Service whose pods are reachable from outside the cluster, and why.
type lcExposedService struct {
	selector labels.Selector
	via      string
}

// lcExposingServices returns, per namespace, the Services that are externally reachable: of type
// LoadBalancer or NodePort, with external IPs, or the backend of an Ingress or Gateway API route.
func lcExposingServices(s *check.Snapshot) map[string][]lcExposedService {
	backends := lcRoutedServices(s)
	out := map[string][]lcExposedService{}
	for _, svc := range s.Services {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		via := backends[svc.Namespace][svc.Name]
		switch {
		case svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort:
			via = fmt.Sprintf("%s Service %s", svc.Spec.Type, svc.Name)
		case len(svc.Spec.ExternalIPs) > 0:
			via = fmt.Sprintf("Service %s with externalIPs", svc.Name)
		case via != "":
			via = fmt.Sprintf("Service %s behind %s", svc.Name, via)
		default:
			continue
		}
		out[svc.Namespace] = append(out[svc.Namespace], lcExposedService{selector: labels.SelectorFromSet(svc.Spec.Selector), via: via})
	}
	return out
}

// lcRoutedServices returns, per namespace and Service name, the first Ingress or Gateway API route
// that sends outside traffic to the Service.
func lcRoutedServices(s *check.Snapshot) map[string]map[string]string {
	backends := map[string]map[string]string{}
	add := func(ns, svc, via string) {
		if backends[ns] == nil {
			backends[ns] = map[string]string{}
		}
		if _, ok := backends[ns][svc]; !ok {
			backends[ns][svc] = via
		}
	}
	for _, ing := range s.Ingresses {
		via := "Ingress " + ing.Namespace + "/" + ing.Name
		if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
			add(ing.Namespace, b.Service.Name, via)
		}
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service != nil {
					add(ing.Namespace, p.Backend.Service.Name, via)
				}
			}
		}
	}
	for _, kind := range []string{"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"} {
		for _, route := range s.ExtraObjects(kind + ".gateway.networking.k8s.io") {
			via := kind + " " + route.GetNamespace() + "/" + route.GetName()
			for _, ref := range lcRouteServiceBackends(route) {
				add(ref.Namespace, ref.Name, via)
			}
		}
	}
	return backends
}

// lcRouteServiceBackends returns the Services a Gateway API route forwards to.
func lcRouteServiceBackends(route *unstructured.Unstructured) []check.ObjectRef {
	var out []check.ObjectRef
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			continue
		}
		refs, _, _ := unstructured.NestedSlice(rule, "backendRefs")
		for _, b := range refs {
			ref, ok := b.(map[string]any)
			if !ok {
				continue
			}
			group, _, _ := unstructured.NestedString(ref, "group")
			kind, _, _ := unstructured.NestedString(ref, "kind")
			name, _, _ := unstructured.NestedString(ref, "name")
			ns, _, _ := unstructured.NestedString(ref, "namespace")
			if group != "" || (kind != "" && kind != "Service") || name == "" {
				continue
			}
			if ns == "" {
				ns = route.GetNamespace()
			}
			out = append(out, check.ObjectRef{Kind: "Service", Namespace: ns, Name: name})
		}
	}
	return out
}

func lcPodExposedBy(p *corev1.Pod, services []lcExposedService) string {
	for _, svc := range services {
		if svc.selector.Matches(labels.Set(p.Labels)) {
			return svc.via
		}
	}
	return ""
}
