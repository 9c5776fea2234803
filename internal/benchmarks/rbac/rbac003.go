package rbac

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func rbac003() check.Check {
	return check.Check{
		ID:       "RBAC-003",
		Title:    "Anonymous, unauthenticated and all-authenticated groups hold only the default discovery roles",
		Domain:   check.DomainRBAC,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S12.1", "S3.13"}, NIST: []string{"3.3.2"}, MLPS: []string{"G1a"},
		},
		Rationale: "A binding to system:anonymous or system:unauthenticated gives its permissions to anyone who " +
			"can reach the API server; one to system:authenticated gives them to every user and every " +
			"service account of the cluster.",
		Remediation: "Delete the binding, or replace the public group with the users, groups or service accounts " +
			"that need the role. Roles that are meant to be public (such as a discovery role) go in the " +
			"profile's RBAC.PublicGrantRoles.",
		Evaluate: evaluatePublicBindings,
	}
}

func evaluatePublicBindings(s *check.Snapshot, env *check.Env) []check.Finding {
	bindings := privilegeBindings(s, env)
	if len(bindings) == 0 {
		return []check.Finding{check.NotApplicablef("no RoleBindings or ClusterRoleBindings to inspect")}
	}
	allowed := map[string]bool{}
	for _, r := range env.Params.RBAC.PublicGrantRoles {
		allowed[r] = true
	}
	var out []check.Finding
	for _, b := range bindings {
		ref := b.RoleRef.Kind + ":" + b.RoleRef.Name
		if b.RoleRef.Kind == "Role" {
			ref = "Role:" + b.Namespace + "/" + b.RoleRef.Name
		}
		if allowed[ref] {
			continue
		}
		var public []string
		for _, sub := range b.Subjects {
			if classifySubject(s, env, sub, b.Namespace) == subjectPublic {
				public = append(public, subjectID(sub, b.Namespace))
			}
		}
		if len(public) > 0 {
			out = append(out, check.Failf(b.Ref, "grants %s %s to %s", b.role(), b.scope(), strings.Join(public, ", ")))
		}
	}
	return out
}
