package workloads

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func wkl024() check.Check {
	return check.Check{
		ID:         "WKL-024",
		Title:      "Pods on one node share a single data classification",
		Domain:     check.DomainWorkloads,
		Level:      check.L3,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S4.9"}, NIST: []string{"4.3.4", "4.5.2"}},
		Rationale: "Containers share the node's kernel, so a breakout from a low-classification pod reaches " +
			"the data of every pod beside it. Classification comes from the pod's label, else its " +
			"namespace's; DaemonSet pods run everywhere by design and are left out.",
		Remediation: "Give each classification its own node pool: taint the pool, and add a nodeSelector " +
			"or node affinity plus the matching toleration to the workloads of that classification.",
		Evaluate: lcClassificationColocation,
	}
}

// WKL-024.
func lcClassificationColocation(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("pod placement on nodes is only known in a live cluster")}
	}
	byNode := lcPlacedPodsByNode(s, env)
	if len(byNode) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod is scheduled on a node")}
	}
	key := env.Params.ClassificationLabel
	var out []check.Finding
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		examples := map[string]string{} // classification -> first pod
		for _, p := range byNode[node] {
			class := p.Labels[key]
			if class == "" {
				if ns := s.Namespace(p.Namespace); ns != nil {
					class = ns.Labels[key]
				}
			}
			if class == "" {
				class = "(none)"
			}
			if _, ok := examples[class]; !ok {
				examples[class] = p.Namespace + "/" + p.Name
			}
		}
		if len(examples) > 1 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: node}, "node runs pods of %d data classifications: %s",
				len(examples), lcDescribeGroups(examples)))
		}
	}
	return out
}

// lcDescribeGroups renders "a (e.g. ns/pod), b (e.g. ns/pod)" in a stable order.
func lcDescribeGroups(examples map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(examples)) {
		parts = append(parts, fmt.Sprintf("%s (e.g. %s)", k, examples[k]))
	}
	return strings.Join(parts, ", ")
}
