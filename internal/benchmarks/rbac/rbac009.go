package rbac

import (
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func rbac009() check.Check {
	return check.Check{
		ID:         "RBAC-009",
		Title:      "Default service accounts neither mount tokens into pods nor receive permissions",
		Domain:     check.DomainRBAC,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S12.1"}, CIS: []string{"5.1.5", "5.1.6"}},
		Rationale: "Every pod that does not name a service account runs as its namespace's default one; a " +
			"permission granted to it reaches all of them, and a mounted token lets any compromised container " +
			"call the API server.",
		Remediation: "Set automountServiceAccountToken: false on each namespace's default ServiceAccount; give " +
			"workloads that call the API their own ServiceAccount and bind roles to that instead.",
		AutoRemediation: securityv1alpha1.ActionDisableDefaultServiceAccountAutomount,
		Evaluate:        evaluateDefaultServiceAccounts,
	}
}

func evaluateDefaultServiceAccounts(s *check.Snapshot, env *check.Env) []check.Finding {
	automountOff := map[string]bool{} // namespace → its default ServiceAccount disables automount
	for _, sa := range s.ServiceAccounts {
		if sa.Name == "default" && sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken {
			automountOff[sa.Namespace] = true
		}
	}
	var out []check.Finding
	workloads := env.Workloads(s)
	for _, w := range workloads {
		// A controller-owned pod appears only for its ephemeral containers; its template was judged.
		if len(w.Spec.Containers) == 0 || check.PodServiceAccount(w.Spec) != "default" {
			continue
		}
		switch am := w.Spec.AutomountServiceAccountToken; {
		case am != nil && *am:
			out = append(out, check.Failf(w.Ref, "runs as the default ServiceAccount with automountServiceAccountToken: true"))
		case am == nil && !automountOff[w.Ref.Namespace]:
			out = append(out, check.Failf(w.Ref, "runs as the default ServiceAccount and mounts its token: "+
				"automountServiceAccountToken is not false on the pod or on ServiceAccount %s/default", w.Ref.Namespace))
		}
	}
	bindings := rbacBindings(s, func(string) bool { return true })
	for _, b := range bindings {
		var defaults []string
		for _, sub := range b.Subjects {
			if ns, name, ok := serviceAccountOf(sub, b.Namespace); ok && name == "default" && env.Scope.InScope(s, ns) {
				defaults = append(defaults, subjectID(sub, b.Namespace))
			}
		}
		if len(defaults) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s", b.role(), b.scope(), strings.Join(defaults, ", ")))
		}
	}
	if len(out) == 0 && len(workloads) == 0 && len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no workloads or bindings to inspect")}
	}
	return out
}
