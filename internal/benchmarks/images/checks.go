package images

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		img001(), img002(), img003(), img004(), img005(), img006(),
		img007(), img008(), img009(), img010(), img011(), img012(),
		img013(), img014(), img015(),
	}
}
