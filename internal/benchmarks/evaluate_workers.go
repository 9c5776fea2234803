package benchmarks

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// evaluateChecks evaluates the checks, each at lvl and, for level-dependent checks, at every
// level from its own up to lvl, on up to GOMAXPROCS workers, and returns their reports in the
// order of checks. Checks only read the snapshot: each worker evaluates with its own shallow
// copy, whose Level it sets, and the derived values are computed by Prepare before the workers
// start (each under its own sync.Once in any case).
func evaluateChecks(s *Snapshot, checks []Check, lvl Level, active []Exemption, attested map[string]Attestation) []CheckReport {
	if len(checks) == 0 {
		return nil
	}
	out := make([]CheckReport, len(checks))
	var next atomic.Int64
	work := func(ws *Snapshot) {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(checks) {
				return
			}
			c := &checks[i]
			cr := evaluateAt(ws, c, lvl, active, attested)
			if c.LevelDependent {
				cr.ByLevel = map[Level]Result{lvl: cr.Result}
				for l := c.Level; l < lvl; l++ {
					cr.ByLevel[l] = evaluateAt(ws, c, l, active, attested).Result
				}
			}
			out[i] = cr
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(checks))
	var wg sync.WaitGroup
	for range workers - 1 {
		ws := *s
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(&ws)
		}()
	}
	own := *s
	work(&own)
	wg.Wait()
	return out
}
