package netpol

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Optional policy kinds of the CNIs that extend NetworkPolicy. Calico serves its kinds in
// projectcalico.org through its API server and stores them in crd.projectcalico.org; either may
// be present.
const (
	gkCiliumNetworkPolicy            = "CiliumNetworkPolicy.cilium.io"
	gkCiliumClusterwideNetworkPolicy = "CiliumClusterwideNetworkPolicy.cilium.io"
	gkCalicoNetworkPolicy            = "NetworkPolicy.projectcalico.org"
	gkCalicoGlobalNetworkPolicy      = "GlobalNetworkPolicy.projectcalico.org"
	gkCalicoCRDNetworkPolicy         = "NetworkPolicy.crd.projectcalico.org"
	gkCalicoCRDGlobalNetworkPolicy   = "GlobalNetworkPolicy.crd.projectcalico.org"
)

// CNIPolicy is one ingress-relevant rule of a Cilium or Calico policy, reduced to what the
// isolation checks ask: which pods it selects, whether it isolates them for ingress, and whether
// it allows any ingress at all.
type CNIPolicy struct {
	ref check.ObjectRef
	// namespace is the policy's namespace; "" for cluster-wide kinds.
	namespace string
	// ingress is true when the policy puts the pods it selects into default-deny for ingress.
	ingress bool
	// allowsNone is true when it allows no ingress traffic at all.
	allowsNone bool
	// selects reports whether the policy selects a pod with podLabels in namespace ns; nil
	// podLabels asks whether it selects every pod of the namespace.
	selects func(s *check.Snapshot, ns string, podLabels map[string]string) bool
}

// CNIPolicies reads the Cilium and Calico policies of the snapshot. A policy whose selector
// cannot be read is returned as an Error finding, never as isolation.
func CNIPolicies(s *check.Snapshot) ([]CNIPolicy, []check.Finding) {
	var out []CNIPolicy
	var errs []check.Finding
	add := func(p []CNIPolicy, err error, u *unstructured.Unstructured) {
		if err != nil {
			errs = append(errs, check.Errorf(unstruct.Ref(u), "the policy cannot be read: %v", err))
			return
		}
		out = append(out, p...)
	}
	for _, gk := range []string{gkCiliumNetworkPolicy, gkCiliumClusterwideNetworkPolicy} {
		for _, u := range s.ExtraObjects(gk) {
			p, err := ciliumPolicies(u)
			add(p, err, u)
		}
	}
	for _, gk := range []string{gkCalicoNetworkPolicy, gkCalicoCRDNetworkPolicy, gkCalicoGlobalNetworkPolicy, gkCalicoCRDGlobalNetworkPolicy} {
		for _, u := range s.ExtraObjects(gk) {
			p, err := calicoPolicy(u)
			add(p, err, u)
		}
	}
	return out, errs
}

// --- Cilium ---

// Cilium label sources and the labels it adds to every endpoint.
const (
	ciliumNamespaceLabel       = "io.kubernetes.pod.namespace"
	ciliumNamespaceLabelPrefix = "io.cilium.k8s.namespace.labels."
)

// ciliumPolicies reads the rules of a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy
// (spec and specs). A rule with a non-empty ingress or ingressDeny list puts the endpoints it
// selects into ingress default-deny, unless enableDefaultDeny.ingress is false; an ingress rule
// that is an empty object allows nothing. Node (host) policies are left out.
func ciliumPolicies(u *unstructured.Unstructured) ([]CNIPolicy, error) {
	var specs []map[string]any
	if spec, ok := u.Object["spec"].(map[string]any); ok {
		specs = append(specs, spec)
	}
	if list, ok := u.Object["specs"].([]any); ok {
		for _, item := range list {
			if spec, ok := item.(map[string]any); ok {
				specs = append(specs, spec)
			}
		}
	}
	var out []CNIPolicy
	for _, spec := range specs {
		raw, ok := spec["endpointSelector"].(map[string]any)
		if !ok {
			continue // a nodeSelector rule governs hosts, not pods
		}
		var ls metav1.LabelSelector
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
			return nil, fmt.Errorf("endpointSelector: %w", err)
		}
		sel, wholeNS, err := ciliumSelector(&ls)
		if err != nil {
			return nil, fmt.Errorf("endpointSelector: %w", err)
		}
		ingress, _ := spec["ingress"].([]any)
		deny, _ := spec["ingressDeny"].([]any)
		governs := len(ingress) > 0 || len(deny) > 0
		if v, found, _ := unstructured.NestedBool(spec, "enableDefaultDeny", "ingress"); found && !v {
			governs = false
		}
		allowsNone := !slices.ContainsFunc(ingress, func(r any) bool { m, _ := r.(map[string]any); return len(m) > 0 })
		namespace := u.GetNamespace()
		out = append(out, CNIPolicy{
			ref: unstruct.Ref(u), namespace: namespace, ingress: governs, allowsNone: governs && allowsNone,
			selects: func(s *check.Snapshot, ns string, podLabels map[string]string) bool {
				if namespace != "" && namespace != ns {
					return false
				}
				set := labels.Set{ciliumNamespaceLabel: ns}
				if n := s.Namespace(ns); n != nil {
					for k, v := range n.Labels {
						set[ciliumNamespaceLabelPrefix+k] = v
					}
				}
				if podLabels == nil {
					return wholeNS.Matches(set)
				}
				for k, v := range podLabels {
					set[k] = v
				}
				return sel.Matches(set)
			},
		})
	}
	return out, nil
}

// ciliumSelector turns an endpointSelector into a selector over pod labels plus Cilium's
// namespace labels, with the k8s: and any: source prefixes removed. wholeNS keeps only the
// namespace requirements: it matches when the selector selects every pod of a namespace.
func ciliumSelector(ls *metav1.LabelSelector) (sel, wholeNS labels.Selector, err error) {
	strip := func(k string) string {
		for _, p := range []string{"k8s:", "any:"} {
			k = strings.TrimPrefix(k, p)
		}
		return k
	}
	isNS := func(k string) bool {
		return k == ciliumNamespaceLabel || strings.HasPrefix(k, ciliumNamespaceLabelPrefix)
	}
	all := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	ns := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	podRequirements := 0
	for k, v := range ls.MatchLabels {
		k = strip(k)
		all.MatchLabels[k] = v
		if isNS(k) {
			ns.MatchLabels[k] = v
		} else {
			podRequirements++
		}
	}
	for _, e := range ls.MatchExpressions {
		e.Key = strip(e.Key)
		all.MatchExpressions = append(all.MatchExpressions, e)
		if isNS(e.Key) {
			ns.MatchExpressions = append(ns.MatchExpressions, e)
		} else {
			podRequirements++
		}
	}
	if sel, err = metav1.LabelSelectorAsSelector(all); err != nil {
		return nil, nil, err
	}
	wholeNS = labels.Nothing()
	if podRequirements == 0 {
		if wholeNS, err = metav1.LabelSelectorAsSelector(ns); err != nil {
			return nil, nil, err
		}
	}
	return sel, wholeNS, nil
}

// --- Calico ---

// Labels Calico adds to the labels of every pod and namespace for its selectors.
const (
	calicoNamespaceLabel      = "projectcalico.org/namespace"
	calicoNamespaceNameLabel  = "projectcalico.org/name"
	calicoOrchestratorLabel   = "projectcalico.org/orchestrator"
	calicoServiceAccountLabel = "projectcalico.org/serviceaccount"
)

// calicoPolicy reads a Calico NetworkPolicy or GlobalNetworkPolicy. Without spec.types a policy
// governs ingress always (and egress when it has egress rules). A pod it selects is denied
// every ingress no rule allows; a rule with action Pass hands the decision to the next tier,
// so only a policy without Allow and Pass rules allows nothing.
func calicoPolicy(u *unstructured.Unstructured) ([]CNIPolicy, error) {
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	selText, _, _ := unstructured.NestedString(spec, "selector")
	sel, err := parseCalicoSelector(selText)
	if err != nil {
		return nil, fmt.Errorf("spec.selector %q: %w", selText, err)
	}
	nsText, _, _ := unstructured.NestedString(spec, "namespaceSelector")
	nsSel, err := parseCalicoSelector(nsText)
	if err != nil {
		return nil, fmt.Errorf("spec.namespaceSelector %q: %w", nsText, err)
	}
	types, found, _ := unstructured.NestedStringSlice(spec, "types")
	governs := !found || len(types) == 0 || slices.Contains(types, "Ingress")
	rules, _, _ := unstructured.NestedSlice(spec, "ingress")
	allowsNone := !slices.ContainsFunc(rules, func(r any) bool {
		m, _ := r.(map[string]any)
		action, _ := m["action"].(string)
		return action == "Allow" || action == "Pass"
	})
	namespace := u.GetNamespace()
	if strings.HasPrefix(u.GetKind(), "Global") {
		namespace = ""
	}
	return []CNIPolicy{{
		ref: unstruct.Ref(u), namespace: namespace, ingress: governs, allowsNone: governs && allowsNone,
		selects: func(s *check.Snapshot, ns string, podLabels map[string]string) bool {
			if namespace != "" && namespace != ns {
				return false
			}
			if namespace == "" {
				nsLabels := map[string]string{calicoNamespaceNameLabel: ns}
				if n := s.Namespace(ns); n != nil {
					for k, v := range n.Labels {
						nsLabels[k] = v
					}
				}
				if !nsSel.matches(nsLabels) {
					return false
				}
			}
			if podLabels == nil {
				return sel.selectsAll()
			}
			set := map[string]string{calicoNamespaceLabel: ns, calicoOrchestratorLabel: "k8s"}
			for k, v := range podLabels {
				set[k] = v
			}
			return sel.matches(set)
		},
	}}, nil
}

// --- use by the isolation checks ---

// CNIDefaultDenyIngress returns the Cilium or Calico policy that denies every ingress to every
// pod of namespace ns, or "".
func CNIDefaultDenyIngress(s *check.Snapshot, pols []CNIPolicy, ns string) string {
	for _, p := range pols {
		if p.allowsNone && p.selects(s, ns, nil) {
			return p.ref.String()
		}
	}
	return ""
}

// CNIIngressSelects reports whether a Cilium or Calico policy isolates the pod for ingress.
func CNIIngressSelects(s *check.Snapshot, pols []CNIPolicy, ns string, podLabels map[string]string) bool {
	if podLabels == nil {
		podLabels = map[string]string{}
	}
	return slices.ContainsFunc(pols, func(p CNIPolicy) bool { return p.ingress && p.selects(s, ns, podLabels) })
}
