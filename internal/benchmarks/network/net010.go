package network

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func net010() check.Check {
	return check.Check{
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
	}
}

// netServicesBalanced is the Evaluate function of NET-010.
func netServicesBalanced(s *check.Snapshot, env *check.Env) []check.Finding {
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
		if !env.Scope.InScope(s, svc.Namespace) || len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
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
