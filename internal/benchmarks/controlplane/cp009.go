package controlplane

import (
	"k8s.io/apimachinery/pkg/util/version"

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
		Needs:    check.Needs{Cluster: "the Kubernetes version is a fact of a live cluster"},
		Evaluate: cpSupportedVersion,
	}
}

func cpSupportedVersion(s *check.Snapshot, env *check.Env) []check.Finding {
	ref := check.ObjectRef{}
	if s.ServerVersion == "" {
		return []check.Finding{check.Errorf(ref, "the API server's version is unknown (/version was not read)")}
	}
	// A gitVersion such as "v1.37.2", "v1.36.4-eks-a737599" or "1.35": major.minor, then
	// anything; a missing patch counts as 0.
	have, err := version.ParseGeneric(s.ServerVersion)
	if err != nil {
		return []check.Finding{check.Errorf(ref, "cannot read the API server version %q", s.ServerVersion)}
	}
	p := env.Params.ControlPlane
	var out []check.Finding
	if oldest := p.NewestMinor - 2; have.Major() == 1 && int(have.Minor()) < oldest {
		out = append(out, check.Failf(ref, "Kubernetes %s is out of upstream support: the supported minors are 1.%d to 1.%d",
			s.ServerVersion, oldest, p.NewestMinor))
	}
	if p.MinimumVersion != "" {
		want, err := version.ParseGeneric(p.MinimumVersion)
		if err != nil {
			return append(out, check.Errorf(ref, "ControlPlane.MinimumVersion %q is not a version such as v1.36.4", p.MinimumVersion))
		}
		if have.LessThan(want) {
			out = append(out, check.Failf(ref, "Kubernetes %s is older than the required minimum %s", s.ServerVersion, p.MinimumVersion))
		}
	}
	return out
}
