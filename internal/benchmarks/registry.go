package benchmarks

import "sort"

// All returns every implemented check, sorted by ID. A check that is not implemented is not
// in the registry: it never shows up as a Pass.
func All() []Check {
	var all []Check
	for _, domain := range [][]Check{
		workloadChecks(),
		lifecycleChecks(),
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

// Lookup returns the check with the given ID.
func Lookup(id string) (Check, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// ImplementedDomains returns the domains that have at least one check.
func ImplementedDomains() map[Domain]bool {
	out := map[Domain]bool{}
	for _, c := range All() {
		out[c.Domain] = true
	}
	return out
}
