package logging

import "github.com/kubeposture/kubeposture/internal/benchmarks/check"

// Checks returns the checks of the domain, one per file.
func Checks() []check.Check {
	return []check.Check{
		log001(), log002(), log003(), log004(), log005(), log006(),
		log007(),
	}
}
