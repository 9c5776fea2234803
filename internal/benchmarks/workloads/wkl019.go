package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func wkl019() check.Check {
	return check.Check{
		ID:         "WKL-019",
		Title:      "Every pod is recreated automatically by a controller",
		Domain:     check.DomainWorkloads,
		Level:      check.L1,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S11.4", "S11.5", "S12.3"}, MLPS: []string{"G7a"}},
		Rationale: "A pod without a controller is not recreated when it is deleted, evicted or its node " +
			"fails, and cannot be rebuilt from a declared spec; the S12.3 part (L2) asks for nothing more " +
			"than the controller ownership already required at L1. Static pods are managed by the kubelet " +
			"and are left out.",
		Remediation: "Run the pod from a Deployment, StatefulSet, DaemonSet or Job, and keep " +
			"restartPolicy: Always on long-running workloads.",
		Evaluate: lcSelfHealing,
	}
}

// WKL-019.
func lcSelfHealing(s *check.Snapshot, env *check.Env) []check.Finding {
	if len(env.Workloads(s)) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope workload")}
	}
	var out []check.Finding
	for _, w := range env.Workloads(s) {
		switch w.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController":
			if rp := w.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
				out = append(out, check.Failf(w.Ref, "pod template has restartPolicy %s; long-running workloads need Always", rp))
			}
		case "Pod":
			p := w.Pod
			if lcEphemeralOnly(w) || lcIsStaticPod(p) || check.PodTerminated(p) || metav1.GetControllerOfNoCopy(p) != nil {
				continue // not bare: static, finished, or owned by a controller (an operator's resource counts)
			}
			msg := "pod has no controller ownerReference: it is not recreated when deleted, evicted or its node fails"
			if rp := p.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
				msg += fmt.Sprintf(", and restartPolicy %s does not restart its containers", rp)
			}
			out = append(out, check.Failf(w.Ref, "%s", msg))
		}
	}
	return out
}
