package workloads

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/policy"
)

// psaRule evaluates one Pod Security Admission rule (the newest version of a check from
// k8s.io/pod-security-admission/policy) on pod specs.
type psaRule struct {
	id    policy.CheckID
	check policy.CheckPodFn
}

func newPSARule(c policy.Check) psaRule {
	return psaRule{id: c.ID, check: c.Versions[len(c.Versions)-1].CheckPod}
}

// violation returns the rule's reason and detail when spec breaks it, or "" when it complies.
func (r psaRule) violation(meta *metav1.ObjectMeta, spec *corev1.PodSpec) string {
	res := r.check(meta, spec)
	if res.Allowed {
		return ""
	}
	if res.ForbiddenDetail == "" {
		return res.ForbiddenReason
	}
	return fmt.Sprintf("%s (%s)", res.ForbiddenReason, res.ForbiddenDetail)
}

// psaEvaluate returns an Evaluate function that flags every in-scope workload breaking any of
// the given Pod Security Admission rules.
func psaEvaluate(rules ...psaRule) func(s *check.Snapshot, env *check.Env) []check.Finding {
	return func(s *check.Snapshot, env *check.Env) []check.Finding {
		var out []check.Finding
		for _, w := range env.Workloads(s) {
			for _, r := range rules {
				if v := r.violation(w.Template, w.Spec); v != "" {
					out = append(out, check.Failf(w.Ref, "%s", v))
				}
			}
		}
		return out
	}
}

// eachWorkload returns an Evaluate function that reports every in-scope workload once, with
// the problems judge finds in it joined, so the offending count is a count of workloads.
func eachWorkload(judge func(s *check.Snapshot, env *check.Env, w *check.Workload) []string) func(s *check.Snapshot, env *check.Env) []check.Finding {
	return func(s *check.Snapshot, env *check.Env) []check.Finding {
		var out []check.Finding
		workloads := env.Workloads(s)
		for i := range workloads {
			w := &workloads[i]
			if problems := judge(s, env, w); len(problems) > 0 {
				out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
}

// psaProblems returns the violations of the Pod Security Admission rules by spec, which is
// the workload's spec or a trimmed copy of it.
func psaProblems(w *check.Workload, spec *corev1.PodSpec, rules ...psaRule) []string {
	var problems []string
	for _, r := range rules {
		if v := r.violation(w.Template, spec); v != "" {
			problems = append(problems, v)
		}
	}
	return problems
}

// isWindowsPod reports whether the pod declares Windows, where Linux-only security fields
// (seccomp, readOnlyRootFilesystem, user namespaces) cannot be set.
func isWindowsPod(spec *corev1.PodSpec) bool {
	return spec.OS != nil && spec.OS.Name == corev1.Windows
}

// cleanHostPath normalises a hostPath so that "/etc/", "/etc/." and "/var/../etc" compare equal.
func cleanHostPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// hostPathWithin reports whether p is dir or lies beneath it.
func hostPathWithin(p, dir string) bool {
	switch dir {
	case "":
		return false
	case "/":
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// runtimeSocket returns the runtime socket hostPath p exposes. direct is true when p is the
// socket itself rather than a directory holding it.
func runtimeSocket(p string, params *check.WorkloadParams) (socket string, direct bool) {
	for _, name := range params.RuntimeSocketNames {
		if name != "" && name != "*" && glob.Match(name, path.Base(p)) {
			return p, true
		}
	}
	for _, sp := range params.RuntimeSocketPaths {
		sp = cleanHostPath(sp)
		if sp == "" {
			continue
		}
		if p == sp {
			return p, true
		}
		if hostPathWithin(sp, p) {
			return sp, false
		}
	}
	return "", false
}

// lcEphemeralOnly reports whether w is a controller-owned pod that Workloads lists only for its
// ephemeral containers; its controller stands for the rest of it.
func lcEphemeralOnly(w check.Workload) bool { return w.Pod != nil && len(w.Spec.Containers) == 0 }

// lcIsStaticPod reports whether p is the API mirror of a kubelet static pod, which only the node's
// manifest directory controls.
func lcIsStaticPod(p *corev1.Pod) bool {
	if _, ok := p.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return true
	}
	owner := metav1.GetControllerOfNoCopy(p)
	return owner != nil && owner.Kind == "Node"
}

func lcAppendProblems(out []check.Finding, ref check.ObjectRef, problems []string) []check.Finding {
	if len(problems) == 0 {
		return out
	}
	return append(out, check.Failf(ref, "%s", strings.Join(problems, "; ")))
}

// lcPlacedPodsByNode groups the in-scope application pods that run on a node. DaemonSet pods are
// left out because they run on every node by design, and so are static and finished pods.
func lcPlacedPodsByNode(s *check.Snapshot, env *check.Env) map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || !env.Scope.InScope(s, p.Namespace) || check.PodTerminated(p) || lcIsStaticPod(p) {
			continue
		}
		if owner := metav1.GetControllerOfNoCopy(p); owner != nil && owner.Kind == "DaemonSet" {
			continue
		}
		out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
	}
	return out
}
