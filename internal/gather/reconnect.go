package gather

import (
	"context"
	"errors"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
)

// Reconnection to an API server that went away. client-go's reflector backs off up to
// [30, 60) s between attempts to list or watch, so after an outage of half a minute the caches
// (and with them the first audit) would wait up to a minute more. The operator's informers
// retry a list or watch that failed because the API server could not be reached themselves,
// with a backoff capped at reconnectMax, so they resume within reconnectMax of its return.
const (
	reconnectInitial = 250 * time.Millisecond
	reconnectMax     = 2 * time.Second
)

// unreachable reports an error that means the API server did not answer at all (it is down or
// restarting), as opposed to an answer such as 403 or 429 that the reflector handles itself.
func unreachable(err error) bool {
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || errors.Is(err, io.ErrUnexpectedEOF) ||
		utilnet.IsProbableEOF(err)
}

// reconnecting wraps a ListerWatcher so that a list or watch that cannot reach the API server is
// retried until it can, or until its context ends.
type reconnecting struct {
	lw toolscache.ListerWatcherWithContext
}

// Reconnecting returns lw with quick reconnection to an API server that went away.
func Reconnecting(lw toolscache.ListerWatcher) toolscache.ListerWatcher {
	return &reconnecting{lw: toolscache.ToListerWatcherWithContext(lw)}
}

func retryUnreachable[T any](ctx context.Context, call func() (T, error)) (T, error) {
	delay := reconnectInitial
	for {
		v, err := call()
		if err == nil || !unreachable(err) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(delay):
		}
		delay = min(2*delay, reconnectMax)
	}
}

func (r *reconnecting) ListWithContext(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	return retryUnreachable(ctx, func() (runtime.Object, error) { return r.lw.ListWithContext(ctx, opts) })
}

func (r *reconnecting) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return retryUnreachable(ctx, func() (watch.Interface, error) { return r.lw.WatchWithContext(ctx, opts) })
}

// List implements the deprecated toolscache.Lister; the reflector calls ListWithContext.
func (r *reconnecting) List(opts metav1.ListOptions) (runtime.Object, error) {
	return r.ListWithContext(context.Background(), opts)
}

// Watch implements the deprecated toolscache.Watcher; the reflector calls WatchWithContext.
func (r *reconnecting) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return r.WatchWithContext(context.Background(), opts)
}

// newReconnectingInformer is the cache's informer constructor: client-go's, over a reconnecting
// ListerWatcher.
func newReconnectingInformer(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
	return toolscache.NewSharedIndexInformer(Reconnecting(lw), obj, resync, indexers)
}
