package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func img013() check.Check {
	return check.Check{
		ID:         "IMG-013",
		Title:      "An in-cluster registry is redundant, isolated and garbage-collected",
		Domain:     check.DomainImages,
		Level:      check.L1,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S8.2", "S5.2", "S5.1"}, MLPS: []string{"G7b"}},
		Rationale: "A single registry replica stops every rollout and node replacement when it fails, an " +
			"unisolated registry is reachable from every pod, and without garbage collection deleted " +
			"images pile up. L1 wants at least 2 replicas, a default-deny ingress NetworkPolicy and " +
			"scheduled GC; L3 an odd replica count of at least 3. An external registry needs an attestation.",
		Remediation: "Scale the registry to 2 or more replicas (an odd number of at least 3 at L3) on " +
			"shared storage, add a default-deny ingress NetworkPolicy to its namespace with explicit allows, " +
			"and schedule garbage collection (Harbor's GC schedule, or a CronJob running registry " +
			"garbage-collect).",
		LevelDependent: true,
		Reads:          []string{"CiliumClusterwideNetworkPolicy.cilium.io", "CiliumNetworkPolicy.cilium.io", "GlobalNetworkPolicy.crd.projectcalico.org", "GlobalNetworkPolicy.projectcalico.org", "NetworkPolicy.crd.projectcalico.org", "NetworkPolicy.projectcalico.org"},
		Evaluate:       imgInClusterRegistry,
	}
}

func imgInClusterRegistry(s *check.Snapshot, env *check.Env) []check.Finding {
	type registry struct {
		ref      check.ObjectRef
		replicas *int32
		spec     *corev1.PodSpec
	}
	var found []registry
	consider := func(kind string, meta *metav1.ObjectMeta, replicas *int32, tmpl *corev1.PodTemplateSpec) {
		if env.Scope.Excluded[meta.Namespace] || !imgRunsRegistry(s, env, &tmpl.Spec) {
			return
		}
		found = append(found, registry{check.ObjectRef{Kind: kind, Namespace: meta.Namespace, Name: meta.Name}, replicas, &tmpl.Spec})
	}
	for _, d := range s.Deployments {
		consider("Deployment", &d.ObjectMeta, d.Spec.Replicas, &d.Spec.Template)
	}
	for _, st := range s.StatefulSets {
		consider("StatefulSet", &st.ObjectMeta, st.Spec.Replicas, &st.Spec.Template)
	}
	if len(found) == 0 {
		return []check.Finding{check.NotApplicablef("no image registry runs in the cluster: an external registry's redundancy, network zone and garbage collection need an attestation")}
	}
	policies := netpol.PoliciesByNamespace(s)
	cni, out := netpol.CNIPolicies(s)
	for _, r := range found {
		replicas := int32(1)
		if r.replicas != nil {
			replicas = *r.replicas
		}
		var problems []string
		switch {
		case replicas < 2:
			problems = append(problems, fmt.Sprintf("runs %d replica (at least 2 needed)", replicas))
		case env.Level >= check.L3 && (replicas < 3 || replicas%2 == 0):
			problems = append(problems, fmt.Sprintf("runs %d replicas (L3 needs an odd number of at least 3)", replicas))
		}
		isolated := netpol.CNIDefaultDenyIngress(s, cni, r.ref.Namespace) != ""
		for _, np := range policies[r.ref.Namespace] {
			isolated = isolated || netpol.IsDefaultDeny(np, networkingv1.PolicyTypeIngress)
		}
		if !isolated {
			problems = append(problems, fmt.Sprintf("namespace %s has no default-deny ingress NetworkPolicy", r.ref.Namespace))
		}
		gcJob := imgGarbageCollectionJob(s, r.ref.Namespace)
		builtIn := imgHasBuiltInGC(r.spec)
		if gcJob == "" && !builtIn {
			problems = append(problems, "no CronJob in its namespace runs registry garbage-collect")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(r.ref, "in-cluster image registry %s", strings.Join(problems, "; ")))
		} else if gcJob == "" {
			out = append(out, check.Finding{Result: check.Manual, Object: r.ref, Message: "the registry schedules garbage collection itself: " +
				"verify that its GC schedule is enabled (Harbor: Administration > Clean Up) and attest it"})
		}
	}
	return out
}

// imgRunsRegistry reports whether a pod template runs a registry image.
func imgRunsRegistry(s *check.Snapshot, env *check.Env, spec *corev1.PodSpec) bool {
	for _, c := range spec.Containers {
		ref, err := imageref.Parse(c.Image)
		if err != nil {
			continue
		}
		for _, pat := range env.Params.Images.RegistryImages {
			segments := strings.Count(pat, "/") + 1
			parts := strings.Split(ref.Repository, "/")
			if len(parts) >= segments && glob.Wildcard(pat, strings.Join(parts[len(parts)-segments:], "/")) {
				return true
			}
		}
	}
	return false
}

// imgHasBuiltInGC reports registries that schedule garbage collection themselves (Harbor, zot,
// Quay) rather than through an external job, as the CNCF distribution registry needs.
func imgHasBuiltInGC(spec *corev1.PodSpec) bool {
	for _, c := range spec.Containers {
		for _, marker := range []string{"goharbor/", "project-zot/", "projectquay/"} {
			if strings.Contains(c.Image, marker) {
				return true
			}
		}
	}
	return false
}

// imgGarbageCollectionJob returns the name of a CronJob in ns that collects registry garbage.
func imgGarbageCollectionJob(s *check.Snapshot, ns string) string {
	for _, cj := range s.CronJobs {
		if cj.Namespace != ns || (cj.Spec.Suspend != nil && *cj.Spec.Suspend) {
			continue
		}
		if strings.Contains(cj.Name, "garbage") || glob.Wildcard("*gc*", cj.Name) {
			return cj.Name
		}
		for _, c := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers {
			if strings.Contains(strings.Join(append(append([]string{}, c.Command...), c.Args...), " "), "garbage-collect") {
				return cj.Name
			}
		}
	}
	return ""
}
