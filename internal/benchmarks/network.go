package benchmarks

// networkChecks returns the checks of this domain.
func networkChecks() []Check {
	return []Check{}
}
