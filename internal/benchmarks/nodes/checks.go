package nodes

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		node001(), node002(), node003(), node004(), node005(), node006(),
		node007(), node008(), node009(), node010(), node011(), node012(),
		node013(), node014(), node015(), node016(), node017(), node018(),
		node019(),
	}
}
