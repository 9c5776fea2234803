package images

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
)

func img001() check.Check {
	return check.Check{
		ID:         "IMG-001",
		Title:      "Every image reference has an explicit tag other than latest, or a digest",
		Domain:     check.DomainImages,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S5.5"}, NIST: []string{"4.2.2"}},
		Rationale: "An untagged or :latest reference names whatever was pushed last, so two pods of one " +
			"Deployment can run different code and a rollback cannot name what ran before.",
		Remediation: "Reference every image by a versioned tag (app:1.4.2) or by digest; push release tags " +
			"from the build pipeline instead of latest.",
		Evaluate: imgEachContainer(imgTagProblem),
	}
}

// IMG-001.
func imgTagProblem(_ *check.Snapshot, _ *check.Env, ref imageref.Ref) string {
	switch {
	case ref.Digest != "":
		return ""
	case ref.Tag == "":
		return "has no tag, which means latest"
	case ref.Tag == "latest":
		return "uses the latest tag"
	}
	return ""
}
