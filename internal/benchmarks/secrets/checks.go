package secrets

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		sec001(), sec002(), sec003(), sec004(), sec005(), sec006(),
		sec007(), sec008(), sec009(), sec010(),
	}
}
