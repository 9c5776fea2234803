package images

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
)

func img002() check.Check {
	return check.Check{
		ID:         "IMG-002",
		Title:      "Every image reference is pinned by digest",
		Domain:     check.DomainImages,
		Level:      check.L3,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S3.6"}, NIST: []string{"5.3"}},
		Rationale: "Tags can be moved to other content after review and scanning; only a digest " +
			"(@sha256:…) names the exact bytes that were verified.",
		Remediation: "Resolve tags to digests in the deployment pipeline (e.g. kustomize images digest, " +
			"Kyverno mutateDigest, or crane digest) and reference image@sha256:… everywhere.",
		Evaluate: imgEachContainer(func(_ *check.Snapshot, _ *check.Env, ref imageref.Ref) string {
			if ref.Digest == "" {
				return "is not pinned by digest (@sha256:…)"
			}
			return ""
		}),
	}
}
