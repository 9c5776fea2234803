package parity_test

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
)

// snapshotKinds returns an empty object of every kind a snapshot holds: the typed kinds of its
// fields, and the optional kinds the cluster serves (its CRDs and APIService), unstructured.
func snapshotKinds(crds []*apiextensionsv1.CustomResourceDefinition) []client.Object {
	var out []client.Object
	objType := reflect.TypeFor[client.Object]()
	st := reflect.TypeFor[benchmarks.Snapshot]()
	for i := range st.NumField() {
		ft := st.Field(i).Type
		if ft.Kind() != reflect.Slice || ft.Elem().Kind() != reflect.Pointer || !ft.Elem().Implements(objType) {
			continue
		}
		// Secrets are watched by type beside the cache, not through it.
		if ft.Elem() == reflect.TypeFor[*unstructured.Unstructured]() || ft.Elem() == reflect.TypeFor[*corev1.Secret]() {
			continue
		}
		out = append(out, reflect.New(ft.Elem().Elem()).Interface().(client.Object))
	}
	gvks := []schema.GroupVersionKind{{Group: "apiregistration.k8s.io", Version: "v1", Kind: "APIService"}}
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				gvks = append(gvks, schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind})
			}
		}
	}
	for _, gvk := range gvks {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		out = append(out, u)
	}
	return out
}

// warm starts the informer of every kind at once and waits until all have synced: the gatherer
// asks for them one by one, and each wait polls every 100ms.
func warm(ctx context.Context, c cache.Cache, kinds []client.Object) error {
	informers := make([]cache.Informer, len(kinds))
	g, gctx := errgroup.WithContext(ctx)
	for i, k := range kinds {
		g.Go(func() error {
			inf, err := c.GetInformer(gctx, k, cache.BlockUntilSynced(false))
			if err != nil {
				return fmt.Errorf("starting the informer of %T %s: %w", k, k.GetObjectKind().GroupVersionKind(), err)
			}
			informers[i] = inf
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 2*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		for _, inf := range informers {
			if !inf.HasSynced() {
				return false, nil
			}
		}
		return true, nil
	})
}

// startedSnapshot is what an operator starting now would see: a new cluster source (the cache,
// configured as the operator's, and the gatherer `kubeposture audit` uses) lists every kind, so
// the objects reach it through the initial list rather than through watch events. The cluster
// serves the optional kinds of served only.
func startedSnapshot(ctx context.Context, cfg *rest.Config, kinds []client.Object, served map[string]bool) (*benchmarks.Snapshot, error) {
	src, err := gather.NewClusterSource(cfg, gather.SourceOptions{
		Scheme: live.scheme, ReadSecrets: true, Mapper: newServedMapper(live.mapper, live.scheme, served),
	})
	if err != nil {
		return nil, err
	}
	// The running gatherer has already asked what the test may read: the answers are reused.
	src.Gatherer.Access = gatherer.Access
	src.Gatherer.Secrets.Access = gatherer.Access
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := src.Start(ctx, waitTimeout); err != nil {
		return nil, err
	}
	var started []client.Object
	for _, k := range kinds {
		if _, ok := k.(*unstructured.Unstructured); !ok || served[k.GetObjectKind().GroupVersionKind().GroupKind().String()] {
			started = append(started, k)
		}
	}
	if err := warm(ctx, src.Cache, started); err != nil {
		return nil, err
	}
	return src.Gatherer.Snapshot(ctx, time.Now())
}

// servedMapper maps the built-in kinds, and of the optional kinds only those a fixture's cluster
// serves: the gatherer finds the optional kinds through its mapper.
type servedMapper struct {
	meta.RESTMapper
	builtin map[schema.GroupKind]bool
	served  map[string]bool
}

func newServedMapper(m meta.RESTMapper, scheme *runtime.Scheme, served map[string]bool) servedMapper {
	builtin := map[schema.GroupKind]bool{}
	for gvk := range scheme.AllKnownTypes() {
		builtin[gvk.GroupKind()] = true
	}
	return servedMapper{RESTMapper: m, builtin: builtin, served: served}
}

func (m servedMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	if !m.builtin[gk] && !m.served[gk.String()] {
		return nil, &meta.NoKindMatchError{GroupKind: gk, SearchedVersions: versions}
	}
	return m.RESTMapper.RESTMapping(gk, versions...)
}
