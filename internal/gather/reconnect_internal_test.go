package gather

import (
	"context"
	"net"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
)

// refused returns the error of a real dial to a port nothing listens on. A port freed for the
// dial may be taken again at once by another process; another is tried then.
func refused(t *testing.T) error {
	t.Helper()
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		_ = c.Close()
	}
	t.Fatal("every freed port was taken again before it could be dialled")
	return nil
}

func TestReconnectingRetriesUnreachableAPIServer(t *testing.T) {
	down := refused(t)
	lists, watches := 0, 0
	lw := Reconnecting(&toolscache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			lists++
			if lists < 3 {
				return nil, down
			}
			return &metav1.List{}, nil
		},
		WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) {
			watches++
			if watches < 2 {
				return nil, down
			}
			return watch.NewEmptyWatch(), nil
		},
	}).(toolscache.ListerWatcherWithContext)
	start := time.Now()
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); err != nil || lists != 3 {
		t.Fatalf("list: %v after %d calls; want success on the third", err, lists)
	}
	if _, err := lw.WatchWithContext(context.Background(), metav1.ListOptions{}); err != nil || watches != 2 {
		t.Fatalf("watch: %v after %d calls; want success on the second", err, watches)
	}
	if d := time.Since(start); d > 5*reconnectMax {
		t.Errorf("reconnecting took %s", d)
	}
}

func TestReconnectingReturnsAnswersAndGivesUpWithItsContext(t *testing.T) {
	calls := 0
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", nil)
	lw := Reconnecting(&toolscache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			calls++
			return nil, forbidden
		},
		WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) { return nil, refused(t) },
	}).(toolscache.ListerWatcherWithContext)
	if _, err := lw.ListWithContext(context.Background(), metav1.ListOptions{}); !apierrors.IsForbidden(err) || calls != 1 {
		t.Errorf("a 403 is the reflector's to handle: got %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	if _, err := lw.WatchWithContext(ctx, metav1.ListOptions{}); err == nil {
		t.Error("a watch that never reaches the API server must fail when its context ends")
	}
}
