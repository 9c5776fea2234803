package workloads

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
)

func wkl026() check.Check {
	return check.Check{
		ID:         "WKL-026",
		Title:      "Strongly isolated namespaces run pods in a sandboxed runtime",
		Domain:     check.DomainWorkloads,
		Level:      check.L3,
		Severity:   check.SeverityMedium,
		References: check.References{MLPS: []string{"G2e"}},
		Rationale: "A sandboxed runtime (Kata Containers, gVisor) gives each pod its own kernel or a " +
			"user-space kernel, so a kernel exploit does not reach the node. The cluster must offer such a " +
			"RuntimeClass, and namespaces labelled for strong isolation must use it.",
		Remediation: "Install a sandboxed runtime on a node pool, create a RuntimeClass for its handler, " +
			"and set spec.runtimeClassName to it on every workload of namespaces labelled for strong isolation.",
		Evaluate: lcSandboxRuntime,
	}
}

// WKL-026.
func lcSandboxRuntime(s *check.Snapshot, env *check.Env) []check.Finding {
	p := env.Params.Lifecycle
	sandboxed := map[string]bool{}
	known := map[string]string{} // RuntimeClass name -> handler
	for _, rc := range s.RuntimeClasses {
		known[rc.Name] = rc.Handler
		sandboxed[rc.Name] = glob.MatchAny(p.SandboxRuntimeHandlers, rc.Handler)
	}
	anySandbox := false
	for _, ok := range sandboxed {
		anySandbox = anySandbox || ok
	}
	var out []check.Finding
	if !anySandbox && s.Source == check.SourceCluster {
		out = append(out, check.Failf(check.ObjectRef{Kind: "RuntimeClass"}, "no RuntimeClass has a sandboxed handler (%s)", strings.Join(p.SandboxRuntimeHandlers, ", ")))
	}
	isolated := 0
	for _, w := range env.Workloads(s) {
		ns := s.Namespace(w.Ref.Namespace)
		if lcEphemeralOnly(w) || ns == nil || p.IsolationLabel == "" || ns.Labels[p.IsolationLabel] != p.IsolationLabelValue {
			continue
		}
		isolated++
		rc := ""
		if w.Spec.RuntimeClassName != nil {
			rc = *w.Spec.RuntimeClassName
		}
		_, defined := known[rc]
		switch {
		case rc == "":
			out = append(out, check.Failf(w.Ref, "namespace is labelled %s=%s but the pod spec sets no runtimeClassName", p.IsolationLabel, p.IsolationLabelValue))
		case sandboxed[rc], s.Source == check.SourceManifests && !defined:
			// Sandboxed, or a manifest scan that cannot see the RuntimeClass.
		case !defined:
			out = append(out, check.Failf(w.Ref, "runtimeClassName %q names no RuntimeClass", rc))
		default:
			out = append(out, check.Failf(w.Ref, "runtimeClassName %q uses handler %q, which is not a sandboxed runtime", rc, known[rc]))
		}
	}
	if s.Source == check.SourceManifests && isolated == 0 {
		return []check.Finding{check.NotApplicablef("the manifests hold no workload in a namespace labelled %s=%s", p.IsolationLabel, p.IsolationLabelValue)}
	}
	return out
}
