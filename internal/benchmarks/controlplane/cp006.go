package controlplane

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cp006() check.Check {
	return check.Check{
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
	}
}

func cpRebalancing(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("whether a descheduler runs is a fact of a live cluster")}
	}
	patterns := env.Params.ControlPlane.DeschedulerNames
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
		if !env.Scope.InScope(s, meta.Namespace) || replicas == nil || *replicas < 2 {
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
