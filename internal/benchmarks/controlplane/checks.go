package controlplane

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		cp001(), cp002(), cp003(), cp004(), cp005(), cp006(),
		cp007(), cp008(), cp009(),
	}
}
