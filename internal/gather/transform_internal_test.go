package gather

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/certgen"
)

const marker = "marker-7f3a9c"

// applied returns obj as `kubectl apply` leaves it on the server: the manifest in the
// last-applied annotation and a managedFields entry of kubectl's field manager.
func applied(t *testing.T, obj runtime.Object, meta *metav1.ObjectMeta, fields string) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	meta.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: string(raw)}
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	meta.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate,
		Time: &now, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}}
	meta.UID, meta.ResourceVersion = "0d6c0a4e-1", "42"
}

func tlsSecretApplied(t *testing.T) *corev1.Secret {
	crt, key, err := certgen.SelfSigned("shop.example.com", []string{"shop.example.com"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sec := &corev1.Secret{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: "shop-tls", Namespace: "shop"}, Type: corev1.SecretTypeTLS,
		StringData: map[string]string{"note": marker}, Data: map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key}}
	applied(t, sec, &sec.ObjectMeta, `{"f:data":{".":{},"f:tls.crt":{},"f:tls.key":{}},"f:type":{}}`)
	return sec
}

func configMapApplied(t *testing.T) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: "shop"},
		Data:       map[string]string{"password": marker, "mode": "prod"}}
	applied(t, cm, &cm.ObjectMeta, `{"f:data":{".":{},"f:mode":{},"f:password":{}}}`)
	return cm
}

// TestTransformsAreIdempotentAndDropValues runs every cache transform once and twice on objects
// as `kubectl apply` creates them: the results are equal, facts survive the second run, and no
// value, managedFields entry or last-applied annotation is left.
func TestTransformsAreIdempotentAndDropValues(t *testing.T) {
	opts := CacheOptions()
	transforms := map[string]toolscache.TransformFunc{"default": opts.DefaultTransform}
	for obj, b := range opts.ByObject {
		transforms[obj.GetObjectKind().GroupVersionKind().Kind+func() string {
			switch obj.(type) {
			case *corev1.Secret:
				return "Secret"
			case *corev1.ConfigMap:
				return "ConfigMap"
			case *corev1.Pod:
				return "Pod"
			}
			return "other"
		}()] = b.Transform
	}
	cases := []struct {
		name      string
		transform toolscache.TransformFunc
		obj       func() runtime.Object
	}{
		{"Secret", transforms["Secret"], func() runtime.Object { return tlsSecretApplied(t) }},
		{"ConfigMap", transforms["ConfigMap"], func() runtime.Object { return configMapApplied(t) }},
		{"default on a ConfigMap", transforms["default"], func() runtime.Object { return configMapApplied(t) }},
		{"Pod", transforms["Pod"], func() runtime.Object {
			p := replicaSetPod("web-a", "nginx:1.27")
			applied(t, p, &p.ObjectMeta, `{"f:spec":{"f:containers":{}}}`)
			return p
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.transform == nil {
				t.Fatal("no transform")
			}
			once, err := tc.transform(tc.obj())
			if err != nil {
				t.Fatal(err)
			}
			twice, err := tc.transform(tc.obj())
			if err != nil {
				t.Fatal(err)
			}
			if twice, err = tc.transform(twice); err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(once, twice) {
				t.Errorf("running the transform twice differs from running it once:\nonce  %+v\ntwice %+v", once, twice)
			}
			m := once.(metav1.Object)
			if _, ok := m.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; ok {
				t.Error("the last-applied configuration is kept")
			}
			if len(m.GetManagedFields()) != 0 {
				t.Error("managedFields are kept")
			}
			if tc.name == "default on a ConfigMap" {
				return
			}
			raw, _ := json.Marshal(once)
			if strings.Contains(string(raw), marker) {
				t.Errorf("a value survives the transform: %s", raw)
			}
		})
	}

	// The facts of a second run are those of the first.
	sec, _ := transforms["Secret"](tlsSecretApplied(t))
	sec, _ = transforms["Secret"](sec)
	f, ok := benchmarks.Facts(&sec.(*corev1.Secret).ObjectMeta)
	if !ok || len(f.Certificates) != 1 || len(f.ParseErrors) != 0 || f.KeyMatches == nil || !*f.KeyMatches || f.LastDataWrite == nil {
		t.Errorf("the TLS facts must survive a second run: %+v", f)
	}
	cm, _ := transforms["ConfigMap"](configMapApplied(t))
	cm, _ = transforms["ConfigMap"](cm)
	if f, _ := benchmarks.Facts(&cm.(*corev1.ConfigMap).ObjectMeta); len(f.CredentialKeys) != 1 || !strings.HasPrefix(f.CredentialKeys[0], "password (") {
		t.Errorf("the credential key must survive a second run: %+v", f)
	}
}

// TestFactsWrittenByAUserAreNotTrusted gives a Secret a facts annotation of its own: the
// transform derives the facts from the content anyway and drops the values.
func TestFactsWrittenByAUserAreNotTrusted(t *testing.T) {
	sec := tlsSecretApplied(t)
	sec.Annotations[benchmarks.FactsAnnotation] = `{"certificates":[]}`
	sec.Annotations[benchmarks.SealAnnotation] = "00"
	out, _ := secretFacts(sec)
	got := out.(*corev1.Secret)
	if f, _ := benchmarks.Facts(&got.ObjectMeta); len(f.Certificates) != 1 {
		t.Errorf("forged facts were trusted: %+v", f)
	}
	if len(got.Data[corev1.TLSCertKey]) != 0 {
		t.Error("values are kept when a forged facts annotation is present")
	}
}
