package benchmarks_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// declares reports whether the declared kinds cover groupKind, exactly or as "*.group".
func declares(reads []string, groupKind string) bool {
	if slices.Contains(reads, groupKind) {
		return true
	}
	_, group, _ := strings.Cut(groupKind, ".")
	return slices.Contains(reads, "*."+group)
}

// TestChecksDeclareOptionalKinds evaluates every check on every fixture of its domain and
// fails when the check asks the snapshot for an optional kind its Reads does not declare: the
// operator watches only declared kinds, so an undeclared one would never be gathered and the
// check would quietly stay NotApplicable.
func TestChecksDeclareOptionalKinds(t *testing.T) {
	cases := allFixtures(t)
	for _, c := range benchmarks.All() {
		undeclared := map[string]bool{}
		for _, fc := range cases {
			if fc.check.Domain != c.Domain {
				continue
			}
			fc.snap.ReadHook = func(gk string) {
				if !declares(c.Reads, gk) {
					undeclared[gk] = true
				}
			}
			for lvl := c.Level; lvl <= benchmarks.L3; lvl++ {
				benchmarks.Evaluate(fc.snap, fc.env, []benchmarks.Check{c}, benchmarks.Options{Level: lvl})
			}
			fc.snap.ReadHook = nil
		}
		if len(undeclared) > 0 {
			t.Errorf("%s reads optional kinds it does not declare in Reads: %s", c.ID, strings.Join(slices.Sorted(maps.Keys(undeclared)), ", "))
		}
	}
}
