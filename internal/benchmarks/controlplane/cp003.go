package controlplane

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cp003() check.Check {
	return check.Check{
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
	}
}

func cpNoWorkloads(s *check.Snapshot, env *check.Env) []check.Finding {
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
		if !cpTainted(n, env.Params.ControlPlane.TaintKeys) {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name},
				"control-plane node has no NoSchedule or NoExecute taint with key %s, so the scheduler places workloads on it",
				strings.Join(env.Params.ControlPlane.TaintKeys, " or ")))
		}
	}
	for _, p := range s.Pods {
		if !onCP[p.Spec.NodeName] || !env.Scope.InScope(s, p.Namespace) || check.PodTerminated(p) {
			continue
		}
		if owner := metav1.GetControllerOfNoCopy(p); owner != nil && owner.Kind == "DaemonSet" {
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
