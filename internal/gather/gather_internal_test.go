package gather

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestConfigMapTransformKeepsKeysButNotValues(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "app-config", Namespace: "shop", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Data:       map[string]string{"DB_PASSWORD": "hunter2", "mode": "prod"},
		BinaryData: map[string][]byte{"blob": []byte{1, 2, 3}},
	}
	out, err := configMapFacts(cm)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.ConfigMap)
	if got.ManagedFields != nil {
		t.Error("managedFields must be stripped")
	}
	if v, ok := got.Data["DB_PASSWORD"]; !ok || v != "" {
		t.Errorf("keys stay, values go: %q", got.Data)
	}
	if len(got.BinaryData["blob"]) != 0 {
		t.Error("binary values must be dropped")
	}

	proxy := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"},
		Data:       map[string]string{"config.conf": "nodePortAddresses: []"},
	}
	out, _ = configMapFacts(proxy)
	if out.(*corev1.ConfigMap).Data["config.conf"] == "" {
		t.Error("kube-system/kube-proxy is parsed by a check and keeps its content")
	}
}
