package benchmarks

// ControlPlaneParams are the parameters of the CP- checks.
type ControlPlaneParams struct{}

func defaultControlPlaneParams() ControlPlaneParams { return ControlPlaneParams{} }

// controlPlaneChecks returns the CP- checks: control plane.
func controlPlaneChecks() []Check {
	return []Check{}
}
