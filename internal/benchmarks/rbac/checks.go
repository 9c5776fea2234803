package rbac

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		rbac001(), rbac002(), rbac003(), rbac004(), rbac005(), rbac006(),
		rbac007(), rbac008(), rbac009(),
	}
}
