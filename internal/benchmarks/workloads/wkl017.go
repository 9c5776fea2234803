package workloads

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl017() check.Check {
	return check.Check{
		ID:         "WKL-017",
		Title:      "Troubleshooting containers are removed after use",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S3.10"}},
		Rationale: "Ephemeral debug containers cannot be removed from a pod, so a debugged pod keeps the " +
			"debug image and its tools until it is replaced; node-debugger pods share the node's " +
			"namespaces and root filesystem. A privileged debug container is full control of the node.",
		Remediation: "Delete node-debugger pods when done and recreate pods that carry ephemeral containers " +
			"(for controller-owned pods, delete the pod or run kubectl rollout restart). Never debug with " +
			"--profile=sysadmin outside an incident.",
		Evaluate: lcDebugContainers,
	}
}

// WKL-017.
func lcDebugContainers(s *check.Snapshot, env *check.Env) []check.Finding {
	maxAge := env.Params.DebugContainerMaxAge
	var out []check.Finding
	inspected := 0
	for _, p := range s.Pods {
		if !env.Scope.InScope(s, p.Namespace) {
			continue
		}
		inspected++
		var problems []string
		for i := range p.Spec.EphemeralContainers {
			ec := &p.Spec.EphemeralContainers[i]
			if lcIsPrivileged(ec.SecurityContext) {
				problems = append(problems, fmt.Sprintf("ephemeralContainer %q (image %s) is privileged", ec.Name, ec.Image))
				continue
			}
			if started, ok := lcEphemeralStartedAt(p, ec.Name); ok && env.Now.Sub(started) > maxAge {
				problems = append(problems, fmt.Sprintf("ephemeralContainer %q (image %s) was started %s ago (limit %s)",
					ec.Name, ec.Image, check.ApproxDuration(env.Now.Sub(started)), check.ApproxDuration(maxAge)))
			}
		}
		if strings.HasPrefix(p.Name, "node-debugger-") {
			privileged := false
			for i := range p.Spec.Containers {
				if lcIsPrivileged(p.Spec.Containers[i].SecurityContext) {
					privileged = true
					problems = append(problems, fmt.Sprintf("node debugger container %q is privileged", p.Spec.Containers[i].Name))
				}
			}
			if age := env.Now.Sub(p.CreationTimestamp.Time); !privileged && !p.CreationTimestamp.IsZero() && age > maxAge {
				problems = append(problems, fmt.Sprintf("node debugger pod on node %q was created %s ago (limit %s)",
					p.Spec.NodeName, check.ApproxDuration(age), check.ApproxDuration(maxAge)))
			}
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod")}
	}
	return out
}

func lcIsPrivileged(sc *corev1.SecurityContext) bool {
	return sc != nil && sc.Privileged != nil && *sc.Privileged
}

// lcEphemeralStartedAt returns when the named ephemeral container started, running or since
// terminated; false when it has not started or its status is unknown.
func lcEphemeralStartedAt(p *corev1.Pod, name string) (time.Time, bool) {
	for _, st := range p.Status.EphemeralContainerStatuses {
		if st.Name != name {
			continue
		}
		switch {
		case st.State.Running != nil && !st.State.Running.StartedAt.IsZero():
			return st.State.Running.StartedAt.Time, true
		case st.State.Terminated != nil && !st.State.Terminated.StartedAt.IsZero():
			return st.State.Terminated.StartedAt.Time, true
		}
	}
	return time.Time{}, false
}
