package gather

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestKubeletConfigReader serves the node-proxy path from a local server standing in for the
// API server: the real API server refuses to proxy to loopback node addresses, so the proxy
// itself is exercised by the opt-in envtest instead.
func TestKubeletConfigReader(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/api/v1/nodes/node-a/proxy/configz":
			_, _ = w.Write([]byte(`{"kubeletconfig":{"readOnlyPort":10255,"authorization":{"mode":"AlwaysAllow"}}}`))
		case "/api/v1/nodes/node-b/proxy/configz":
			_, _ = w.Write([]byte(`<html>not a kubelet</html>`))
		default:
			http.Error(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"error trying to reach service: dial tcp: connection refused","code":503}`, http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	reader := &KubeletConfigReader{Client: cs.CoreV1().RESTClient()}
	nodes := []*corev1.Node{
		{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "node-b"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "node-c"}},
	}
	now := time.Now()
	got := reader.Read(context.Background(), nodes, now)
	if a := got["node-a"]; a.Config == nil || *a.Config.ReadOnlyPort != 10255 || a.Config.Authorization.Mode != "AlwaysAllow" {
		t.Errorf("node-a: %+v", a)
	}
	if b := got["node-b"]; b.Config != nil || !strings.Contains(b.Err, "not JSON") {
		t.Errorf("node-b must be an error naming the bad body: %+v", b)
	}
	if c := got["node-c"]; c.Config != nil || !strings.Contains(c.Err, "node proxy") {
		t.Errorf("node-c must be an error naming the proxy: %+v", c)
	}
	if calls.Load() != 3 {
		t.Fatalf("%d requests, want 3", calls.Load())
	}

	// Within the TTL nothing is read again; after the error TTL only the failed nodes are.
	reader.Read(context.Background(), nodes, now.Add(30*time.Second))
	if calls.Load() != 3 {
		t.Errorf("cached configurations were read again: %d requests", calls.Load())
	}
	reader.Read(context.Background(), nodes, now.Add(2*kubeletErrorTTL))
	if calls.Load() != 5 {
		t.Errorf("after the error TTL the two failed nodes are retried: %d requests, want 5", calls.Load())
	}
	// A deleted node is forgotten.
	reader.Read(context.Background(), nodes[:1], now.Add(2*kubeletErrorTTL))
	if _, ok := reader.cache["node-b"]; ok {
		t.Error("node-b was deleted and must leave the cache")
	}
}
