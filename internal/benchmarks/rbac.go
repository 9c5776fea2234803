package benchmarks

// RBACParams are the parameters of the RBAC- checks.
type RBACParams struct{}

func defaultRBACParams() RBACParams { return RBACParams{} }

// rbacChecks returns the RBAC- checks.
func rbacChecks() []Check {
	return []Check{}
}
