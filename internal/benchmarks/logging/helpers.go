package logging

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// logAgentCoverage checks that DaemonSets matching patterns exist, that each has all its pods
// ready, and that together they place a pod on every node.
func logAgentCoverage(s *check.Snapshot, patterns []string, what string) []check.Finding {
	var agents []*appsv1.DaemonSet
	for _, ds := range s.DaemonSets {
		if cpflags.NameMatches(&ds.ObjectMeta, patterns) {
			agents = append(agents, ds)
		}
	}
	if len(agents) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "DaemonSet"}, "no %s DaemonSet runs (none matches %s)", what, strings.Join(patterns, ", "))}
	}
	var out []check.Finding
	for _, ds := range agents {
		if f, bad := logDaemonSetReadiness(ds, what); bad {
			out = append(out, f)
		}
	}
	for _, n := range s.Nodes {
		var reasons []string
		for _, ds := range agents {
			reason := logDaemonSetSkips(ds, n)
			if reason == "" {
				reasons = nil
				break
			}
			reasons = append(reasons, fmt.Sprintf("%s/%s %s", ds.Namespace, ds.Name, reason))
		}
		if len(reasons) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name}, "no %s runs on this node: %s", what, strings.Join(reasons, "; ")))
		}
	}
	return out
}

// logDaemonSetReadiness reports a DaemonSet that schedules no pod or whose pods are not all ready.
func logDaemonSetReadiness(ds *appsv1.DaemonSet, what string) (check.Finding, bool) {
	ref := check.ObjectRef{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}
	st := ds.Status
	switch {
	case st.DesiredNumberScheduled == 0:
		return check.Failf(ref, "%s DaemonSet schedules no pod", what), true
	case st.NumberReady < st.DesiredNumberScheduled:
		return check.Failf(ref, "%s DaemonSet has %d of %d pods ready", what, st.NumberReady, st.DesiredNumberScheduled), true
	}
	return check.Finding{}, false
}

// logAutoTolerated are the taints the DaemonSet controller tolerates on every DaemonSet pod.
var logAutoTolerated = map[string]bool{
	corev1.TaintNodeNotReady:           true,
	corev1.TaintNodeUnreachable:        true,
	corev1.TaintNodeDiskPressure:       true,
	corev1.TaintNodeMemoryPressure:     true,
	corev1.TaintNodePIDPressure:        true,
	corev1.TaintNodeUnschedulable:      true,
	corev1.TaintNodeNetworkUnavailable: true,
}

// logDaemonSetSkips says why the DaemonSet places no pod on node n: a nodeSelector it does not
// match or a taint its pods do not tolerate. Empty means it does place one.
func logDaemonSetSkips(ds *appsv1.DaemonSet, n *corev1.Node) string {
	spec := &ds.Spec.Template.Spec
	for k, v := range spec.NodeSelector {
		if n.Labels[k] != v {
			return fmt.Sprintf("has nodeSelector %s=%s, which the node does not match", k, v)
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule || logAutoTolerated[t.Key] {
			continue
		}
		if !logTolerates(spec.Tolerations, t) {
			return fmt.Sprintf("does not tolerate the taint %s", logTaintString(t))
		}
	}
	return ""
}

func logTolerates(tolerations []corev1.Toleration, t corev1.Taint) bool {
	for _, tol := range tolerations {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		switch {
		case tol.Key == "" && tol.Operator == corev1.TolerationOpExists:
			return true
		case tol.Key != t.Key:
			continue
		case tol.Operator == corev1.TolerationOpExists:
			return true
		case (tol.Operator == "" || tol.Operator == corev1.TolerationOpEqual) && tol.Value == t.Value:
			return true
		}
	}
	return false
}

func logTaintString(t corev1.Taint) string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}
