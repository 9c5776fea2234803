package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img014() check.Check {
	return check.Check{
		ID:         "IMG-014",
		Title:      "Images are built on minimal bases",
		Domain:     check.DomainImages,
		Level:      check.L1,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S3.8"}, MLPS: []string{"G4a"}},
		Rationale: "Every package in an image is attack surface and patch work. The check lists each image's " +
			"OS family and component count from Trivy SbomReports; whether a full distribution is needed is " +
			"a judgement, so images on a non-minimal base are left for a person to confirm.",
		Remediation: "Build on distroless, Alpine, Wolfi or scratch and use multi-stage builds so compilers " +
			"and package managers stay out of the runtime image; attest the images that need more.",
		Reads:    []string{imgSbomReportKind},
		Evaluate: imgMinimalImages,
	}
}

// IMG-014.
func imgMinimalImages(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := imgReportPrelude(s, imgSbomReportKind, "enable SBOM generation, or review each image's base and packages (S3.8) and attest it"); done {
		return out
	}
	ix := imgIndexReports(s, imgSbomReportKind)
	if ix.count == 0 {
		return []check.Finding{check.Manualf("no SbomReport exists: enable Trivy Operator's SBOM generation, or review each image's base and packages (S3.8) and attest it")}
	}
	minimal := env.Params.Images.MinimalOSFamilies
	var out []check.Finding
	workloads := env.Workloads(s)
	for i := range workloads {
		w := &workloads[i]
		var notes []string
		for _, ic := range imgContainers(w, false) {
			r := ix.lookup(s, w, &ic)
			if r == nil {
				continue
			}
			family, version := imgSbomOS(r)
			if family == "" || check.ContainsFold(minimal, family) {
				continue
			}
			count, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", "componentsCount")
			notes = append(notes, fmt.Sprintf("%s is built on %s %s with %d components", ic.name(), family, version, count))
		}
		if len(notes) > 0 {
			out = append(out, check.Finding{Result: check.Manual, Object: w.Ref, Message: fmt.Sprintf(
				"%s (minimal bases: %s): confirm the image holds only the packages it needs, or rebuild it on a minimal base",
				strings.Join(notes, "; "), strings.Join(minimal, ", "))})
		}
	}
	return out
}

// imgSbomOS returns the operating system recorded in a CycloneDX SBOM report.
func imgSbomOS(r *unstructured.Unstructured) (family, version string) {
	components, _, _ := unstructured.NestedSlice(r.Object, "report", "components", "components")
	for _, c := range components {
		m := unstruct.Map(c)
		if t, _ := m["type"].(string); t == "operating-system" {
			family, _ = m["name"].(string)
			version, _ = m["version"].(string)
			return strings.ToLower(family), version
		}
	}
	return "", ""
}
