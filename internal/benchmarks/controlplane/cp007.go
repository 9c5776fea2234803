package controlplane

import (
	"maps"
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func cp007() check.Check {
	return check.Check{
		ID:         "CP-007",
		Title:      "Cluster DNS has at least 2 ready replicas on at least 2 nodes",
		Domain:     check.DomainControlPlane,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S10.5"}},
		Rationale: "Every Service lookup goes through CoreDNS or kube-dns; with one replica, or all replicas on one " +
			"node, a single pod or node failure stops service discovery for the whole cluster.",
		Remediation: "Scale the CoreDNS Deployment to at least 2 replicas (or let the dns-autoscaler do it) and keep " +
			"them on different nodes with pod anti-affinity or a topology spread constraint on kubernetes.io/hostname.",
		Evaluate: cpDNSAvailability,
	}
}

func cpDNSAvailability(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("cluster DNS health is a fact of a live cluster")}
	}
	var out []check.Finding
	found := false
	for _, d := range s.Deployments {
		if !env.Scope.IsSystem(d.Namespace) || !cpIsClusterDNS(d) {
			continue
		}
		found = true
		if f, bad := cpDNSDeploymentProblem(s, d); bad {
			out = append(out, f)
		}
	}
	if found {
		return out
	}
	for _, svc := range s.Services {
		if svc.Namespace == metav1.NamespaceSystem && svc.Name == "kube-dns" {
			return []check.Finding{check.Manualf("the kube-system/kube-dns Service is served by no CoreDNS or kube-dns Deployment: verify that " +
				"the DNS server behind it runs at least 2 ready replicas on at least 2 nodes")}
		}
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "Deployment", Namespace: metav1.NamespaceSystem},
		"no CoreDNS or kube-dns Deployment runs in a system namespace, so Services cannot be found by name")}
}

func cpIsClusterDNS(d *appsv1.Deployment) bool {
	return d.Name == "coredns" || d.Name == "kube-dns" || d.Labels["k8s-app"] == "kube-dns"
}

// cpDNSDeploymentProblem judges one DNS Deployment by its ready replicas and the nodes of its
// ready pods.
func cpDNSDeploymentProblem(s *check.Snapshot, d *appsv1.Deployment) (check.Finding, bool) {
	ref := check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
	if d.Status.ReadyReplicas < 2 {
		return check.Failf(ref, "%d ready replica(s); want at least 2 on different nodes", d.Status.ReadyReplicas), true
	}
	nodes := map[string]bool{}
	for _, p := range s.Pods {
		if p.Namespace == d.Namespace && p.Spec.NodeName != "" && cpPodReady(p) && labelsel.Matches(d.Spec.Selector, p.Labels) {
			nodes[p.Spec.NodeName] = true
		}
	}
	switch len(nodes) {
	case 0:
		return check.Errorf(ref, "%d ready replicas, but none of its pods is in the snapshot, so their nodes are unknown",
			d.Status.ReadyReplicas), true
	case 1:
		return check.Failf(ref, "all %d ready replicas run on node %s, so losing that node stops DNS",
			d.Status.ReadyReplicas, slices.Collect(maps.Keys(nodes))[0]), true
	}
	return check.Finding{}, false
}

func cpPodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
