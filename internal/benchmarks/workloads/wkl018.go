package workloads

import (
	"fmt"
	"time"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func wkl018() check.Check {
	return check.Check{
		ID:         "WKL-018",
		Title:      "Containers that are no longer needed are removed",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S4.8"}},
		Rationale: "Terminated and evicted pods keep their specs, logs and volumes around, clutter audits " +
			"and hide real failures; finished Jobs without a TTL keep their pods forever, and bare pods " +
			"tend to be forgotten one-offs.",
		Remediation: "Delete terminated pods, set spec.ttlSecondsAfterFinished on Jobs that no CronJob " +
			"owns, and replace bare pods with a Deployment, StatefulSet or Job.",
		AutoRemediation: securityv1alpha1.ActionDeleteTerminatedPods,
		Evaluate:        lcUnneededPods,
	}
}

// WKL-018.
func lcUnneededPods(s *check.Snapshot, env *check.Env) []check.Finding {
	maxAge := env.Params.TerminatedPodMaxAge
	var out []check.Finding
	inspected := 0
	for _, p := range s.Pods {
		if !env.Scope.InScope(s, p.Namespace) || lcIsStaticPod(p) {
			continue
		}
		inspected++
		ref := check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
		owner := metav1.GetControllerOfNoCopy(p)
		switch {
		case check.PodTerminated(p):
			if owner != nil && owner.Kind == "Job" {
				continue // a Job's pods go with the Job; the Job is judged below
			}
			finished, ok := lcPodFinishedAt(p)
			if ok && env.Now.Sub(finished) > maxAge {
				out = append(out, check.Failf(ref, "pod is %s since %s, %s ago (limit %s)",
					lcPodPhaseReason(p), finished.UTC().Format(time.DateOnly), check.ApproxDuration(env.Now.Sub(finished)), check.ApproxDuration(maxAge)))
			}
		case owner == nil:
			out = append(out, check.Failf(ref, "bare pod with no controller ownerReference: nothing recreates or removes it"))
		}
	}
	for _, j := range s.Jobs {
		if !env.Scope.InScope(s, j.Namespace) {
			continue
		}
		inspected++
		if j.Spec.TTLSecondsAfterFinished != nil || !lcJobFinished(j) {
			continue
		}
		if owner := metav1.GetControllerOfNoCopy(j); owner != nil && owner.Kind == "CronJob" {
			continue // the CronJob's history limits remove it
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Job", Namespace: j.Namespace, Name: j.Name},
			"finished Job has no spec.ttlSecondsAfterFinished, so it and its pods are kept forever"))
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod or Job")}
	}
	return out
}

func lcPodPhaseReason(p *corev1.Pod) string {
	if p.Status.Reason != "" {
		return fmt.Sprintf("%s (%s)", p.Status.Phase, p.Status.Reason)
	}
	return string(p.Status.Phase)
}

// lcPodFinishedAt returns when a terminated pod finished: its last container's finishedAt, else
// its last condition change (evicted pods often have no container state), else its start.
func lcPodFinishedAt(p *corev1.Pod) (time.Time, bool) {
	var t time.Time
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
				t = term.FinishedAt.Time
			}
		}
	}
	if t.IsZero() {
		for _, c := range p.Status.Conditions {
			if c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
	}
	if t.IsZero() && p.Status.StartTime != nil {
		t = p.Status.StartTime.Time
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t, !t.IsZero()
}

func lcJobFinished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
