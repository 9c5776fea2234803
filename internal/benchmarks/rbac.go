package benchmarks

// rbacChecks returns the checks of this domain.
func rbacChecks() []Check {
	return []Check{}
}
