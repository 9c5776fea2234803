package workloads

import (
	"k8s.io/pod-security-admission/policy"
)

// PSADedicatedCheck returns the catalog check that judges a Pod Security control on its own,
// when there is one.
func PSADedicatedCheck(id policy.CheckID) (string, bool) {
	c, ok := psaDedicated[id]
	return c, ok
}
