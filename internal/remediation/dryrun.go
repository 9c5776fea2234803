package remediation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// dryRun validates applying obj with a server-side dry run, cached by content: obj and the
// resource version of the object it would change (current; "" when it does not exist).
func (r *Remediator) dryRun(ctx context.Context, obj runtime.Object, current string) error {
	return r.cachedDryRun(contentKey(obj, current), func() dryRunResult { return dryRunResult{err: r.apply(ctx, obj, true)} }).err
}

func resourceVersion(np *networkingv1.NetworkPolicy) string {
	if np == nil {
		return ""
	}
	return np.ResourceVersion
}

// dryRunResult is the outcome of one server-side dry run.
type dryRunResult struct {
	warnings []string
	err      error
}

// dryRunCache remembers dry runs by content across remediation passes. An entry not used in a
// pass is dropped at the end of the next, so the cache holds about one pass's dry runs.
type dryRunCache struct {
	mu         sync.Mutex
	prev, next map[string]dryRunResult
}

func (c *dryRunCache) get(key string) (dryRunResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.next[key]; ok {
		return res, true
	}
	res, ok := c.prev[key]
	if ok {
		c.next[key] = res
	}
	return res, ok
}

func (c *dryRunCache) put(key string, res dryRunResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[key] = res
}

// rotate starts a pass.
func (c *dryRunCache) rotate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prev, c.next = c.next, map[string]dryRunResult{}
}

// cachedDryRun returns the cached result for key or runs the dry run. Only results that depend
// on content alone are kept: success and field-manager conflicts. Other errors (a missing
// permission, an unreachable API server) are tried again at the next pass.
func (r *Remediator) cachedDryRun(key string, run func() dryRunResult) dryRunResult {
	if res, ok := r.cache.get(key); ok {
		return res
	}
	res := run()
	r.dryRuns.Add(1)
	dryRunsTotal.Inc()
	if res.err == nil || apierrors.IsConflict(res.err) {
		r.cache.put(key, res)
	}
	return res
}

// contentKey hashes an object as it would be sent, with what else the result depends on.
func contentKey(obj runtime.Object, extra string) string {
	raw, err := json.Marshal(obj)
	if err != nil {
		raw = []byte(fmt.Sprintf("%#v", obj))
	}
	h := sha256.New()
	h.Write(raw)
	h.Write([]byte{0})
	h.Write([]byte(extra))
	return hex.EncodeToString(h.Sum(nil))
}
