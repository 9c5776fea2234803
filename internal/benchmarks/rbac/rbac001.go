package rbac

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func rbac001() check.Check {
	return check.Check{
		ID:         "RBAC-001",
		Title:      "The API server authorizes requests with the Node and RBAC authorizers and never AlwaysAllow",
		Domain:     check.DomainRBAC,
		Level:      check.L2,
		Severity:   check.SeverityCritical,
		References: check.References{Standard: []string{"S6.1"}, MLPS: []string{"G2a"}},
		Rationale: "Without the RBAC authorizer, roles and bindings have no effect; with AlwaysAllow every " +
			"authenticated request is permitted. The Node authorizer limits each kubelet to its own pods' objects. " +
			"The check reads the kube-apiserver mirror pods in kube-system; managed control planes need a person to verify.",
		Remediation: "Start every kube-apiserver with --authorization-mode=Node,RBAC (or an --authorization-config " +
			"with Node and RBAC authorizers and no AlwaysAllow). On a managed cluster, confirm with the provider " +
			"that RBAC is enforced and attest it.",
		Evaluate: evaluateAuthorizationMode,
	}
}

func evaluateAuthorizationMode(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the authorization mode is a fact of a live control plane")}
	}
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("no kube-apiserver mirror pod in kube-system (managed control plane?); %d ClusterRoleBindings "+
			"and %d RoleBindings exist. Verify with the provider that requests are authorized by RBAC "+
			"(and Node) and never AlwaysAllow, then attest it", len(s.ClusterRoleBindings), len(s.RoleBindings))}
	}
	var out []check.Finding
	for _, srv := range servers {
		if file, ok := srv.Flags["authorization-config"]; ok {
			f := check.Manualf("kube-apiserver uses --authorization-config=%s: verify that the AuthorizationConfiguration "+
				"on the control-plane nodes lists the Node and RBAC authorizers and no AlwaysAllow", file)
			f.Object = srv.Ref
			out = append(out, f)
			continue
		}
		mode, set := srv.Flags["authorization-mode"]
		if !set {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver has no --authorization-mode, so it defaults to AlwaysAllow"))
			continue
		}
		modes := map[string]bool{}
		for _, m := range strings.Split(mode, ",") {
			modes[strings.TrimSpace(m)] = true
		}
		var problems, missing []string
		if modes["AlwaysAllow"] {
			problems = append(problems, "includes AlwaysAllow")
		}
		for _, want := range []string{"Node", "RBAC"} {
			if !modes[want] {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			problems = append(problems, "lacks "+strings.Join(missing, " and "))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver --authorization-mode=%s %s", mode, strings.Join(problems, "; ")))
		}
	}
	return out
}
