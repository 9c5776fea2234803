package benchmarks

// LifecycleParams are the parameters of the operational WKL- checks (WKL-016 to WKL-030).
type LifecycleParams struct{}

func defaultLifecycleParams() LifecycleParams { return LifecycleParams{} }

// lifecycleChecks returns the WKL- checks about how workloads are run and operated.
func lifecycleChecks() []Check {
	return []Check{}
}
