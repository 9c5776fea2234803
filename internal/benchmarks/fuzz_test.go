package benchmarks

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/certgen"
)

// FuzzDeriveSecretFacts derives facts from arbitrary Secret content: it never panics, no value
// survives, every key does, and facts are always recorded.
func FuzzDeriveSecretFacts(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	crt, key, err := certgen.SelfSigned("fuzz.example.com", []string{"fuzz.example.com"}, now, now.Add(24*time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(crt, key, "2026-02-01T00:00:00Z", true)
	f.Add(crt, []byte("not a key"), "", false)
	f.Add(append(append([]byte{}, crt...), crt...), key, "yesterday", true)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte{}, "2026-13-40T99:99:99Z", true)
	f.Add([]byte{}, []byte{}, "", false)
	f.Fuzz(func(t *testing.T, cert, privateKey []byte, expiration string, bootstrap bool) {
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: privateKey, "ca.crt": cert},
			StringData: map[string]string{"expiration": expiration},
		}
		if bootstrap {
			sec.Type = corev1.SecretTypeBootstrapToken
		}
		facts.DeriveSecretFacts(sec)
		for k, v := range sec.Data {
			if v != nil {
				t.Fatalf("value of %s survived: %q", k, v)
			}
		}
		for _, k := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey, "ca.crt", "expiration"} {
			if _, ok := sec.Data[k]; !ok {
				t.Fatalf("key %s was dropped", k)
			}
		}
		if sec.StringData != nil {
			t.Fatal("stringData survived")
		}
		got, ok := facts.Facts(&sec.ObjectMeta)
		if !ok {
			t.Fatal("no facts recorded")
		}
		if !bootstrap && got.TokenExpiration != nil {
			t.Fatal("a TLS Secret has a token expiration")
		}
		if bootstrap && got.TokenExpiration == nil && expiration != "" {
			if _, err := time.Parse(time.RFC3339, expiration); err == nil {
				t.Fatalf("valid expiration %q not recorded", expiration)
			}
		}
		for _, c := range got.Certificates {
			if c.NotAfter.Before(c.NotBefore) && c.NotAfter.IsZero() {
				t.Fatalf("certificate fact without validity: %+v", c)
			}
		}
	})
}

// FuzzDeriveConfigMapFacts: values are dropped unless kept, keys always stay.
func FuzzDeriveConfigMapFacts(f *testing.F) {
	f.Add("password", "hunter2", false)
	f.Add("tls.key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n", false)
	f.Add("config", "mode: strict", true)
	f.Fuzz(func(t *testing.T, key, value string, keep bool) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"},
			Data: map[string]string{key: value}, BinaryData: map[string][]byte{"bin": []byte(value)}}
		facts.DeriveConfigMapFacts(cm, keep)
		if _, ok := cm.Data[key]; !ok {
			t.Fatalf("key %q dropped", key)
		}
		if !keep && (cm.Data[key] != "" || cm.BinaryData["bin"] != nil) {
			t.Fatalf("value of %q survived", key)
		}
		if keep && cm.Data[key] != value {
			t.Fatalf("kept value of %q changed", key)
		}
		if _, ok := facts.Facts(&cm.ObjectMeta); !ok {
			t.Fatal("no facts recorded")
		}
	})
}

// FuzzExemptionMatching checks exemption and name-pattern matching against their definitions:
// "*" and "" match every name and namespace, a pattern without metacharacters matches only
// itself, and a malformed pattern matches nothing rather than panicking.
func FuzzExemptionMatching(f *testing.F) {
	f.Add("monitoring-*", "monitoring-a", "ns", "ns")
	f.Add("*", "anything", "*", "other")
	f.Add("[", "[", "", "x")
	f.Add("a?c", "abc", "ns", "other")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, pattern, name, exNamespace, objNamespace string) {
		got := glob.Match(pattern, name)
		if (pattern == "" || pattern == "*") && !got {
			t.Fatalf("%q must match %q", pattern, name)
		}
		if !hasMeta(pattern) && pattern != "" && got != (pattern == name) {
			t.Fatalf("literal pattern %q matching %q = %v", pattern, name, got)
		}
		ex := []Exemption{{CheckID: "WKL-001", Namespace: exNamespace, Name: pattern}}
		obj := check.ObjectRef{Kind: "Pod", Namespace: objNamespace, Name: name}
		_, matched := exemptionFor("WKL-001", obj, ex)
		nsOK := exNamespace == "" || exNamespace == "*" || exNamespace == objNamespace
		if matched != (nsOK && got) {
			t.Fatalf("exemption {ns %q, name %q} for %s/%s: matched=%v, want %v", exNamespace, pattern, objNamespace, name, matched, nsOK && got)
		}
		if _, other := exemptionFor("WKL-002", obj, ex); other {
			t.Fatal("an exemption applied to another check")
		}
	})
}

func hasMeta(p string) bool {
	for _, r := range p {
		switch r {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}

// FuzzScopeSelector checks the namespace scope: system and excluded namespaces are never in
// scope, an empty selector takes every other namespace, and otherwise the selector decides as
// apimachinery's label selector does.
func FuzzScopeSelector(f *testing.F) {
	f.Add("team", "In", "a", "team", "a", "ns1", false)
	f.Add("team", "NotIn", "a", "team", "b", "kube-system", false)
	f.Add("env", "Exists", "", "env", "", "ns2", true)
	f.Add("x", "DoesNotExist", "", "y", "z", "ns3", false)
	f.Add("bad key!", "In", "v", "k", "v", "ns4", false)
	f.Fuzz(func(t *testing.T, key, op, value, labelKey, labelValue, ns string, excluded bool) {
		sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOperator(op)}}}
		if op == "In" || op == "NotIn" {
			sel.MatchExpressions[0].Values = []string{value}
		}
		selector, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return // admission rejects such selectors; the operator never sees them
		}
		var excl []string
		if excluded {
			excl = []string{ns}
		}
		scope := check.NewScope(selector, excl, []string{"kube-system"})
		s := &check.Snapshot{Namespaces: []*corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{labelKey: labelValue}}}}}
		got := scope.InScope(s, ns)
		var want bool
		switch {
		case ns == "" || ns == "kube-system" || excluded:
			want = false
		default:
			want = selector.Matches(labels.Set{labelKey: labelValue})
		}
		if got != want {
			t.Fatalf("InScope(%q) with selector %q and labels {%s: %s} = %v, want %v", ns, selector, labelKey, labelValue, got, want)
		}
	})
}
