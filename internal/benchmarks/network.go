package benchmarks

// NetworkParams are the parameters of the NET- checks.
type NetworkParams struct{}

func defaultNetworkParams() NetworkParams { return NetworkParams{} }

// networkChecks returns the NET- checks.
func networkChecks() []Check {
	return []Check{}
}
