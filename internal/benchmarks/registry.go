package benchmarks

import (
	"sort"

	"github.com/kubeposture/kubeposture/internal/benchmarks/backups"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/controlplane"
	"github.com/kubeposture/kubeposture/internal/benchmarks/images"
	"github.com/kubeposture/kubeposture/internal/benchmarks/logging"
	"github.com/kubeposture/kubeposture/internal/benchmarks/network"
	"github.com/kubeposture/kubeposture/internal/benchmarks/nodes"
	"github.com/kubeposture/kubeposture/internal/benchmarks/organisation"
	"github.com/kubeposture/kubeposture/internal/benchmarks/rbac"
	"github.com/kubeposture/kubeposture/internal/benchmarks/secrets"
	"github.com/kubeposture/kubeposture/internal/benchmarks/workloads"
)

// All returns every implemented check, sorted by ID. A check that is not implemented is not
// in the registry: it never shows up as a Pass.
func All() []check.Check {
	var all []check.Check
	for _, domain := range [][]check.Check{
		workloads.Checks(),
		rbac.Checks(),
		network.Checks(),
		nodes.Checks(),
		controlplane.Checks(),
		secrets.Checks(),
		backups.Checks(),
		images.Checks(),
		logging.Checks(),
		organisation.Checks(),
	} {
		all = append(all, domain...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}
