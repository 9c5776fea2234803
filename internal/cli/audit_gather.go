package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
)

// auditScheme knows the built-in kinds and the SecurityProfile API, as the operator's scheme
// does. It is built here, when audit runs, rather than taken from internal/operator: importing
// the operator would link (and initialise at every start, scan included) its metrics server's
// authentication and authorization stack.
func auditScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := securityv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// auditSnapshot gathers a live cluster through the operator's own gather path, from a short-lived
// cache. Kinds the caller may not read are found by access review at once and reported by the
// checks as Skipped, naming the permission; nothing waits for a list that cannot succeed.
func auditSnapshot(ctx context.Context, kubeconfig, kubeContext string, readSecrets bool) (*benchmarks.Snapshot, error) {
	cfg, err := loadRESTConfig(kubeconfig, kubeContext)
	if err != nil {
		return nil, err
	}
	sch, err := auditScheme()
	if err != nil {
		return nil, err
	}
	src, err := gather.NewClusterSource(cfg, gather.SourceOptions{Scheme: sch, ReadSecrets: readSecrets})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := src.Start(ctx, time.Minute); err != nil {
		return nil, fmt.Errorf("reading the cluster: %w", err)
	}
	snap, err := src.Gatherer.Snapshot(ctx, time.Now())
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, errors.New("the cluster's objects could not be read within 5 minutes")
	}
	return snap, err
}

// Client rate of a one-shot audit when the configuration sets none. client-go's defaults (5
// requests per second, bursts of 10) throttle the few hundred requests an audit sends to start
// its watches and read optional kinds, Secrets and discovery, which then takes seconds longer on
// a large cluster; an audit sends them once and ends.
const (
	auditQPS   = 100
	auditBurst = 200
)

// loadRESTConfig loads the kubeconfig as kubectl does (an explicit path, else $KUBECONFIG or
// ~/.kube/config) and applies the audit's client rate where the configuration sets none.
func loadRESTConfig(kubeconfig, kubeContext string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	withAuditRate(cfg)
	return cfg, nil
}

// withAuditRate fills in the audit's QPS and burst where cfg leaves them unset (zero, which
// client-go would replace by its defaults); a rate limiter of cfg's own leaves both alone.
func withAuditRate(cfg *rest.Config) {
	if cfg.RateLimiter != nil {
		return
	}
	if cfg.QPS == 0 {
		cfg.QPS = auditQPS
	}
	if cfg.Burst == 0 {
		cfg.Burst = auditBurst
	}
}
