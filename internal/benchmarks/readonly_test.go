package benchmarks_test

import (
	"encoding/json"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// fingerprint renders everything a check could change in a snapshot and its Env: every object,
// the facts of the audit, the time, the parameters and the scope.
func fingerprint(t *testing.T, s *benchmarks.Snapshot, env *benchmarks.Env) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	e, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	sel := "<nil>"
	if env.Scope.Selector != nil {
		sel = env.Scope.Selector.String()
	}
	return string(b) + "\n" + string(e) + "\nselector " + sel
}

// TestChecksDoNotModifySnapshot evaluates every check on every one of its fixtures and fails
// when the snapshot or the Env differs afterwards: in the operator the snapshot's objects are
// the informer cache's own, shared by every audit, and the parameters are the profile's.
func TestChecksDoNotModifySnapshot(t *testing.T) {
	for _, fc := range allFixtures(t) {
		c, snap, env := fc.check, fc.snap, fc.env
		snap.Prepare()
		before := fingerprint(t, snap, &env)
		for lvl := c.Level; lvl <= benchmarks.L3; lvl++ {
			benchmarks.Evaluate(snap, env, []benchmarks.Check{c}, benchmarks.Options{Level: lvl})
		}
		if after := fingerprint(t, snap, &env); after != before {
			t.Errorf("%s modified the snapshot or the Env of %s", c.ID, fc.path)
		}
	}
}
