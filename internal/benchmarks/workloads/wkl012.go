package workloads

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl012() check.Check {
	return check.Check{
		ID:       "WKL-012",
		Title:    "Containers have CPU and memory limits and requests; namespaces have a LimitRange and a ResourceQuota",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S2.5", "S12.2"}, MLPS: []string{"G7d"},
		},
		Rationale: "A container without limits can starve its neighbours of CPU and memory, turning one " +
			"runaway or compromised workload into a node-wide outage; a namespace without a LimitRange and a " +
			"ResourceQuota has no ceiling at all. Defaults a LimitRange gives and pod-level resources count.",
		Remediation: "Set resources.limits and resources.requests for cpu and memory on every container and " +
			"init container, and create a LimitRange (with default limits) and a ResourceQuota in every " +
			"application namespace.",
		Evaluate: func(s *check.Snapshot, env *check.Env) []check.Finding {
			out := eachWorkload(func(s *check.Snapshot, _ *check.Env, w *check.Workload) []string {
				limits, requests := containerDefaults(s, w.Ref.Namespace)
				return resourceProblems(w, limits, requests)
			})(s, env)
			for _, ns := range env.Scope.Namespaces(s) {
				var missing []string
				if !hasLimitRange(s, ns.Name) {
					missing = append(missing, "LimitRange")
				}
				if !hasResourceQuota(s, ns.Name) {
					missing = append(missing, "ResourceQuota")
				}
				if len(missing) > 0 {
					out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name},
						"namespace has no %s", strings.Join(missing, " and no ")))
				}
			}
			return out
		},
	}
}

// The resources WKL-012 requires on every container.
var requiredResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// containerDefaults returns the default limits and requests the namespace's LimitRanges give
// containers at admission; a default limit is also the default request when none is set.
func containerDefaults(s *check.Snapshot, ns string) (limits, requests corev1.ResourceList) {
	limits, requests = corev1.ResourceList{}, corev1.ResourceList{}
	for _, lr := range s.LimitRanges {
		if lr.Namespace != ns {
			continue
		}
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for name, q := range item.Default {
				limits[name] = q
				requests[name] = q
			}
			for name, q := range item.DefaultRequest {
				requests[name] = q
			}
		}
	}
	return limits, requests
}

// resourceProblems lists the containers and init containers (ephemeral containers cannot have
// resources) missing a cpu or memory limit or request, after pod-level resources and the
// namespace's LimitRange defaults. A request defaults to the limit, as the API server does.
func resourceProblems(w *check.Workload, defLimits, defRequests corev1.ResourceList) []string {
	var pod corev1.ResourceRequirements
	if w.Spec.Resources != nil {
		pod = *w.Spec.Resources
	}
	var problems []string
	check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
		if kind == check.EphemeralContainer {
			return
		}
		var missing []string
		for _, name := range requiredResources {
			if !hasQuantity(name, c.Resources.Limits, pod.Limits, defLimits) {
				missing = append(missing, "limits."+string(name))
			}
			if !hasQuantity(name, c.Resources.Requests, c.Resources.Limits, pod.Requests, defRequests) {
				missing = append(missing, "requests."+string(name))
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%s has no %s", check.ContainerRef(c, kind), strings.Join(missing, ", ")))
		}
	})
	return problems
}

// hasQuantity reports whether any of the lists sets name.
func hasQuantity(name corev1.ResourceName, lists ...corev1.ResourceList) bool {
	for _, l := range lists {
		if _, ok := l[name]; ok {
			return true
		}
	}
	return false
}

func hasLimitRange(s *check.Snapshot, ns string) bool {
	for _, lr := range s.LimitRanges {
		if lr.Namespace == ns {
			return true
		}
	}
	return false
}

func hasResourceQuota(s *check.Snapshot, ns string) bool {
	for _, rq := range s.ResourceQuotas {
		if rq.Namespace == ns {
			return true
		}
	}
	return false
}
