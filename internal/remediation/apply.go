package remediation

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// Remediator applies a desired state with server-side apply under FieldManager. It only creates
// and deletes objects it labelled as its own, and only sets fields on other objects that no
// other field manager owns: a conflict is reported, never forced.
type Remediator struct {
	// Client writes to the API server (uncached); its REST config must send warnings to
	// WarningCollector so Pod Security dry runs can be read.
	Client client.Client
	// Parallelism bounds the concurrent API requests of one pass; zero means
	// DefaultParallelism.
	Parallelism int

	// mu serializes passes: every pass works on the objects of every remediating profile, so
	// profiles reconciled concurrently never race on a shared object.
	mu        sync.Mutex
	once      sync.Once
	cache     dryRunCache
	writes    atomic.Uint64 // passes that changed the cluster
	passWrote atomic.Bool   // the current pass changed the cluster
	dryRuns   atomic.Uint64 // server-side dry runs sent
}

var dryRunsTotal = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "kubeposture_remediation_dry_runs_total",
	Help: "Server-side dry runs sent by remediation (results cached by content are not sent again).",
})

func init() { metrics.Registry.MustRegister(dryRunsTotal) }

// DefaultParallelism is how many API requests one remediation pass sends at once.
const DefaultParallelism = 16

// Writes counts the remediation passes that changed the cluster. A snapshot gathered before a
// pass that changed the cluster is stale for remediation.
func (r *Remediator) Writes() uint64 { return r.writes.Load() }

// DryRuns counts the server-side dry runs sent (cached ones are not sent again).
func (r *Remediator) DryRuns() uint64 { return r.dryRuns.Load() }

// wrote marks the current pass as one that changed the cluster, when a write succeeded.
func (r *Remediator) wrote(err error) {
	if err == nil {
		r.passWrote.Store(true)
	}
}

// each runs fn for 0..n-1 with at most Parallelism at once.
func (r *Remediator) each(n int, fn func(i int)) {
	limit := r.Parallelism
	if limit <= 0 {
		limit = DefaultParallelism
	}
	var g errgroup.Group
	g.SetLimit(limit)
	for i := 0; i < n; i++ {
		g.Go(func() error { fn(i); return nil })
	}
	_ = g.Wait()
}

// WarningCollector hands API warnings to the collector stored in the request's context.
type WarningCollector struct{}

type warningsKey struct{}

type warningList struct {
	mu    sync.Mutex
	texts []string
}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (WarningCollector) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warningList); ok {
		w.mu.Lock()
		w.texts = append(w.texts, text)
		w.mu.Unlock()
	}
}

// Apply makes the cluster match d, as far as ownership allows, and reports every action.
// seen is Writes() from before snap was gathered: when another pass changed the cluster since,
// snap is stale, and Apply returns nil without acting (the changes' watch events bring a new
// audit).
func (r *Remediator) Apply(ctx context.Context, seen uint64, snap *benchmarks.Snapshot, d DesiredState) *Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writes.Load() != seen {
		return nil
	}
	r.once.Do(func() { r.cache.next = map[string]dryRunResult{} })
	r.cache.rotate()
	r.passWrote.Store(false)
	out := &Outcome{}
	r.applyPolicies(ctx, snap, d, out)
	r.applyNamespaceLabels(ctx, snap, d, out)
	r.applyAutomount(ctx, snap, d, out)
	r.applyDeletions(ctx, d, out)
	if r.passWrote.Load() {
		r.writes.Add(1)
	}
	return out
}

// apply server-side applies obj as FieldManager. force takes over fields of objects the
// operator created itself (an earlier version may have written them another way); it is never
// used on objects the operator does not own.
func (r *Remediator) apply(ctx context.Context, obj runtime.Object, dryRun bool, force ...bool) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	opts := []client.ApplyOption{client.FieldOwner(FieldManager)}
	if len(force) > 0 && force[0] {
		opts = append(opts, client.ForceOwnership)
	}
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	err = r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), opts...)
	if !dryRun {
		r.wrote(err)
	}
	return err
}

func stateOf(err error, ok securityv1alpha1.RemediationState) securityv1alpha1.RemediationState {
	switch {
	case err == nil:
		return ok
	case apierrors.IsConflict(err):
		return securityv1alpha1.StateConflict
	}
	return securityv1alpha1.StateFailed
}

func messageOf(err error, ok string) string {
	switch {
	case err == nil:
		return ok
	case apierrors.IsConflict(err):
		return "Owned by another field manager; not overwritten: " + err.Error()
	}
	return "The API server refused it: " + err.Error()
}
