package controllers_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// TestCacheHoldsNoSecretValues inspects the objects the operator's cache stores: Secrets keep
// their keys and type, never their values, and nothing keeps managedFields.
func TestCacheHoldsNoSecretValues(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	createNamespace(t, "e2e-secrets", "secrets")
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "e2e-secrets"},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{"password": "hunter2", "username": "app"},
	}
	if err := k8sClient.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	src, err := gather.NewClusterSource(restConfig, gather.SourceOptions{Scheme: envtest.Scheme, ReadSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Start(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	g := src.Gatherer
	var snap *benchmarks.Snapshot
	deadline := time.Now().Add(10 * time.Second)
	for {
		if snap, err = g.Snapshot(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		if findSecret(snap, "e2e-secrets", "db") != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	got := findSecret(snap, "e2e-secrets", "db")
	if got == nil {
		t.Fatal("the Secret never reached the cache")
	}
	if len(got.Data) != 2 || got.Type != corev1.SecretTypeOpaque {
		t.Errorf("keys and type must stay: %v %s", got.Data, got.Type)
	}
	for _, s := range snap.Secrets {
		for k, v := range s.Data {
			if len(v) != 0 {
				t.Errorf("Secret %s/%s key %s has its value in the cache", s.Namespace, s.Name, k)
			}
		}
		if len(s.StringData) != 0 || len(s.ManagedFields) != 0 {
			t.Errorf("Secret %s/%s keeps stringData or managedFields in the cache", s.Namespace, s.Name)
		}
	}
	for _, p := range snap.Pods {
		if len(p.ManagedFields) != 0 {
			t.Errorf("Pod %s/%s keeps managedFields in the cache", p.Namespace, p.Name)
		}
	}
}

func findSecret(s *benchmarks.Snapshot, ns, name string) *corev1.Secret {
	for _, sec := range s.Secrets {
		if sec.Namespace == ns && sec.Name == name {
			return sec
		}
	}
	return nil
}
