package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/operator"
)

// auditSnapshot gathers a live cluster the way the operator does, from a short-lived cache.
func auditSnapshot(ctx context.Context, kubeconfig, kubeContext string, readSecrets bool) (*benchmarks.Snapshot, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	opts := controllers.CacheOptions()
	opts.Scheme = operator.Scheme
	c, err := cache.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	go func() { _ = c.Start(ctx) }()
	// Informers asked for before the cache has started are not waited for: wait for the start,
	// after which each kind the gatherer reads is synced before it is read.
	if !c.WaitForCacheSync(ctx) {
		return nil, errors.New("the cluster's objects could not be read within 5 minutes")
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	g := &controllers.Gatherer{Cache: c, Discovery: dc, ReadSecrets: readSecrets,
		Kubelet: &controllers.KubeletConfigReader{Client: cs.CoreV1().RESTClient()}}
	snap, err := g.Snapshot(ctx, time.Now())
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, errors.New("the cluster's objects could not be read within 5 minutes")
	}
	return snap, err
}
