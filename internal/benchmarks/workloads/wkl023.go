package workloads

import (
	"fmt"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func wkl023() check.Check {
	return check.Check{
		ID:         "WKL-023",
		Title:      "Namespaces and workloads carry the required identification labels",
		Domain:     check.DomainWorkloads,
		Level:      check.L1,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S1.3", "S4.7"}, NIST: []string{"4.3.4", "6.4"}},
		Rationale: "Placement, exposure and incident response all start from knowing what data a " +
			"namespace holds and who owns it. L1 requires the data-classification label on namespaces; " +
			"L2 adds owner and exposure labels on namespaces and an app identity label on workloads.",
		Remediation: "Label every namespace with the classification label (and at L2 the owner and " +
			"exposure labels), replacing any placeholder value, and give every pod template the app " +
			"identity label.",
		AutoRemediation: securityv1alpha1.ActionLabelNamespaces,
		LevelDependent:  true,
		Evaluate:        lcRequiredLabels,
	}
}

// WKL-023.
func lcRequiredLabels(s *check.Snapshot, env *check.Env) []check.Finding {
	p := env.Params
	nsKeys := []string{p.ClassificationLabel}
	if env.Level >= check.L2 {
		nsKeys = append(nsKeys, p.OwnerLabel, p.ExposureLabel)
	}
	var out []check.Finding
	namespaces := env.Scope.Namespaces(s)
	for _, ns := range namespaces {
		if problems := lcMissingLabels(ns.Labels, nsKeys, p.Lifecycle.PlaceholderLabelValue); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "namespace %s", strings.Join(problems, "; ")))
		}
	}
	inspected := len(namespaces)
	if env.Level >= check.L2 && p.AppLabel != "" {
		for _, w := range env.Workloads(s) {
			if lcEphemeralOnly(w) {
				continue
			}
			inspected++
			switch {
			case w.Template.Labels[p.AppLabel] != "" || w.Object.Labels[p.AppLabel] != "":
			case w.Pod != nil:
				out = append(out, check.Failf(w.Ref, "pod has no %s label", p.AppLabel))
			default:
				out = append(out, check.Failf(w.Ref, "neither the %s nor its pod template has the label %s", w.Ref.Kind, p.AppLabel))
			}
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace or workload to inspect")}
	}
	return out
}

// lcMissingLabels describes the keys that are absent, empty or still at the placeholder value.
func lcMissingLabels(set map[string]string, keys []string, placeholder string) []string {
	var absent, placeholders []string
	for _, k := range keys {
		if k == "" {
			continue
		}
		switch v := set[k]; {
		case v == "":
			absent = append(absent, k)
		case placeholder != "" && v == placeholder:
			placeholders = append(placeholders, k)
		}
	}
	var out []string
	if len(absent) > 0 {
		noun := "label"
		if len(absent) > 1 {
			noun = "labels"
		}
		out = append(out, fmt.Sprintf("lacks the %s %s", noun, strings.Join(absent, ", ")))
	}
	if len(placeholders) > 0 {
		out = append(out, fmt.Sprintf("has the placeholder value %q in %s, which needs review", placeholder, strings.Join(placeholders, ", ")))
	}
	return out
}
