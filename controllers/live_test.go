package controllers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/certgen"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// kubectlApply creates obj the way `kubectl apply` does on first use: the manifest as written
// (stringData included) goes into the last-applied annotation, and the field manager is kubectl's.
func kubectlApply(t *testing.T, obj client.Object) {
	t.Helper()
	gvks, _, err := envtest.Scheme.ObjectKinds(obj)
	if err != nil {
		t.Fatal(err)
	}
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[corev1.LastAppliedConfigAnnotation] = string(raw) + "\n"
	obj.SetAnnotations(a)
	if err := k8sClient.Create(context.Background(), obj, client.FieldOwner("kubectl-client-side-apply")); err != nil {
		t.Fatal(err)
	}
}

// rsaCertificate returns a self-signed PEM certificate and key with an RSA key of bits.
func rsaCertificate(t *testing.T, name string, bits int, notBefore, notAfter time.Time) (crt, key []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: notBefore, NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// liveSnapshot gathers the cluster through a cache started after the objects exist, as the
// operator does after a restart and `kubeposture audit` always does, once every named object
// is in it.
func liveSnapshot(t *testing.T, ns string, names ...string) *benchmarks.Snapshot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	src, err := gather.NewClusterSource(restConfig, gather.SourceOptions{Scheme: envtest.Scheme, ReadSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Start(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		snap, err := src.Gatherer.Snapshot(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, s := range snap.Secrets {
			have[s.Namespace+"/"+s.Name] = true
		}
		for _, c := range snap.ConfigMaps {
			have[c.Namespace+"/"+c.Name] = true
		}
		missing := ""
		for _, n := range names {
			if !have[ns+"/"+n] {
				missing = n
			}
		}
		if missing == "" {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s never reached the cache", ns, missing)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// findings runs one check on the snapshot and returns its findings by object name.
func findings(t *testing.T, snap *benchmarks.Snapshot, id, ns string) map[string]benchmarks.Finding {
	t.Helper()
	for _, c := range benchmarks.All() {
		if c.ID != id {
			continue
		}
		out := map[string]benchmarks.Finding{}
		env := benchmarks.Env{Now: time.Now(), Params: benchmarks.DefaultParams(), Scope: benchmarks.NewScope(nil, nil, nil)}
		for _, f := range c.Evaluate(snap, &env) {
			if f.Object.Namespace == ns {
				out[f.Object.Name] = f
			}
		}
		return out
	}
	t.Fatalf("no check %s", id)
	return nil
}

// TestAppliedSecretsAndConfigMapsGiveTheOfflineVerdictsLive applies TLS Secrets and a ConfigMap
// with kubectl's annotation and stringData, then reads them through a cache started afterwards.
func TestAppliedSecretsAndConfigMapsGiveTheOfflineVerdictsLive(t *testing.T) {
	const ns = "e2e-live-facts"
	createNamespace(t, ns, "live-facts")
	now := time.Now()
	tlsSecret := func(name string, pair [2][]byte) {
		crt, key := pair[0], pair[1]
		kubectlApply(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Type: corev1.SecretTypeTLS,
			StringData: map[string]string{corev1.TLSCertKey: string(crt), corev1.TLSPrivateKeyKey: string(key)}})
	}
	ecdsa := func(cn string, dns []string, nb, na time.Time) [2][]byte {
		crt, key, err := certgen.SelfSigned(cn, dns, nb, na)
		if err != nil {
			t.Fatal(err)
		}
		return [2][]byte{crt, key}
	}
	day := 24 * time.Hour
	tlsSecret("valid-ecdsa", ecdsa("shop.example.com", []string{"shop.example.com"}, now.Add(-day), now.Add(300*day)))
	tlsSecret("valid-wildcard", ecdsa("*.example.com", []string{"*.example.com"}, now.Add(-day), now.Add(300*day)))
	tlsSecret("expired", ecdsa("old.example.com", []string{"old.example.com"}, now.Add(-400*day), now.Add(-day)))
	tlsSecret("expiring", ecdsa("soon.example.com", []string{"soon.example.com"}, now.Add(-300*day), now.Add(5*day)))
	crt, key := rsaCertificate(t, "weak.example.com", 1024, now.Add(-day), now.Add(300*day))
	tlsSecret("weak-rsa", [2][]byte{crt, key})
	kubectlApply(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: ns},
		Data: map[string]string{"password": "hunter2", "mode": "prod"}})

	snap := liveSnapshot(t, ns, "valid-ecdsa", "valid-wildcard", "expired", "expiring", "weak-rsa", "app-config")

	tls := findings(t, snap, "SEC-007", ns)
	for _, n := range []string{"valid-ecdsa", "valid-wildcard"} {
		if f, ok := tls[n]; ok {
			t.Errorf("SEC-007 must pass %s: %s %s", n, f.Result, f.Message)
		}
	}
	for _, n := range []string{"expired", "expiring", "weak-rsa"} {
		if f := tls[n]; f.Result != benchmarks.Fail {
			t.Errorf("SEC-007 must Fail %s, got %s: %s", n, f.Result, f.Message)
		}
	}
	creds := findings(t, snap, "SEC-002", ns)
	if f := creds["app-config"]; f.Result != benchmarks.Fail || !strings.Contains(f.Message, "password") {
		t.Errorf("SEC-002 must report the ConfigMap's password key, got %s: %q", f.Result, f.Message)
	}

	var cached []runtime.Object
	for _, s := range snap.Secrets {
		cached = append(cached, s)
	}
	for _, c := range snap.ConfigMaps {
		cached = append(cached, c)
	}
	for _, o := range cached {
		m, _ := o.(metav1.Object)
		if _, ok := m.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; ok {
			t.Errorf("%T %s/%s keeps kubectl's last-applied configuration in the cache", o, m.GetNamespace(), m.GetName())
		}
		if len(m.GetManagedFields()) != 0 {
			t.Errorf("%T %s/%s keeps managedFields in the cache", o, m.GetNamespace(), m.GetName())
		}
	}
}
