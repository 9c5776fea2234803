package workloads

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		wkl001(), wkl002(), wkl003(), wkl004(), wkl005(), wkl006(),
		wkl007(), wkl008(), wkl009(), wkl010(), wkl011(), wkl012(),
		wkl013(), wkl014(), wkl015(), wkl016(), wkl017(), wkl018(),
		wkl019(), wkl020(), wkl021(), wkl022(), wkl023(), wkl024(),
		wkl025(), wkl026(), wkl027(), wkl028(), wkl029(), wkl030(),
		wkl031(),
	}
}
