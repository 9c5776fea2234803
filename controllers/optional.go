package controllers

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// +kubebuilder:rbac:groups=crd.projectcalico.org,resources=felixconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:groups=security.istio.io,resources=peerauthentications,verbs=get;list;watch
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways,verbs=get;list;watch
// +kubebuilder:rbac:groups=kyverno.io,resources=clusterpolicies;policies,verbs=get;list;watch

// optionalKinds are third-party kinds some checks read when their CRDs exist. They are read as
// unstructured objects; their absence makes the dependent checks NotApplicable or Manual.
var optionalKinds = []schema.GroupKind{
	{Group: "crd.projectcalico.org", Kind: "FelixConfiguration"},
	{Group: "security.istio.io", Kind: "PeerAuthentication"},
	{Group: "gateway.networking.k8s.io", Kind: "Gateway"},
	{Group: "kyverno.io", Kind: "ClusterPolicy"},
	{Group: "kyverno.io", Kind: "Policy"},
}

// optionalRecheck is how long a kind found missing is not looked up again.
const optionalRecheck = time.Minute

// optionalKindsWatcher finds which optional kinds the cluster serves and starts an informer for
// each one that appears, sending a change event when its objects change.
type optionalKindsWatcher struct {
	mapper meta.RESTMapper
	events chan event.GenericEvent

	mu       sync.Mutex
	started  map[schema.GroupKind]schema.GroupVersionKind
	missing  map[schema.GroupKind]time.Time
	handlers map[schema.GroupKind]bool
}

func newOptionalKindsWatcher(mapper meta.RESTMapper) *optionalKindsWatcher {
	return &optionalKindsWatcher{
		mapper:   mapper,
		events:   make(chan event.GenericEvent, 16),
		started:  map[schema.GroupKind]schema.GroupVersionKind{},
		missing:  map[schema.GroupKind]time.Time{},
		handlers: map[schema.GroupKind]bool{},
	}
}

// served returns the version to read each optional kind at, for the kinds the cluster serves.
func (w *optionalKindsWatcher) served(now time.Time) map[schema.GroupKind]schema.GroupVersionKind {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, gk := range optionalKinds {
		if _, ok := w.started[gk]; ok {
			continue
		}
		if t, ok := w.missing[gk]; ok && now.Sub(t) < optionalRecheck {
			continue
		}
		m, err := w.mapper.RESTMapping(gk)
		if err != nil {
			w.missing[gk] = now
			continue
		}
		delete(w.missing, gk)
		w.started[gk] = m.GroupVersionKind
	}
	out := make(map[schema.GroupKind]schema.GroupVersionKind, len(w.started))
	for gk, gvk := range w.started {
		out[gk] = gvk
	}
	return out
}

// notify registers, once per kind, a handler that turns changes into an audit trigger.
func (w *optionalKindsWatcher) notify(ctx context.Context, gk schema.GroupKind, inf any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handlers[gk] {
		return
	}
	reg, ok := inf.(interface {
		AddEventHandler(toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error)
	})
	if !ok {
		return
	}
	trigger := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		select {
		case w.events <- event.GenericEvent{Object: u}:
		default: // an audit is already pending
		}
	}
	if _, err := reg.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    trigger,
		UpdateFunc: func(_, n any) { trigger(n) },
		DeleteFunc: trigger,
	}); err != nil {
		logf.FromContext(ctx).Error(err, "Watching optional kind", "kind", gk.String())
		return
	}
	w.handlers[gk] = true
}
