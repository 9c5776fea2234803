package controllers

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type runtimeObject = runtime.Object

// listFor returns an empty list object for kind, from the client-go scheme.
func listFor(kind client.Object) (client.ObjectList, error) {
	gvks, _, err := scheme.Scheme.ObjectKinds(kind)
	if err != nil || len(gvks) == 0 {
		return nil, fmt.Errorf("unknown kind %T: %w", kind, err)
	}
	gvk := gvks[0]
	gvk.Kind = strings.TrimSuffix(gvk.Kind, "List") + "List"
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil, err
	}
	list, ok := obj.(client.ObjectList)
	if !ok {
		return nil, fmt.Errorf("%s is not a list", gvk)
	}
	return list, nil
}
