package workloads

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl007() check.Check {
	return check.Check{
		ID:       "WKL-007",
		Title:    "Pods run in their own user namespace (hostUsers: false)",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S3.2"},
		},
		Rationale: "In a user namespace, root and every other UID of the container map to unprivileged host " +
			"UIDs, so an escape does not land as root on the node. Nodes need user-namespace support in " +
			"kernel and runtime; the check is NotApplicable when no node reports it in " +
			"status.runtimeHandlers.",
		Remediation: "Set spec.hostUsers: false in the pod templates once the nodes report user-namespace " +
			"support; pods that need a host namespace cannot use it and need an exemption.",
		Evaluate: func(s *check.Snapshot, env *check.Env) []check.Finding {
			if s.Source == check.SourceCluster && len(s.Nodes) > 0 && !anyNodeSupportsUserNamespaces(s.Nodes) {
				return []check.Finding{check.NotApplicablef("no node reports user-namespace support " +
					"(status.runtimeHandlers[].features.userNamespaces), so pods cannot set hostUsers: false")}
			}
			return eachWorkload(func(_ *check.Snapshot, _ *check.Env, w *check.Workload) []string {
				if !isPodSpec(w.Spec) || isWindowsPod(w.Spec) {
					return nil
				}
				if w.Spec.HostUsers != nil && !*w.Spec.HostUsers {
					return nil
				}
				return []string{"pod does not set hostUsers: false, so it shares the host's user namespace"}
			})(s, env)
		},
	}
}

// isPodSpec reports whether spec is a whole pod spec: a pod folded into its controller is
// represented by its ephemeral containers alone, and its pod-level fields are judged on the
// controller.
func isPodSpec(spec *corev1.PodSpec) bool { return len(spec.Containers) > 0 }

// anyNodeSupportsUserNamespaces reports whether a node's runtime reports user-namespace
// support; the kubelet fills the field only when the feature is enabled.
func anyNodeSupportsUserNamespaces(nodes []*corev1.Node) bool {
	for _, n := range nodes {
		for _, h := range n.Status.RuntimeHandlers {
			if h.Features != nil && h.Features.UserNamespaces != nil && *h.Features.UserNamespaces {
				return true
			}
		}
	}
	return false
}
