package nodes

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	corev1 "k8s.io/api/core/v1"
)

func node018() check.Check {
	return check.Check{
		ID:       "NODE-018",
		Title:    "Nodes are added automatically and every pool is homogeneous",
		Domain:   check.DomainNodes,
		Level:    check.L2,
		Severity: check.SeverityLow,
		References: check.References{
			Standard: []string{"S10.3"}, MLPS: []string{"G7a"},
		},
		Rationale: "Nodes provisioned by an autoscaler (Cluster Autoscaler, Karpenter, Cluster API) come from " +
			"one template, so new capacity is configured like the old; nodes of a pool that differ in kubelet, " +
			"OS image or runtime were changed by hand or missed an upgrade.",
		Remediation: "Run a node autoscaler (or manage the pools through Cluster API) and replace drifting nodes " +
			"from the pool's current template.",
		Reads:    []string{"MachineAutoscaler.autoscaling.openshift.io", "MachineDeployment.cluster.x-k8s.io", "MachinePool.cluster.x-k8s.io", "NodeClaim.karpenter.sh", gkKarpenterNodePool},
		Evaluate: nodeAutoscaling,
	}
}

func nodeAutoscaling(s *check.Snapshot, env *check.Env) []check.Finding {
	if f := nodeClusterFacts(s); f != nil {
		return f
	}
	var out []check.Finding
	if !nodeHasAutoscaler(s, env) {
		out = append(out, check.Failf(check.ObjectRef{}, "nothing adds nodes automatically: no running Deployment with an image matching "+
			"Nodes.AutoscalerImages, no kube-system/cluster-autoscaler-status ConfigMap (published by managed autoscalers), "+
			"and no object of %s", strings.Join(env.Params.Nodes.AutoscalerKinds, ", ")))
	}
	fields := []struct {
		what  string
		value func(*corev1.Node) string
	}{
		{"kubelet", func(n *corev1.Node) string { return n.Status.NodeInfo.KubeletVersion }},
		{"osImage", func(n *corev1.Node) string { return n.Status.NodeInfo.OSImage }},
		{"runtime", func(n *corev1.Node) string { return n.Status.NodeInfo.ContainerRuntimeVersion }},
	}
	var drifts []map[string]string
	for _, f := range fields {
		drifts = append(drifts, nodeDrift(s, env, f.what, f.value))
	}
	for _, n := range s.Nodes {
		var problems []string
		for _, d := range drifts {
			if msg, ok := d[n.Name]; ok {
				problems = append(problems, msg)
			}
		}
		out = append(out, nodeFinding(n, problems)...)
	}
	return out
}

func nodeHasAutoscaler(s *check.Snapshot, env *check.Env) bool {
	p := env.Params.Nodes
	for _, gk := range p.AutoscalerKinds {
		if len(s.ExtraObjects(gk)) > 0 {
			return true
		}
	}
	for _, cm := range s.ConfigMaps {
		if cm.Namespace == "kube-system" && cm.Name == "cluster-autoscaler-status" {
			return true
		}
	}
	for _, d := range s.Deployments {
		if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if name := imageref.BaseName(c.Image); slices.ContainsFunc(p.AutoscalerImages, func(g string) bool { return glob.Match(g, name) }) {
				return true
			}
		}
	}
	return false
}
