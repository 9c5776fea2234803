package benchmarks_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
)

// TestFixtures runs every check against each of its fixtures (see package fixtures for the
// FixtureOptions document). CHECK=WKL-001 focuses one check.
func TestFixtures(t *testing.T) {
	focus := os.Getenv("CHECK")
	ran := 0
	for _, c := range benchmarks.All() {
		if focus != "" && c.ID != focus {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", c.ID, "*.yaml"))
			sort.Strings(files)
			for _, path := range files {
				t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
					f, err := fixtures.Load(c, path)
					if err != nil {
						t.Fatal(err)
					}
					snap, err := f.Snapshot()
					if err != nil {
						t.Fatal(err)
					}
					got, err := f.Evaluate(c, snap)
					if err != nil {
						t.Fatal(err)
					}
					if diff := f.Check(got); diff != "" {
						t.Fatal(diff)
					}
				})
			}
		})
		ran++
	}
	if focus != "" && ran == 0 {
		t.Fatalf("CHECK=%s names no registered check", focus)
	}
}
