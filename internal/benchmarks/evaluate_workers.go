package benchmarks

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// evaluateChecks evaluates the checks, each at lvl and, for level-dependent checks, at every
// level from its own up to lvl, on up to GOMAXPROCS workers, and returns their reports in the
// order of checks. Checks only read the snapshot and env (evaluateAt gives each evaluation its
// own copy of env at its level), and their derived values are each computed under a sync.Once.
func evaluateChecks(s *check.Snapshot, env *check.Env, checks []check.Check, lvl check.Level, active []Exemption, attested map[string]Attestation) []CheckReport {
	if len(checks) == 0 {
		return nil
	}
	out := make([]CheckReport, len(checks))
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(checks) {
				return
			}
			c := &checks[i]
			cr := evaluateAt(s, env, c, lvl, active, attested)
			if c.LevelDependent {
				cr.ByLevel = map[check.Level]check.Result{lvl: cr.Result}
				for l := c.Level; l < lvl; l++ {
					cr.ByLevel[l] = evaluateAt(s, env, c, l, active, attested).Result
				}
			}
			out[i] = cr
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(checks))
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
	return out
}
