package backups

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		bak001(), bak002(), bak003(), bak004(), bak005(), bak006(),
		bak007(), bak008(),
	}
}
