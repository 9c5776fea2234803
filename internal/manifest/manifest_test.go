package manifest

import (
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestReadDecodesTypedAndUnknownKinds(t *testing.T) {
	data := []byte(`# comment only
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: daily, namespace: velero}
spec: {schedule: "0 1 * * *"}
---
`)
	objs, err := Read("cluster.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2", len(objs))
	}
	if _, ok := objs[0].Object.(*appsv1.Deployment); !ok || objs[0].GVK.Kind != "Deployment" || objs[0].Line != 3 {
		t.Errorf("first object: %T %v line %d", objs[0].Object, objs[0].GVK, objs[0].Line)
	}
	if u, ok := objs[1].Object.(*unstructured.Unstructured); !ok || u.GetKind() != "Schedule" || objs[1].Line != 7 {
		t.Errorf("second object: %T line %d", objs[1].Object, objs[1].Line)
	}
}

func TestReadNamesFileAndLineOfBadInput(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"broken YAML", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n", "bad.yaml:9:"},
		{"not an object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nhello: world\n", "bad.yaml:5: not a Kubernetes object"},
		{"wrong field type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: many}\n", "bad.yaml:1: apps/v1 Deployment"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("bad.yaml", []byte(tc.data))
			var merr *Error
			if !errors.As(err, &merr) {
				t.Fatalf("want a *manifest.Error, got %v", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %q does not start with %q", err, tc.want)
			}
		})
	}
}
