package nodes

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func node001() check.Check {
	return check.Check{
		ID:       "NODE-001",
		Title:    "Every node is Ready, under no resource pressure and not overcommitted by pod requests",
		Domain:   check.DomainNodes,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S2.4"},
		},
		Rationale: "A node that is not Ready or reports memory, disk or PID pressure evicts pods and refuses new " +
			"ones; a node whose pods already request nearly all of its allocatable CPU or memory has no headroom " +
			"for bursts or for the pods of a failed neighbour.",
		Remediation: "Fix or replace nodes that are not Ready or under pressure (free disk, raise eviction " +
			"thresholds, move workloads), and add capacity or rebalance pods where requests exceed " +
			"Nodes.MaxRequestedPercent of allocatable.",
		Evaluate: nodeHealth,
	}
}

func nodeHealth(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	requested := nodeRequests(s)
	var out []check.Finding
	for _, n := range s.Nodes {
		var problems []string
		ready := false
		for _, c := range n.Status.Conditions {
			switch c.Type {
			case corev1.NodeReady:
				ready = true
				if c.Status != corev1.ConditionTrue {
					problems = append(problems, "Ready is "+nodeConditionDetail(c))
				}
			case corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure:
				if c.Status == corev1.ConditionTrue {
					problems = append(problems, string(c.Type)+" is "+nodeConditionDetail(c))
				}
			}
		}
		if !ready {
			problems = append(problems, "reports no Ready condition")
		}
		problems = append(problems, nodeOvercommit(s, env, n, requested[n.Name])...)
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

// nodeConditionDetail describes a condition's status with its time, reason and message.
func nodeConditionDetail(c corev1.NodeCondition) string {
	out := string(c.Status)
	if !c.LastTransitionTime.IsZero() {
		out += " since " + c.LastTransitionTime.UTC().Format(time.RFC3339)
	}
	var why []string
	for _, part := range []string{c.Reason, strings.TrimSpace(c.Message)} {
		if part != "" {
			why = append(why, part)
		}
	}
	if len(why) > 0 {
		out += " (" + check.Truncate(strings.Join(why, ": "), 160) + ")"
	}
	return out
}

// nodeRequests sums the CPU (millicores) and memory (bytes) requests of the pods bound to each
// node that have not finished, whatever their namespace: capacity is shared by all of them.
func nodeRequests(s *check.Snapshot) map[string][2]int64 {
	out := map[string][2]int64{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		cpu := nodePodRequest(&p.Spec, corev1.ResourceCPU)
		mem := nodePodRequest(&p.Spec, corev1.ResourceMemory)
		sum := out[p.Spec.NodeName]
		sum[0] += cpu.MilliValue()
		sum[1] += mem.Value()
		out[p.Spec.NodeName] = sum
	}
	return out
}

// nodePodRequest computes a pod's effective request the way the scheduler does: pod-level
// requests when set; otherwise the containers plus sidecars, or the largest init container
// (with the sidecars started before it) when that is more; plus the runtime class overhead.
func nodePodRequest(spec *corev1.PodSpec, name corev1.ResourceName) resource.Quantity {
	var sum resource.Quantity
	if q, ok := podLevelRequest(spec, name); ok {
		sum = q
	} else {
		var sidecars, initMax resource.Quantity
		for i := range spec.Containers {
			sum.Add(spec.Containers[i].Resources.Requests[name])
		}
		for i := range spec.InitContainers {
			c := &spec.InitContainers[i]
			q := c.Resources.Requests[name]
			if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				sum.Add(q)
				sidecars.Add(q)
				continue
			}
			q.Add(sidecars)
			if q.Cmp(initMax) > 0 {
				initMax = q
			}
		}
		if initMax.Cmp(sum) > 0 {
			sum = initMax
		}
	}
	if q, ok := spec.Overhead[name]; ok {
		sum.Add(q)
	}
	return sum
}

func podLevelRequest(spec *corev1.PodSpec, name corev1.ResourceName) (resource.Quantity, bool) {
	if spec.Resources == nil {
		return resource.Quantity{}, false
	}
	q, ok := spec.Resources.Requests[name]
	return q.DeepCopy(), ok
}

func nodeOvercommit(s *check.Snapshot, env *check.Env, n *corev1.Node, requested [2]int64) []string {
	limit := env.Params.Nodes.MaxRequestedPercent
	if limit <= 0 {
		return nil
	}
	var problems []string
	if alloc, ok := n.Status.Allocatable[corev1.ResourceCPU]; ok && alloc.MilliValue() > 0 {
		if pct := float64(requested[0]) * 100 / float64(alloc.MilliValue()); pct > float64(limit) {
			problems = append(problems, fmt.Sprintf("pods request %s of %s allocatable CPU (%.0f%%), above Nodes.MaxRequestedPercent %d%%",
				resource.NewMilliQuantity(requested[0], resource.DecimalSI), alloc.String(), pct, limit))
		}
	}
	if alloc, ok := n.Status.Allocatable[corev1.ResourceMemory]; ok && alloc.Value() > 0 {
		if pct := float64(requested[1]) * 100 / float64(alloc.Value()); pct > float64(limit) {
			const gi = 1 << 30
			problems = append(problems, fmt.Sprintf("pods request %.1fGi of %.1fGi allocatable memory (%.0f%%), above Nodes.MaxRequestedPercent %d%%",
				float64(requested[1])/gi, float64(alloc.Value())/gi, pct, limit))
		}
	}
	return problems
}
