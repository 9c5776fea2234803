package images

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img006() check.Check {
	return check.Check{
		ID:         "IMG-006",
		Title:      "Every running image has a recent vulnerability scan",
		Domain:     check.DomainImages,
		Level:      check.L2,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S5.3"}, NIST: []string{"7.1"}},
		Rationale: "New CVEs are published every day against images that have not changed, so a scan " +
			"is only meaningful while it is recent. The check reads Trivy Operator VulnerabilityReports " +
			"and matches them to workload containers by owner labels or by image.",
		Remediation: "Install Trivy Operator (or another scanner publishing VulnerabilityReports), make sure " +
			"it scans every namespace, and let reports expire (report TTL) so images are rescanned with " +
			"a current vulnerability database.",
		Reads:    []string{imgVulnReportKind},
		Evaluate: imgScanCoverage,
	}
}

// IMG-006.
func imgScanCoverage(s *check.Snapshot, env *check.Env) []check.Finding {
	maxAge := env.Params.Images.ScanMaxAge
	if out, done := imgReportPrelude(s, imgVulnReportKind, fmt.Sprintf("verify that every running image is scanned for vulnerabilities at least every %s and attest it", check.ApproxDuration(maxAge))); done {
		return out
	}
	ix := imgIndexReports(s, imgVulnReportKind)
	return imgEachScanned(s, env, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
		if r == nil {
			return "has no vulnerability report"
		}
		if age := env.Now.Sub(imgReportTime(r)); age > maxAge {
			return fmt.Sprintf("was last scanned %s ago (report %s; at most %s allowed)", check.ApproxDuration(age), r.GetName(), check.ApproxDuration(maxAge))
		}
		return ""
	})
}
