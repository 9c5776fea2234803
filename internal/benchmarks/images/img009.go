package images

import (
	"cmp"
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img009() check.Check {
	return check.Check{
		ID:       "IMG-009",
		Title:    "Images contain no exposed secrets",
		Domain:   check.DomainImages,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S6.3"}, NIST: []string{"4.1.3", "4.1.4"}, MLPS: []string{"G4c", "G5a"},
		},
		Rationale: "Keys, passwords and tokens baked into an image are readable by anyone who can pull it " +
			"and cannot be rotated without a rebuild. The check reads Trivy Operator ExposedSecretReports; " +
			"at L3 malware-scan evidence is also required, which no standard API object records.",
		Remediation: "Remove the secret from the image (and its layer history), rotate it, and inject it at " +
			"run time from a Secret or an external secret store; at L3, scan images for malware and attest it.",
		LevelDependent: true,
		Reads:          []string{imgSecretReportKind},
		Evaluate:       imgExposedSecrets,
	}
}

// IMG-009.
func imgExposedSecrets(s *check.Snapshot, env *check.Env) []check.Finding {
	malware := check.Manualf("malware scanning (L3): verify that every image is scanned for malware before it runs and attest it; " +
		"no standard API object records malware-scan results")
	out, done := imgReportPrelude(s, imgSecretReportKind, "verify that no image contains private keys, passwords or tokens and attest it")
	if !done {
		ix := imgIndexReports(s, imgSecretReportKind)
		if ix.count == 0 {
			out = []check.Finding{check.Manualf("the ExposedSecretReport kind is served but no report exists: enable Trivy Operator's secret " +
				"scanner, or verify that no image contains private keys, passwords or tokens and attest it")}
		} else {
			out = imgEachScanned(s, env, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
				if r == nil {
					return ""
				}
				return imgSecretProblem(r)
			})
		}
	}
	if env.Level >= check.L3 && s.Source != check.SourceManifests {
		out = append(out, malware)
	}
	return out
}

// imgSecretProblem describes the secrets an ExposedSecretReport found, or returns "".
func imgSecretProblem(r *unstructured.Unstructured) string {
	secrets, listed, _ := unstructured.NestedSlice(r.Object, "report", "secrets")
	var found []string
	for _, sec := range secrets {
		m := unstruct.Map(sec)
		title, _ := m["title"].(string)
		target, _ := m["target"].(string)
		found = append(found, fmt.Sprintf("%s in %s", cmp.Or(title, "secret"), cmp.Or(target, "the image")))
	}
	if len(found) > 0 {
		return fmt.Sprintf("contains %d exposed secrets: %s", len(found), check.ContainerNames(found))
	}
	if listed {
		return ""
	}
	total := int64(0)
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		n, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", sev+"Count")
		total += n
	}
	if total > 0 {
		return fmt.Sprintf("contains %d exposed secrets (report %s)", total, r.GetName())
	}
	return ""
}
