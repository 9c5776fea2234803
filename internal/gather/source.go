package gather

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// SourceOptions configure how a cluster is read.
type SourceOptions struct {
	// Scheme knows the built-in kinds.
	Scheme *runtime.Scheme
	// ReadSecrets gathers Secrets (see Gatherer.ReadSecrets).
	ReadSecrets bool
	// HTTPClient is shared by every client; nil makes one from the rest config.
	HTTPClient *http.Client
	// Mapper resolves kinds; nil makes a dynamic one from the rest config.
	Mapper meta.RESTMapper
}

// NewGatherer returns the gatherer the operator and `kubeposture audit` both read the cluster
// with: the audited kinds from c (built with CacheOptions), the optional kinds the cluster
// serves, Secrets by type (metadata only unless a check parses their content), the server
// version and kubelet configurations.
func NewGatherer(cfg *rest.Config, c cache.Cache, opts SourceOptions) (*Gatherer, error) {
	httpClient := opts.HTTPClient
	if httpClient == nil {
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return nil, fmt.Errorf("creating the HTTP client: %w", err)
		}
		httpClient = hc
	}
	mapper := opts.Mapper
	if mapper == nil {
		m, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
		if err != nil {
			return nil, fmt.Errorf("creating the REST mapper: %w", err)
		}
		mapper = m
	}
	dc, err := discovery.NewDiscoveryClientForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("creating the discovery client: %w", err)
	}
	cs, err := kubernetes.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	g := &Gatherer{
		Cache: c, Discovery: dc, Mapper: mapper, ReadSecrets: opts.ReadSecrets,
		Kubelet: &KubeletConfigReader{Client: cs.CoreV1().RESTClient()},
		Access:  &AccessChecker{Reviews: cs.AuthorizationV1().SelfSubjectAccessReviews()},
	}
	if opts.ReadSecrets {
		if g.Secrets, err = NewSecretInformers(cfg, httpClient); err != nil {
			return nil, err
		}
		g.Secrets.Access = g.Access
	}
	return g, nil
}

// ClusterSource is a short-lived reader of a cluster: its own cache and the shared gatherer.
// `kubeposture audit` and tests use it; the operator builds its gatherer on the manager's cache.
type ClusterSource struct {
	Cache    cache.Cache
	Gatherer *Gatherer
}

// NewClusterSource returns a source reading the cluster at cfg.
func NewClusterSource(cfg *rest.Config, opts SourceOptions) (*ClusterSource, error) {
	if opts.HTTPClient == nil {
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return nil, fmt.Errorf("creating the HTTP client: %w", err)
		}
		opts.HTTPClient = hc
	}
	if opts.Mapper == nil {
		m, err := apiutil.NewDynamicRESTMapper(cfg, opts.HTTPClient)
		if err != nil {
			return nil, fmt.Errorf("creating the REST mapper: %w", err)
		}
		opts.Mapper = m
	}
	co := CacheOptions()
	co.Scheme, co.HTTPClient, co.Mapper = opts.Scheme, opts.HTTPClient, opts.Mapper
	c, err := cache.New(cfg, co)
	if err != nil {
		return nil, fmt.Errorf("creating the cache: %w", err)
	}
	g, err := NewGatherer(cfg, c, opts)
	if err != nil {
		return nil, err
	}
	return &ClusterSource{Cache: c, Gatherer: g}, nil
}

// Start starts the cache and the Secret informers in the background until ctx ends, and waits
// up to timeout for the cache to start. Each kind is then synced when the gatherer first reads it.
func (s *ClusterSource) Start(ctx context.Context, timeout time.Duration) error {
	go func() { _ = s.Cache.Start(ctx) }()
	if s.Gatherer.Secrets != nil {
		go func() { _ = s.Gatherer.Secrets.Start(ctx) }()
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !s.Cache.WaitForCacheSync(wctx) {
		return errors.New("the cache did not start in time")
	}
	return nil
}
