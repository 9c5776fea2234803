package controlplane

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func cp009() check.Check {
	return check.Check{
		ID:         "CP-009",
		Title:      "The Kubernetes version is within the upstream support window and at least the configured minimum",
		Domain:     check.DomainControlPlane,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S2.3", "S12.6"}, MLPS: []string{"G8c"}},
		Rationale: "Upstream patches the newest three minor releases only; an older cluster no longer receives " +
			"security fixes. The check reads the API server's /version.",
		Remediation: "Upgrade the control plane one minor release at a time (then the nodes) until it is within " +
			"the newest three minors and at least ControlPlane.MinimumVersion. Raise ControlPlane.NewestMinor when " +
			"a new Kubernetes minor is released.",
		Evaluate: cpSupportedVersion,
	}
}

// cpVersionPattern reads major, minor and an optional patch from a gitVersion such as
// "v1.37.2", "v1.36.4-eks-a737599" or "1.35".
var cpVersionPattern = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.(\d+))?`)

func cpParseVersion(v string) (parts [3]int, ok bool) {
	m := cpVersionPattern.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return parts, false
	}
	for i := range 3 {
		if m[i+1] != "" {
			parts[i], _ = strconv.Atoi(m[i+1])
		}
	}
	return parts, true
}

func cpSupportedVersion(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the Kubernetes version is a fact of a live cluster")}
	}
	ref := check.ObjectRef{}
	if s.ServerVersion == "" {
		return []check.Finding{check.Errorf(ref, "the API server's version is unknown (/version was not read)")}
	}
	have, ok := cpParseVersion(s.ServerVersion)
	if !ok {
		return []check.Finding{check.Errorf(ref, "cannot read the API server version %q", s.ServerVersion)}
	}
	p := env.Params.ControlPlane
	var out []check.Finding
	if oldest := p.NewestMinor - 2; have[0] == 1 && have[1] < oldest {
		out = append(out, check.Failf(ref, "Kubernetes %s is out of upstream support: the supported minors are 1.%d to 1.%d",
			s.ServerVersion, oldest, p.NewestMinor))
	}
	if p.MinimumVersion != "" {
		want, ok := cpParseVersion(p.MinimumVersion)
		if !ok {
			return append(out, check.Errorf(ref, "ControlPlane.MinimumVersion %q is not a version such as v1.36.4", p.MinimumVersion))
		}
		if slices.Compare(have[:], want[:]) < 0 {
			out = append(out, check.Failf(ref, "Kubernetes %s is older than the required minimum %s", s.ServerVersion, p.MinimumVersion))
		}
	}
	return out
}
