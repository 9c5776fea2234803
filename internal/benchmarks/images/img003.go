package images

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
)

func img003() check.Check {
	return check.Check{
		ID:         "IMG-003",
		Title:      "Images come only from trusted registries",
		Domain:     check.DomainImages,
		Level:      check.L2,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S1.6"}, NIST: []string{"4.1.5"}},
		Rationale: "Images from registries outside your control can be replaced, typo-squatted or " +
			"withdrawn; the standard expects images to come from an approved, usually internal, registry. " +
			"Unqualified names such as nginx come from docker.io.",
		Remediation: "Mirror the images you need into a trusted registry, reference them from there, and " +
			"list that registry in spec.parameters.trustedRegistries (host, host/path prefix or wildcard).",
		Evaluate: imgTrustedRegistries,
	}
}

// IMG-003.
func imgTrustedRegistries(s *check.Snapshot, env *check.Env) []check.Finding {
	if len(env.Params.TrustedRegistries) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "SecurityProfile"}, "no trusted registries are configured: "+
			"set spec.parameters.trustedRegistries to the registries images may come from (e.g. your internal registry)")}
	}
	return imgEachContainer(func(s *check.Snapshot, env *check.Env, ref imageref.Ref) string {
		if imgRegistryListed(ref, env.Params.TrustedRegistries) {
			return ""
		}
		return fmt.Sprintf("comes from %s, which no trusted registry (%s) covers", ref.Name(), check.ContainerNames(env.Params.TrustedRegistries))
	})(s, env)
}
