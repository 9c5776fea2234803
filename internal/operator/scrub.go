package operator

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unsafe"

	"k8s.io/client-go/rest"
)

// DefaultValueConnectionIdle is how long a watch of Secrets or ConfigMaps may stay silent after
// it delivered data before its connection is closed (and the watch resumed on a new one).
const DefaultValueConnectionIdle = 2 * time.Second

// valueConnections keeps every read of Secrets and ConfigMaps on connections of their own, and
// closes them once the response has been read: a list's when its body is done, a watch's when
// it has been quiet for idle after delivering data. The informer then resumes the watch from
// the last resource version it saw, on a new connection.
//
// The API server sends kubectl's last-applied annotation, which repeats every value of an
// applied Secret, even to a metadata-only watch. The cache transforms drop it, but the bytes
// also pass through the connection's buffers (TLS records, HTTP framing, the watch decoder),
// which stay referenced as long as the connection lives. A closed connection is garbage, and
// with the runtime's clobberfree setting (ReexecWithClobberFree) the collector overwrites it,
// so no response that carried a value stays readable in the process: at most for idle, plus
// the time until the next collection (the runtime forces one every two minutes).
type valueConnections struct {
	shared, own http.RoundTripper
	idle        time.Duration
}

// WrapValueConnections returns cfg with Secret and ConfigMap reads on their own HTTP/1.1
// connections, closed once read (see valueConnections). Other requests are unchanged.
func WrapValueConnections(cfg *rest.Config, idle time.Duration) (*rest.Config, error) {
	own := rest.CopyConfig(cfg)
	// HTTP/2 would multiplex these responses onto the connection every other request shares,
	// whose buffers never become garbage.
	own.NextProtos = []string{"http/1.1"}
	ownRT, err := rest.TransportFor(own)
	if err != nil {
		return nil, fmt.Errorf("building the transport for Secret and ConfigMap reads: %w", err)
	}
	out := rest.CopyConfig(cfg)
	out.Wrap(func(shared http.RoundTripper) http.RoundTripper {
		return &valueConnections{shared: shared, own: ownRT, idle: idle}
	})
	return out, nil
}

// readsValues reports whether req reads Secrets or ConfigMaps of the core API group: a list or
// watch across namespaces or in one, or a get of one object.
func readsValues(req *http.Request) bool {
	if req.Method != http.MethodGet {
		return false
	}
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	// api/v1/<resource>[/<name>] or api/v1/namespaces/<ns>/<resource>[/<name>]
	if len(parts) < 3 || parts[0] != "api" || parts[1] != "v1" {
		return false
	}
	rest := parts[2:]
	if rest[0] == "namespaces" && len(rest) >= 3 {
		rest = rest[2:]
	}
	if len(rest) > 2 {
		return false // a subresource
	}
	return rest[0] == "secrets" || rest[0] == "configmaps"
}

func (t *valueConnections) RoundTrip(req *http.Request) (*http.Response, error) {
	if !readsValues(req) {
		return t.shared.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.Close = true // the connection ends with this response
	resp, err := t.own.RoundTrip(req)
	if err != nil || req.URL.Query().Get("watch") != "true" && req.URL.Query().Get("watch") != "1" {
		return resp, err
	}
	resp.Body = newIdleClosingBody(resp.Body, t.idle)
	return resp, nil
}

// idleClosingBody ends a watch stream once it has been quiet for idle after delivering data.
// The reader then sees a clean end of stream, as when the API server ends a watch.
//
// When the stream ends, however it ends, the response is released (so the connection and its
// buffers become garbage), and the reader's buffers that this body filled are zeroed: client-go
// keeps the first watcher of an informer, and with it its decoder's buffer, for as long as the
// informer runs.
type idleClosingBody struct {
	idle time.Duration

	mu     sync.Mutex
	body   io.ReadCloser // nil once released
	timer  *time.Timer
	closed bool  // by the timer or by Close
	err    error // the end of the stream, once reached
	filled [][]byte
}

// maxFilledBuffers bounds the buffers remembered for zeroing. A reader reuses one or two
// buffers; one it replaced is garbage, and the collector overwrites it.
const maxFilledBuffers = 8

func newIdleClosingBody(body io.ReadCloser, idle time.Duration) *idleClosingBody {
	return &idleClosingBody{body: body, idle: idle}
}

func (b *idleClosingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.body == nil {
		b.end(io.EOF) // released by Close
	}
	if b.err != nil {
		defer b.mu.Unlock()
		b.wipe(p)
		return 0, b.err
	}
	body := b.body
	b.mu.Unlock()

	n, err := body.Read(p)

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		// Closed by the timer (or by the reader) while this read waited: a clean end.
		b.end(io.EOF)
		b.wipe(p)
		return 0, io.EOF
	}
	if n > 0 {
		b.remember(p)
		if b.timer == nil {
			b.timer = time.AfterFunc(b.idle, b.expire)
		} else {
			b.timer.Reset(b.idle)
		}
	}
	if err != nil {
		b.end(err)
		if n > 0 {
			return n, nil // the data first; the end at the next read
		}
		b.wipe(p)
		return 0, err
	}
	return n, nil
}

// remember records the buffer that p is part of, from p's start to the end of its capacity.
func (b *idleClosingBody) remember(p []byte) {
	whole := p[:cap(p)]
	end := uintptr(unsafe.Pointer(unsafe.SliceData(whole))) + uintptr(cap(whole)) //nolint:gosec // identity of a buffer, not dereferenced
	for i, f := range b.filled {
		if uintptr(unsafe.Pointer(unsafe.SliceData(f)))+uintptr(cap(f)) == end { //nolint:gosec // as above
			if cap(whole) > cap(f) {
				b.filled[i] = whole
			}
			return
		}
	}
	if len(b.filled) == maxFilledBuffers {
		b.filled = b.filled[1:]
	}
	b.filled = append(b.filled, whole)
}

// wipe zeroes p and every buffer this body filled. It runs on the reader's goroutine, when the
// stream has ended, so the reader no longer looks at them.
func (b *idleClosingBody) wipe(p []byte) {
	clear(p[:cap(p)])
	for _, f := range b.filled {
		clear(f)
	}
	b.filled = nil
}

// end records the end of the stream and releases the response.
func (b *idleClosingBody) end(err error) {
	if b.err == nil {
		b.err = err
	}
	b.closed = true
	if b.timer != nil {
		b.timer.Stop()
	}
	if b.body != nil {
		_ = b.body.Close()
		b.body = nil
	}
}

func (b *idleClosingBody) expire() {
	b.mu.Lock()
	body := b.body
	b.closed = true
	b.mu.Unlock()
	if body != nil {
		_ = body.Close() // a read waiting on it returns, and ends the stream
	}
}

// Close ends the stream. A read waiting on it returns, and wipes the buffers on the reader's
// goroutine.
func (b *idleClosingBody) Close() error {
	b.mu.Lock()
	body := b.body
	b.body = nil
	b.closed = true
	if b.timer != nil {
		b.timer.Stop()
	}
	b.mu.Unlock()
	if body == nil {
		return nil
	}
	if err := body.Close(); err != nil && !errors.Is(err, http.ErrBodyReadAfterClose) {
		return err
	}
	return nil
}
