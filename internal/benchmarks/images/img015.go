package images

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img015() check.Check {
	return check.Check{
		ID:         "IMG-015",
		Title:      "Running images are rebuilt regularly",
		Domain:     check.DomainImages,
		Level:      check.L2,
		Severity:   check.SeverityLow,
		References: check.References{NIST: []string{"3.2.2", "4.2.2", "6.4"}, MLPS: []string{"G4e"}},
		Rationale: "An image that has not been rebuilt for months carries every vulnerability fixed in its " +
			"base since then. The check reads the OCI creation date (org.opencontainers.image.created) where " +
			"the scanner's SBOM records it; otherwise a person must check image ages in the registry.",
		Remediation: "Rebuild and redeploy images on a schedule (at least within the maximum image age) so " +
			"base-image fixes reach production.",
		Reads:    []string{imgSbomReportKind},
		Evaluate: imgImageAge,
	}
}

// imgCreatedProperty is the OCI annotation (and image label) holding an image's build time.
const imgCreatedProperty = "org.opencontainers.image.created"

// IMG-015.
func imgImageAge(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := imgReportPrelude(s, imgSbomReportKind, "check the creation date of every running image in the registry and attest it"); done {
		return out
	}
	maxAge := env.Params.Images.ImageMaxAge
	ix := imgIndexReports(s, imgSbomReportKind)
	dated, undated := 0, 0
	out := imgEachScanned(s, env, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
		created, ok := imgCreated(r)
		if !ok {
			undated++
			return ""
		}
		dated++
		if age := env.Now.Sub(created); age > maxAge {
			return fmt.Sprintf("was built %s ago, on %s (rebuild within %s)", check.ApproxDuration(age), created.UTC().Format(time.DateOnly), check.ApproxDuration(maxAge))
		}
		return ""
	})
	if undated > 0 {
		msg := fmt.Sprintf("%d containers have no image creation date in an SbomReport", undated)
		if dated == 0 {
			msg = "no SbomReport records an image creation date (" + imgCreatedProperty + ")"
		}
		out = append(out, check.Manualf("%s: check the creation dates of the running images in the registry (e.g. crane config "+
			"IMAGE | jq .created) and rebuild the ones older than %s", msg, check.ApproxDuration(maxAge)))
	}
	return out
}

// imgCreated reads the image creation time from the properties of an SBOM's image component.
func imgCreated(r *unstructured.Unstructured) (time.Time, bool) {
	if r == nil {
		return time.Time{}, false
	}
	props, _, _ := unstructured.NestedSlice(r.Object, "report", "components", "metadata", "component", "properties")
	for _, p := range props {
		m := unstruct.Map(p)
		name, _ := m["name"].(string)
		value, _ := m["value"].(string)
		if strings.HasSuffix(name, imgCreatedProperty) {
			if t, err := time.Parse(time.RFC3339, value); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
