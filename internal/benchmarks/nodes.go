package benchmarks

// NodeParams are the parameters of the NODE- checks.
type NodeParams struct{}

func defaultNodeParams() NodeParams { return NodeParams{} }

// nodeChecks returns the NODE- checks: Nodes.
func nodeChecks() []Check {
	return []Check{}
}
