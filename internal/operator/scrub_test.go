package operator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/kubeposture/kubeposture/test/envtest"
)

func TestReadsValues(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/secrets":                          true,
		"/api/v1/namespaces/a/secrets":             true,
		"/api/v1/namespaces/a/secrets/b":           true,
		"/api/v1/configmaps":                       true,
		"/api/v1/namespaces/a/configmaps/b":        true,
		"/api/v1/namespaces/secrets":               false, // the namespace named secrets
		"/api/v1/namespaces/secrets/pods":          false,
		"/api/v1/namespaces/a/serviceaccounts/b":   false,
		"/api/v1/namespaces/a/secrets/b/status":    false,
		"/apis/apps/v1/namespaces/a/secrets":       false,
		"/api/v1/nodes":                            false,
		"/api/v1/namespaces/a/pods/b/log":          false,
		"/apis/example.io/v1/namespaces/a/secrets": false,
	} {
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}}
		if got := readsValues(req); got != want {
			t.Errorf("readsValues(GET %s) = %v, want %v", path, got, want)
		}
	}
	if readsValues(&http.Request{Method: http.MethodPatch, URL: &url.URL{Path: "/api/v1/namespaces/a/configmaps/b"}}) {
		t.Error("a write is not a read")
	}
}

// exchange is one request as it left the client, and the protocol of its answer.
type exchange struct {
	path, rawQuery, proto string
}

type recorder struct {
	mu  sync.Mutex
	log []exchange
}

// wrap records the exchanges of every transport built from a config it wraps.
func (r *recorder) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if err == nil {
			r.mu.Lock()
			r.log = append(r.log, exchange{req.URL.Path, req.URL.RawQuery, resp.Proto})
			r.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]exchange(nil), r.log...)
}

// A metadata-only Secret informer, as the operator runs it, through a config with value
// connections: its reads use HTTP/1.1 connections of their own, its watch ends once quiet and
// is resumed from the last resource version (no new list), and it still sees every change.
func TestValueConnectionsResumeWatchesWithoutRelisting(t *testing.T) {
	env, err := envtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	rec := &recorder{}
	base := rest.CopyConfig(env.Config)
	base.Wrap(rec.wrap)
	cfg, err := WrapValueConnections(base, DefaultValueConnectionIdle)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scrub"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secret := func(name string) {
		t.Helper()
		if _, err := cs.CoreV1().Secrets("scrub").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name},
			StringData: map[string]string{"password": "not-for-the-operator"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	secret("first")

	mc := metadata.NewForConfigOrDie(cfg)
	inf := metadatainformer.NewFilteredMetadataInformer(mc, corev1.SchemeGroupVersion.WithResource("secrets"), "scrub", 0, nil, nil).Informer()
	go inf.Run(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the informer did not sync")
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s; requests: %+v", what, rec.exchanges())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	watches := func() (all, initial int) {
		for _, e := range rec.exchanges() {
			q, _ := url.ParseQuery(e.rawQuery)
			if e.path == "/api/v1/namespaces/scrub/secrets" && q.Get("watch") == "true" {
				all++
				if q.Get("sendInitialEvents") == "true" {
					initial++
				}
			}
		}
		return all, initial
	}
	// The watch that delivered the first Secret ends once quiet and is resumed.
	waitFor("a resumed watch", func() bool { all, _ := watches(); return all >= 2 })

	secret("second")
	waitFor("the second Secret in the informer", func() bool {
		_, ok, _ := inf.GetStore().GetByKey("scrub/second")
		return ok
	})
	waitFor("a watch resumed after the second Secret", func() bool { all, _ := watches(); return all >= 3 })

	lists := 0
	for _, e := range rec.exchanges() {
		q, _ := url.ParseQuery(e.rawQuery)
		if e.path == "/api/v1/namespaces/scrub/secrets" {
			if e.proto != "HTTP/1.1" {
				t.Errorf("GET %s?%s was answered over %s, not a connection of its own", e.path, e.rawQuery, e.proto)
			}
			if q.Get("watch") != "true" || q.Get("sendInitialEvents") == "true" {
				lists++
			}
		}
	}
	if lists != 1 {
		t.Errorf("the informer listed %d times (a list or a watch with initial events); want 1: a resumed watch must not list again; requests: %+v", lists, rec.exchanges())
	}

	// Other reads keep the shared connection.
	if _, err := kubernetes.NewForConfigOrDie(cfg).CoreV1().Namespaces().Get(ctx, "scrub", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, e := range rec.exchanges() {
		if e.path == "/api/v1/namespaces/scrub" && e.proto != "HTTP/2.0" {
			t.Errorf("GET %s was answered over %s; other requests keep the shared HTTP/2 connection", e.path, e.proto)
		}
	}
}

// stream is a response body that delivers chunks and then blocks until closed, like a watch.
type stream struct {
	chunks chan []byte
	done   chan struct{}
	once   sync.Once
}

func newStream(chunks ...string) *stream {
	s := &stream{chunks: make(chan []byte, len(chunks)), done: make(chan struct{})}
	for _, c := range chunks {
		s.chunks <- []byte(c)
	}
	return s
}

func (s *stream) Read(p []byte) (int, error) {
	select {
	case c := <-s.chunks:
		return copy(p, c), nil
	case <-s.done:
		return 0, errors.New("use of closed network connection")
	}
}

func (s *stream) Close() error { s.once.Do(func() { close(s.done) }); return nil }

func TestIdleClosingBodyEndsQuietStreamsAndZeroesWhatItFilled(t *testing.T) {
	s := newStream("a long first event with a VALUE", "short")
	b := newIdleClosingBody(s, 50*time.Millisecond)
	buf := make([]byte, 64) // the reader's buffer, reused for every event as a decoder does
	var got []string
	for {
		n, err := b.Read(buf)
		if n > 0 {
			got = append(got, string(buf[:n]))
		}
		if err != nil {
			if err != io.EOF {
				t.Fatalf("the stream ended with %v; want a clean end of stream", err)
			}
			break
		}
	}
	if strings.Join(got, "|") != "a long first event with a VALUE|short" {
		t.Errorf("read %q", got)
	}
	if !bytes.Equal(buf, make([]byte, len(buf))) {
		t.Errorf("the reader's buffer still holds %q after the stream ended", buf)
	}
	select {
	case <-s.done:
	default:
		t.Error("the response was not closed")
	}
	if n, err := b.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("a read after the end = %d, %v", n, err)
	}
}

func TestIdleClosingBodyWaitsForData(t *testing.T) {
	s := newStream()
	b := newIdleClosingBody(s, 10*time.Millisecond)
	read := make(chan error, 1)
	go func() { _, err := b.Read(make([]byte, 8)); read <- err }()
	select {
	case err := <-read:
		t.Fatalf("a watch that delivered nothing ended (%v): it must wait for the API server", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Closed by its reader (the informer stopping): the waiting read returns a clean end.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != io.EOF {
		t.Errorf("the read waiting on a closed stream returned %v", err)
	}
}

func TestIdleClosingBodyDeliversDataBeforeTheServersEnd(t *testing.T) {
	b := newIdleClosingBody(io.NopCloser(strings.NewReader("last event")), time.Minute)
	buf := make([]byte, 32)
	data, err := io.ReadAll(struct{ io.Reader }{readerFunc(func(p []byte) (int, error) {
		n, err := b.Read(buf[:min(len(p), len(buf))])
		copy(p, buf[:n])
		return n, err
	})})
	if err != nil || string(data) != "last event" {
		t.Errorf("read %q, %v", data, err)
	}
	if !bytes.Equal(buf, make([]byte, len(buf))) {
		t.Errorf("the reader's buffer still holds %q after the server ended the stream", buf)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
