package benchmarks_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
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
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]benchmarks.Check{}
	for _, c := range benchmarks.All() {
		byID[c.ID] = c
	}
	for _, c := range benchmarks.All() {
		undeclared := map[string]bool{}
		for _, d := range dirs {
			owner, ok := byID[d.Name()]
			if !ok || owner.Domain != c.Domain {
				continue
			}
			files, _ := filepath.Glob(filepath.Join("testdata", d.Name(), "*.yaml"))
			sort.Strings(files)
			for _, path := range files {
				f, err := fixtures.Load(owner, path)
				if err != nil {
					t.Fatal(err)
				}
				snap, err := f.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				env, err := f.Env()
				if err != nil {
					t.Fatal(err)
				}
				snap.ReadHook = func(gk string) {
					if !declares(c.Reads, gk) {
						undeclared[gk] = true
					}
				}
				for lvl := c.Level; lvl <= benchmarks.L3; lvl++ {
					benchmarks.Evaluate(snap, env, []benchmarks.Check{c}, benchmarks.Options{Level: lvl})
				}
			}
		}
		if len(undeclared) > 0 {
			t.Errorf("%s reads optional kinds it does not declare in Reads: %s", c.ID, strings.Join(slices.Sorted(maps.Keys(undeclared)), ", "))
		}
	}
}
