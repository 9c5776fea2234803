package workloads

import (
	"fmt"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	psaapi "k8s.io/pod-security-admission/api"
)

func wkl027() check.Check {
	return check.Check{
		ID:       "WKL-027",
		Title:    "Every namespace has Pod Security Admission labels at the required level",
		Domain:   check.DomainWorkloads,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S3.5", "S3.1", "S3.9"}, CIS: []string{"5.2.1"},
		},
		Rationale: "Pod Security Admission rejects privileged and otherwise unsafe pods before they run; " +
			"namespace labels are the visible, auditable way to switch it on (cluster-wide defaults in the " +
			"admission configuration file cannot be read through the API). L1 requires enforce at " +
			"baseline or stricter, L2 and L3 restricted; warn and audit must be at least as strict.",
		Scope: "Judges the namespace labels that switch on Pod Security Admission, not the pods: CIS 5.2.1 asks for at least one active policy control mechanism. The pods themselves are judged by WKL-001 to WKL-014 and WKL-031.",
		Remediation: "Label each namespace pod-security.kubernetes.io/enforce, warn and audit with baseline " +
			"(L1) or restricted (L2/L3); start with warn and audit to find violators, then enforce. Record " +
			"exceptions as exemptions of this check.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit restricted; enforce when enabled)",
		LevelDependent:      true,
		Evaluate:            lcPSALabels,
	}
}

// WKL-027.
func lcPSALabels(s *check.Snapshot, env *check.Env) []check.Finding {
	required := psaapi.LevelBaseline
	if env.Level >= check.L2 {
		required = psaapi.LevelRestricted
	}
	namespaces := env.Scope.Namespaces(s)
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace to inspect")}
	}
	var out []check.Finding
	for _, ns := range namespaces {
		var missing, weak, invalid []string
		for _, l := range []struct{ mode, key string }{
			{"enforce", psaapi.EnforceLevelLabel}, {"warn", psaapi.WarnLevelLabel}, {"audit", psaapi.AuditLevelLabel},
		} {
			mode := l.mode
			v, ok := ns.Labels[l.key]
			if !ok {
				missing = append(missing, mode)
				continue
			}
			lvl, err := psaapi.ParseLevel(v)
			switch {
			case err != nil:
				invalid = append(invalid, fmt.Sprintf("%s=%q", mode, v))
			case psaapi.CompareLevels(lvl, required) < 0:
				weak = append(weak, fmt.Sprintf("%s=%s", mode, v))
			}
		}
		var problems []string
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("no Pod Security label for %s (want %s)", strings.Join(missing, ", "), required))
		}
		if len(weak) > 0 {
			problems = append(problems, fmt.Sprintf("Pod Security level weaker than %s: %s", required, strings.Join(weak, ", ")))
		}
		if len(invalid) > 0 {
			problems = append(problems, fmt.Sprintf("invalid Pod Security level: %s", strings.Join(invalid, ", ")))
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Namespace", Name: ns.Name}, problems)
	}
	return out
}
