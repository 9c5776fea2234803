package workloads

import (
	"fmt"
	"slices"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// psaDedicated maps the Pod Security Standards controls that have a check of their own to that
// check. WKL-031 evaluates every other control of the library, so a control added to
// k8s.io/pod-security-admission is judged as soon as the module is updated. A control counts as
// covered only when its check runs at the control's level (baseline at L1, restricted at L2):
// WKL-010 judges AppArmor only at L3, so WKL-031 judges appArmorProfile below it.
var psaDedicated = map[policy.CheckID]string{
	"privileged":                "WKL-001",
	"capabilities_baseline":     "WKL-002",
	"capabilities_restricted":   "WKL-003",
	"allowPrivilegeEscalation":  "WKL-004",
	"runAsNonRoot":              "WKL-005",
	"runAsUser":                 "WKL-005",
	"seccompProfile_restricted": "WKL-008",
	"appArmorProfile":           "WKL-010",
	"hostNamespaces":            "WKL-013",
	"hostPathVolumes":           "WKL-014",
}

// psaLevelFor is the Pod Security level WKL-031 requires at a target level, as WKL-027 does.
func psaLevelFor(l check.Level) api.Level {
	if l >= check.L2 {
		return api.LevelRestricted
	}
	return api.LevelBaseline
}

func wkl031() check.Check {
	return check.Check{
		ID:       "WKL-031",
		Title:    "Pod templates meet every other control of the Pod Security Standards",
		Domain:   check.DomainWorkloads,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S3.5"}, CIS: []string{"5.2.1"},
		},
		Rationale: "Pod Security Admission labels (WKL-027) only act at admission, and the catalog's own " +
			"workload checks cover the controls that matter most one by one. This check evaluates the rest of " +
			"the baseline policy (L1) or the restricted policy (L2 and L3) with the Pod Security library " +
			"itself, so that nothing it knows is lost: host ports, probe and lifecycle hosts, procMount, " +
			"unsafe sysctls, SELinux type, user and role, Windows hostProcess, the baseline seccomp and " +
			"AppArmor controls and the restricted volume types. Each finding names the controls by their " +
			"Pod Security ID.",
		Scope: "Every Pod Security control of k8s.io/pod-security-admission without a check of its own (see WKL-001 to WKL-014): baseline at L1, restricted at L2 and L3, on pod templates and running pods. A control added to the library is judged as soon as the module is updated.",
		Remediation: "Change the pod template as the control's message says (see the Pod Security Standards " +
			"for the allowed values), or exempt the workload for this check with a reason.",
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit at the level; enforce when enabled)",
		LevelDependent:      true,
		Evaluate:            psaRemainingControls,
	}
}

// psaControlsAt returns the library's controls of the Pod Security level required at lvl that no
// dedicated check covers at lvl, with the restricted controls' overrides applied.
func psaControlsAt(lvl check.Level, levels map[string]check.Level) []policy.Check {
	want := psaLevelFor(lvl)
	overridden := map[policy.CheckID]bool{}
	var candidates []policy.Check
	for _, c := range policy.DefaultChecks() {
		if c.Level == api.LevelRestricted && want != api.LevelRestricted {
			continue
		}
		if c.Level == want {
			for _, id := range c.Versions[len(c.Versions)-1].OverrideCheckIDs {
				overridden[id] = true
			}
		}
		candidates = append(candidates, c)
	}
	var out []policy.Check
	for _, c := range candidates {
		if overridden[c.ID] {
			continue
		}
		if id, ok := psaDedicated[c.ID]; ok && levels[id] != 0 && levels[id] <= lvl {
			continue
		}
		out = append(out, c)
	}
	return out
}

// catalogLevels maps the IDs of the workload checks, which hold every dedicated Pod Security
// check, to their levels.
func catalogLevels() map[string]check.Level {
	out := map[string]check.Level{}
	for _, c := range Checks() {
		out[c.ID] = c.Level
	}
	return out
}

func psaRemainingControls(s *check.Snapshot, env *check.Env) []check.Finding {
	workloads := env.Workloads(s)
	if len(workloads) == 0 {
		return []check.Finding{check.NotApplicablef("no workloads in scope")}
	}
	controls := psaControlsAt(env.Level, catalogLevels())
	rules := make([]psaRule, len(controls))
	for i, c := range controls {
		rules[i] = newPSARule(c)
	}
	var out []check.Finding
	for i := range workloads {
		w := &workloads[i]
		var problems []string
		for _, r := range rules {
			if v := r.violation(w.Template, w.Spec); v != "" {
				problems = append(problems, fmt.Sprintf("%s: %s", r.id, v))
			}
		}
		if len(problems) > 0 {
			slices.Sort(problems)
			out = append(out, check.Failf(w.Ref, "breaks Pod Security %s controls: %s", psaLevelFor(env.Level), strings.Join(problems, "; ")))
		}
	}
	return out
}
