package unstruct

import (
	"encoding/json"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Decode reads an optional-kind object into a typed view of the fields a check needs.
func Decode(u *unstructured.Unstructured, into any) error {
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// Ref names the object a finding about an unstructured object is about.
func Ref(u *unstructured.Unstructured) check.ObjectRef {
	return check.ObjectRef{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}

// Map returns v as a JSON object, or nil when it is not one.
func Map(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
