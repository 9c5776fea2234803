package gather

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

const (
	// kubeletConfigTTL is how long a node's kubelet configuration is reused; it changes only
	// when the kubelet restarts.
	kubeletConfigTTL = 10 * time.Minute
	// kubeletErrorTTL is how long a failed read is remembered before it is tried again.
	kubeletErrorTTL = time.Minute
	// kubeletTimeout bounds one read through the node proxy.
	kubeletTimeout = 5 * time.Second
	// kubeletParallel bounds concurrent reads.
	kubeletParallel = 8
)

// KubeletConfigReader reads kubelet configurations through the API server's node proxy
// (GET /api/v1/nodes/NAME/proxy/configz), caching each for a while so steady-state audits send
// no requests. It needs the optional nodes/proxy permission.
type KubeletConfigReader struct {
	// Client is a REST client for the core/v1 API group.
	Client rest.Interface

	mu    sync.Mutex
	cache map[string]kubeletEntry
}

type kubeletEntry struct {
	result benchmarks.KubeletConfigResult
	at     time.Time
}

// Read returns the configuration of every node, reading the stale or missing ones.
func (k *KubeletConfigReader) Read(ctx context.Context, nodes []*corev1.Node, now time.Time) map[string]benchmarks.KubeletConfigResult {
	out := make(map[string]benchmarks.KubeletConfigResult, len(nodes))
	var stale []string
	k.mu.Lock()
	if k.cache == nil {
		k.cache = map[string]kubeletEntry{}
	}
	for _, n := range nodes {
		e, ok := k.cache[n.Name]
		ttl := kubeletConfigTTL
		if e.result.Err != "" {
			ttl = kubeletErrorTTL
		}
		if ok && now.Sub(e.at) < ttl {
			out[n.Name] = e.result
			continue
		}
		stale = append(stale, n.Name)
	}
	k.mu.Unlock()

	var wg sync.WaitGroup
	sem := make(chan struct{}, kubeletParallel)
	var outMu sync.Mutex
	for _, name := range stale {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res := k.readOne(ctx, name)
			outMu.Lock()
			out[name] = res
			outMu.Unlock()
			k.mu.Lock()
			k.cache[name] = kubeletEntry{result: res, at: now}
			k.mu.Unlock()
		}()
	}
	wg.Wait()
	k.forgetMissing(nodes)
	return out
}

func (k *KubeletConfigReader) readOne(ctx context.Context, node string) benchmarks.KubeletConfigResult {
	ctx, cancel := context.WithTimeout(ctx, kubeletTimeout)
	defer cancel()
	body, err := k.Client.Get().Resource("nodes").Name(node).SubResource("proxy").Suffix("configz").DoRaw(ctx)
	if err != nil {
		return benchmarks.KubeletConfigResult{Err: "reading kubelet configuration through the node proxy: " + benchmarks.Truncate(err.Error(), 300)}
	}
	cfg, err := benchmarks.ParseConfigz(body)
	if err != nil {
		return benchmarks.KubeletConfigResult{Err: err.Error()}
	}
	return benchmarks.KubeletConfigResult{Config: cfg}
}

// forgetMissing drops cached entries of nodes that no longer exist.
func (k *KubeletConfigReader) forgetMissing(nodes []*corev1.Node) {
	present := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		present[n.Name] = true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for name := range k.cache {
		if !present[name] {
			delete(k.cache, name)
		}
	}
}
