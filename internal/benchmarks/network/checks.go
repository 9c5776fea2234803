package network

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		net001(), net002(), net003(), net004(), net005(), net006(),
		net007(), net008(), net009(), net010(), net011(), net012(),
	}
}
