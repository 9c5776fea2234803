package benchmarks_test

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
)

// fingerprint renders everything a check could change in a snapshot: every object, the
// parameters, the scope and the facts of the audit.
func fingerprint(t *testing.T, s *benchmarks.Snapshot) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	sel := "<nil>"
	if s.Scope.Selector != nil {
		sel = s.Scope.Selector.String()
	}
	return string(b) + "\nselector " + sel
}

// TestChecksDoNotModifySnapshot evaluates every check on every one of its fixtures and fails
// when the snapshot differs afterwards: in the operator the snapshot's objects are the
// informer cache's own, shared by every audit.
func TestChecksDoNotModifySnapshot(t *testing.T) {
	for _, c := range benchmarks.All() {
		files, _ := filepath.Glob(filepath.Join("testdata", c.ID, "*.yaml"))
		sort.Strings(files)
		for _, path := range files {
			f, err := fixtures.Load(c, path)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := f.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			snap.Prepare()
			before := fingerprint(t, snap)
			if _, err := f.Evaluate(c, snap); err != nil {
				t.Fatal(err)
			}
			if after := fingerprint(t, snap); after != before {
				t.Errorf("%s modified the snapshot of %s", c.ID, path)
			}
		}
	}
}
