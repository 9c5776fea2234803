package chart

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// env is the control plane every test of the package shares, with the SecurityProfile CRD and
// the Prometheus Operator's ServiceMonitor and PrometheusRule CRDs.
var (
	env       *envtest.Environment
	k8sClient client.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := envtest.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err = envtest.Start(filepath.Join(root, "test", "crds", "prometheus-operator"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	k8sClient, err = client.New(env.Config, client.Options{Scheme: envtest.Scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// ensureNamespace creates a namespace if it does not exist, the way `kubectl create namespace`
// does before `helm install -n`.
func ensureNamespace(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	ns := &unstructuredNamespace{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(name)
	if err := k8sClient.Create(ctx, &ns.Unstructured); err != nil && !isAlreadyExists(err) {
		t.Fatal(err)
	}
}
