package benchmarks

import (
	"sort"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// All returns every implemented check, sorted by ID. A check that is not implemented is not
// in the registry: it never shows up as a Pass.
func All() []check.Check {
	var all []check.Check
	for _, domain := range [][]check.Check{
		workloadChecks(),
		lifecycleChecks(),
		psaParityChecks(),
		rbacChecks(),
		networkChecks(),
		nodeChecks(),
		controlPlaneChecks(),
		secretChecks(),
		backupChecks(),
		imageChecks(),
		loggingChecks(),
		organisationalChecks(),
	} {
		all = append(all, domain...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}
