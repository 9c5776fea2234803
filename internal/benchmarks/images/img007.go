package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img007() check.Check {
	return check.Check{
		ID:       "IMG-007",
		Title:    "No running image has fixable high-severity vulnerabilities",
		Domain:   check.DomainImages,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S1.5"}, NIST: []string{"4.1.1", "5.3"}, MLPS: []string{"G4b"},
		},
		Rationale: "A Critical or High vulnerability with a published fix is the easiest way into a " +
			"container. L2 forbids fixable Critical and High findings; L3 adds Medium. Findings name the " +
			"exposure that makes them worse: privileged, possibly root, no NetworkPolicy, Secrets, production.",
		Remediation: "Rebuild the image on a patched base image or bump the vulnerable packages to the fixed " +
			"version, redeploy, and check the refreshed VulnerabilityReport.",
		LevelDependent: true,
		Reads:          []string{imgVulnReportKind},
		Evaluate:       imgVulnerabilities,
	}
}

// imgSeverityOrder lists Trivy severities from most to least severe.
var imgSeverityOrder = []string{"CRITICAL", "HIGH", "MEDIUM"}

// IMG-007.
func imgVulnerabilities(s *check.Snapshot, env *check.Env) []check.Finding {
	severities := imgSeverityOrder[:2]
	if env.Level >= check.L3 {
		severities = imgSeverityOrder
	}
	var names []string
	for _, sev := range severities {
		names = append(names, strings.ToLower(sev))
	}
	if out, done := imgReportPrelude(s, imgVulnReportKind, fmt.Sprintf(
		"verify that no running image has fixable vulnerabilities of severity %s and attest it", strings.Join(names, ", "))); done {
		return out
	}
	fixableOnly := env.Params.Images.FixableOnly
	ix := imgIndexReports(s, imgVulnReportKind)
	policies := netpol.PoliciesByNamespace(s)
	return imgEachScanned(s, env, ix, func(w *check.Workload, ic *imgContainer, r *unstructured.Unstructured) string {
		if r == nil {
			return "" // IMG-006 reports missing scans
		}
		counts, ids, listed := imgCountVulnerabilities(r, severities, fixableOnly)
		var parts []string
		for _, sev := range severities {
			if counts[sev] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[sev], strings.ToLower(sev)))
			}
		}
		if len(parts) == 0 {
			return ""
		}
		what := "vulnerabilities"
		switch {
		case !listed:
			what += " (counted from the report summary, so whether a fix exists is unknown)"
		case fixableOnly:
			what = "fixable " + what
		}
		msg := fmt.Sprintf("has %s: %s", what, strings.Join(parts, ", "))
		if len(ids) > 0 {
			msg += " (" + check.ContainerNames(ids) + ")"
		}
		if exposure := imgExposure(s, w, ic.c, policies); len(exposure) > 0 {
			msg += "; exposure: " + strings.Join(exposure, ", ")
		}
		return msg
	})
}

// imgCountVulnerabilities counts a report's findings of the given severities, only those with a
// fix when fixableOnly, with their IDs; without a vulnerability list it falls back to the summary.
func imgCountVulnerabilities(r *unstructured.Unstructured, severities []string, fixableOnly bool) (map[string]int, []string, bool) {
	counts := map[string]int{}
	want := map[string]bool{}
	for _, s := range severities {
		want[s] = true
	}
	vulns, listed, _ := unstructured.NestedSlice(r.Object, "report", "vulnerabilities")
	if !listed {
		for _, sev := range severities {
			n, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", strings.ToLower(sev)+"Count")
			counts[sev] = int(n)
		}
		return counts, nil, false
	}
	seen := map[string]bool{}
	var ids []string
	for _, v := range vulns {
		m := unstruct.Map(v)
		sev, _ := m["severity"].(string)
		sev = strings.ToUpper(sev)
		fixed, _ := m["fixedVersion"].(string)
		if !want[sev] || (fixableOnly && strings.TrimSpace(fixed) == "") {
			continue
		}
		counts[sev]++
		if id, _ := m["vulnerabilityID"].(string); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return counts, ids, true
}

// imgExposure names what makes a vulnerable container more dangerous (seed 002 Q3–Q7).
func imgExposure(s *check.Snapshot, w *check.Workload, c *corev1.Container, policies map[string][]*networkingv1.NetworkPolicy) []string {
	var out []string
	if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
		out = append(out, "privileged")
	}
	nonRoot, uid, _ := check.EffectiveRunAs(w.Spec.SecurityContext, c.SecurityContext)
	if (uid != nil && *uid == 0) || (uid == nil && (nonRoot == nil || !*nonRoot)) {
		out = append(out, "may run as root")
	}
	selected := false
	for _, np := range policies[w.Ref.Namespace] {
		selected = selected || netpol.Selects(np, w.Ref.Namespace, w.Template.Labels)
	}
	if !selected {
		out = append(out, "no NetworkPolicy selects it")
	}
	if len(check.PodSecretRefs(w.Spec)) > 0 {
		out = append(out, "reads Secrets")
	}
	if ns := s.Namespace(w.Ref.Namespace); ns != nil && ns.Labels[check.LabelCritical] == "true" {
		out = append(out, "production namespace")
	}
	return out
}
