package workloads

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func wkl021() check.Check {
	return check.Check{
		ID:         "WKL-021",
		Title:      "Critical workloads survive the loss of a node",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S12.8"}, MLPS: []string{"G7a"}},
		Rationale: "A single replica, or replicas packed onto one node, go down with that node; without a " +
			"PodDisruptionBudget a node drain can evict every replica at once. Only namespaces labelled " +
			check.LabelCritical + "=true are held to this.",
		Remediation: "In critical namespaces run at least 2 replicas, add a PodDisruptionBudget selecting " +
			"the pods, and spread them with pod anti-affinity or topologySpreadConstraints on " +
			"kubernetes.io/hostname.",
		Evaluate: lcNodeLossTolerance,
	}
}

// WKL-021.
func lcNodeLossTolerance(s *check.Snapshot, env *check.Env) []check.Finding {
	critical := map[string]bool{}
	for _, ns := range env.Scope.Namespaces(s) {
		if ns.Labels[check.LabelCritical] == "true" {
			critical[ns.Name] = true
		}
	}
	if len(critical) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace is labelled %s=true", check.LabelCritical)}
	}
	type replicated struct {
		ref      check.ObjectRef
		replicas *int32
		tmpl     *corev1.PodTemplateSpec
	}
	var targets []replicated
	for _, d := range s.Deployments {
		if critical[d.Namespace] {
			targets = append(targets, replicated{check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}, d.Spec.Replicas, &d.Spec.Template})
		}
	}
	for _, st := range s.StatefulSets {
		if critical[st.Namespace] {
			targets = append(targets, replicated{check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}, st.Spec.Replicas, &st.Spec.Template})
		}
	}
	if len(targets) == 0 {
		return []check.Finding{check.NotApplicablef("no Deployment or StatefulSet runs in the critical namespaces")}
	}
	keys := env.Params.Lifecycle.SpreadTopologyKeys
	var out []check.Finding
	for _, t := range targets {
		replicas := int32(1)
		if t.replicas != nil {
			replicas = *t.replicas
		}
		if replicas == 0 {
			continue // scaled down on purpose: nothing runs that a node loss could take down
		}
		var problems []string
		if replicas < 2 {
			problems = append(problems, fmt.Sprintf("replicas is %d (want at least 2)", replicas))
		}
		if !lcHasPDB(s, t.ref.Namespace, t.tmpl.Labels) {
			problems = append(problems, "no PodDisruptionBudget selects its pods")
		}
		if !lcSpreadsAcrossNodes(&t.tmpl.Spec, t.tmpl.Labels, keys) {
			problems = append(problems, fmt.Sprintf("no pod anti-affinity or topologySpreadConstraints on %s selects its own pods", strings.Join(keys, " or ")))
		}
		out = lcAppendProblems(out, t.ref, problems)
	}
	return out
}

func lcHasPDB(s *check.Snapshot, ns string, podLabels map[string]string) bool {
	for _, pdb := range s.PodDisruptionBudgets {
		if pdb.Namespace == ns && labelsel.Matches(pdb.Spec.Selector, podLabels) {
			return true
		}
	}
	return false
}

// lcSpreadsAcrossNodes reports whether the pod spec keeps its own replicas apart on one of keys,
// by required or preferred pod anti-affinity or by a topology spread constraint.
func lcSpreadsAcrossNodes(spec *corev1.PodSpec, podLabels map[string]string, keys []string) bool {
	selectsSelf := func(sel *metav1.LabelSelector, matchLabelKeys []string) bool {
		// matchLabelKeys adds the incoming pod's own values to the selector, so it selects itself.
		return labelsel.Matches(sel, podLabels) || (sel == nil && len(matchLabelKeys) > 0)
	}
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		terms := append([]corev1.PodAffinityTerm{}, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
		for _, t := range terms {
			if slices.Contains(keys, t.TopologyKey) && selectsSelf(t.LabelSelector, t.MatchLabelKeys) {
				return true
			}
		}
	}
	for _, c := range spec.TopologySpreadConstraints {
		if slices.Contains(keys, c.TopologyKey) && selectsSelf(c.LabelSelector, c.MatchLabelKeys) {
			return true
		}
	}
	return false
}
