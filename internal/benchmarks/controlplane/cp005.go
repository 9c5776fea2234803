package controlplane

import (
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func cp005() check.Check {
	return check.Check{
		ID:       "CP-005",
		Title:    "The API server refuses anonymous requests, serves no insecure port and disables profiling",
		Domain:   check.DomainControlPlane,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S3.13", "S2.14"}, NIST: []string{"4.3.5"}, MLPS: []string{"G1a"},
			CIS: []string{"1.2.1", "1.2.5", "1.2.14", "1.2.15"},
		},
		Rationale: "Anonymous requests and an insecure port reach the API without identity; profiling exposes " +
			"internals; without NodeRestriction a kubelet can modify other nodes and their pods; without " +
			"--kubelet-certificate-authority the API server cannot tell a real kubelet from an impostor. The check " +
			"reads the kube-apiserver mirror pods; managed control planes need a person to verify.",
		Remediation: "Set --anonymous-auth=false (or, from 1.32, an AuthenticationConfiguration whose anonymous " +
			"section allows only /healthz, /livez and /readyz), remove --insecure-port and --insecure-bind-address, " +
			"set --profiling=false, add NodeRestriction to --enable-admission-plugins, and set " +
			"--kubelet-certificate-authority to the CA that signs kubelet serving certificates.",
		Evaluate: cpAPIServerExposure,
	}
}

func cpAPIServerExposure(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the API server's flags are a fact of a live control plane")}
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify with your provider " +
			"that anonymous access is limited to health endpoints, profiling and insecure ports are off and NodeRestriction " +
			"is enabled, then attest it")}
	}
	var out []check.Finding
	for _, api := range apiservers {
		var problems []string
		anonymous, anonymousSet := api.Flags["anonymous-auth"]
		switch {
		case anonymous == "false":
		case !anonymousSet && api.Flags["authentication-config"] != "":
			f := check.Manualf("kube-apiserver uses --authentication-config=%s: verify that its anonymous section is absent or "+
				"allows only /healthz, /livez and /readyz", api.Flags["authentication-config"])
			f.Object = api.Ref
			out = append(out, f)
		case anonymousSet:
			problems = append(problems, "--anonymous-auth="+anonymous+" lets unauthenticated requests in as system:anonymous")
		default:
			problems = append(problems, "--anonymous-auth is not set and defaults to true, so unauthenticated requests get in as system:anonymous")
		}
		if port, ok := api.Flags["insecure-port"]; ok && port != "0" {
			problems = append(problems, "--insecure-port="+port+" serves the API without authentication")
		}
		if addr, ok := api.Flags["insecure-bind-address"]; ok {
			problems = append(problems, "--insecure-bind-address="+addr+" is set")
		}
		if p := api.Flags["profiling"]; p != "false" {
			problems = append(problems, "--profiling is not false, so /debug/pprof is served")
		}
		if !slices.Contains(cpAdmissionPlugins(api.Flags), "NodeRestriction") {
			problems = append(problems, "NodeRestriction is not in --enable-admission-plugins")
		}
		if api.Flags["kubelet-certificate-authority"] == "" {
			problems = append(problems, "--kubelet-certificate-authority is not set, so kubelets' serving certificates are not verified")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver: %s", strings.Join(problems, "; ")))
		}
	}
	return out
}
