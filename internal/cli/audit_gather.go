package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/operator"
)

// auditSnapshot gathers a live cluster through the operator's own gather path, from a short-lived
// cache. Kinds the caller may not read are found by access review at once and reported by the
// checks as Skipped, naming the permission; nothing waits for a list that cannot succeed.
func auditSnapshot(ctx context.Context, kubeconfig, kubeContext string, readSecrets bool) (*benchmarks.Snapshot, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	src, err := gather.NewClusterSource(cfg, gather.SourceOptions{Scheme: operator.Scheme, ReadSecrets: readSecrets})
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
