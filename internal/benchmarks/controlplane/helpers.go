package controlplane

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	corev1 "k8s.io/api/core/v1"
)

// cpNodeRoleLabels mark control-plane nodes: kubeadm's current and legacy labels, and RKE's.
var cpNodeRoleLabels = []string{
	"node-role.kubernetes.io/control-plane",
	"node-role.kubernetes.io/master",
	"node-role.kubernetes.io/controlplane",
}

// cpNodes returns the control-plane nodes: those with a control-plane role label and those that
// run a kube-apiserver mirror pod, which covers distributions that do not label them.
func cpNodes(s *check.Snapshot) []*corev1.Node {
	apiNodes := map[string]bool{}
	for _, f := range cpflags.Of(s, "kube-apiserver") {
		apiNodes[f.Node] = true
	}
	var out []*corev1.Node
	for _, n := range s.Nodes {
		if apiNodes[n.Name] || slices.ContainsFunc(cpNodeRoleLabels, func(l string) bool { _, ok := n.Labels[l]; return ok }) {
			out = append(out, n)
		}
	}
	return out
}

func cpNodeNames(nodes []*corev1.Node) string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}

// cpAdmissionPlugins returns the admission plugins an API server enables explicitly, minus the
// ones it disables.
func cpAdmissionPlugins(flags map[string]string) []string {
	disabled := strings.Split(flags["disable-admission-plugins"], ",")
	var out []string
	for _, list := range []string{flags["enable-admission-plugins"], flags["admission-control"]} {
		for _, p := range strings.Split(list, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(disabled, p) {
				out = append(out, p)
			}
		}
	}
	return out
}
