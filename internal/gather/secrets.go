package gather

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// SecretTypesReadWithValues are the Secret types whose content a check parses. Only these are
// listed and watched with their values (split from the others by a field selector on type, so
// the API server never sends any other Secret's values); the cache transform records the facts
// the checks need and drops the values before the object is stored. docs/secrets.md says why
// each is needed.
var SecretTypesReadWithValues = []corev1.SecretType{
	corev1.SecretTypeTLS,            // SEC-007, SEC-008, NET-011: certificates, key match, key size
	corev1.SecretTypeBootstrapToken, // SEC-005: the token's expiration
}

// SecretTypesReadAsMetadata are Secret types watched as metadata only, each with its own field
// selector so that its type is known. Every other type is watched as metadata only too, in one
// watch whose Secrets' type is not known (empty).
var SecretTypesReadAsMetadata = []corev1.SecretType{
	corev1.SecretTypeOpaque, corev1.SecretTypeServiceAccountToken, corev1.SecretTypeDockercfg,
	corev1.SecretTypeDockerConfigJson, corev1.SecretTypeBasicAuth, corev1.SecretTypeSSHAuth,
	"helm.sh/release.v1",
}

// secretResyncPeriod matches the controller-runtime cache's default.
const secretResyncPeriod = 10 * time.Hour

// SecretInformers watch Secrets split by type: with values for SecretTypesReadWithValues,
// metadata only (PartialObjectMetadata) for every other type. Each stores *corev1.Secret
// objects: metadata, type, the keys (from managedFields for metadata-only Secrets) and sealed
// facts, never a value.
type SecretInformers struct {
	// Access, when set, holds the watches back until the operator may list and watch Secrets,
	// so a missing role is reported by the checks rather than retried in the log.
	Access *AccessChecker

	informers []toolscache.SharedIndexInformer
}

// NewSecretInformers returns the informers; Start runs them.
func NewSecretInformers(cfg *rest.Config, httpClient *http.Client) (*SecretInformers, error) {
	cs, err := kubernetes.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	mc, err := metadata.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("creating the metadata client: %w", err)
	}
	s := &SecretInformers{}
	var known []string
	for _, t := range SecretTypesReadWithValues {
		sel := "type=" + string(t)
		known = append(known, "type!="+string(t))
		inf := toolscache.NewSharedIndexInformer(Reconnecting(&toolscache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				o.FieldSelector = sel
				return cs.CoreV1().Secrets(metav1.NamespaceAll).List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				o.FieldSelector = sel
				return cs.CoreV1().Secrets(metav1.NamespaceAll).Watch(ctx, o)
			},
		}), &corev1.Secret{}, secretResyncPeriod, toolscache.Indexers{})
		if err := inf.SetTransform(secretFacts); err != nil {
			return nil, err
		}
		s.informers = append(s.informers, inf)
	}
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	metadataInformer := func(sel string, t corev1.SecretType) error {
		inf := toolscache.NewSharedIndexInformer(Reconnecting(&toolscache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				o.FieldSelector = sel
				return mc.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				o.FieldSelector = sel
				return mc.Resource(gvr).Namespace(metav1.NamespaceAll).Watch(ctx, o)
			},
		}), &metav1.PartialObjectMetadata{}, secretResyncPeriod, toolscache.Indexers{})
		if err := inf.SetTransform(secretFromMetadata(t)); err != nil {
			return err
		}
		s.informers = append(s.informers, inf)
		return nil
	}
	for _, t := range SecretTypesReadAsMetadata {
		known = append(known, "type!="+string(t))
		if err := metadataInformer("type="+string(t), t); err != nil {
			return nil, err
		}
	}
	if err := metadataInformer(strings.Join(known, ","), ""); err != nil {
		return nil, err
	}
	return s, nil
}

// Start runs the informers until ctx ends. It makes SecretInformers a manager Runnable.
func (s *SecretInformers) Start(ctx context.Context) error {
	for s.Access.Missing(ctx, schema.GroupResource{Resource: "secrets"}, "", roleSecretsReader, time.Now(), "list", "watch") != "" {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(accessTTL):
		}
	}
	for _, inf := range s.informers {
		go inf.RunWithContext(ctx)
	}
	<-ctx.Done()
	return nil
}

// HasSynced reports whether every informer has listed its Secrets.
func (s *SecretInformers) HasSynced() bool {
	for _, inf := range s.informers {
		if !inf.HasSynced() {
			return false
		}
	}
	return true
}

// WaitForSync waits until every informer has listed its Secrets or ctx ends.
func (s *SecretInformers) WaitForSync(ctx context.Context) bool {
	fns := make([]toolscache.InformerSynced, 0, len(s.informers))
	for _, inf := range s.informers {
		fns = append(fns, inf.HasSynced)
	}
	return toolscache.WaitForCacheSync(ctx.Done(), fns...)
}

// List returns every stored Secret. The objects are the informers' own: read-only.
func (s *SecretInformers) List() []*corev1.Secret {
	var out []*corev1.Secret
	for _, inf := range s.informers {
		for _, o := range inf.GetStore().List() {
			if sec, ok := o.(*corev1.Secret); ok {
				out = append(out, sec)
			}
		}
	}
	return out
}

// Sources returns one controller source per informer.
func (s *SecretInformers) Sources(h handler.EventHandler, p ...predicate.Predicate) []source.Source {
	out := make([]source.Source, 0, len(s.informers))
	for _, inf := range s.informers {
		out = append(out, &source.Informer{Informer: inf, Handler: h, Predicates: p})
	}
	return out
}

// secretFromMetadata is the transform of a metadata-only Secret watch of type t ("" when the
// watch mixes types): it turns the PartialObjectMetadata into a Secret with that type, the keys
// named in managedFields (empty values) and sealed facts, then strips managedFields and the
// last-applied configuration. A Secret it already made is returned unchanged.
func secretFromMetadata(t corev1.SecretType) toolscache.TransformFunc {
	return func(obj any) (any, error) {
		m, ok := obj.(*metav1.PartialObjectMetadata)
		if !ok {
			return obj, nil // already transformed, or a tombstone
		}
		sec := &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: m.ObjectMeta,
			Type:       t,
		}
		keys := managedKeys(m.ManagedFields, "f:data", "f:stringData")
		sec.Data = make(map[string][]byte, len(keys))
		for _, k := range keys {
			sec.Data[k] = nil
		}
		benchmarks.DeriveSecretMetadataFacts(sec)
		return sec, nil
	}
}

// managedKeys lists the keys of the map fields (such as "f:data") that any field manager owns.
func managedKeys(entries []metav1.ManagedFieldsEntry, fields ...string) []string {
	seen := map[string]bool{}
	for _, e := range entries {
		if e.FieldsV1 == nil {
			continue
		}
		var set map[string]map[string]any
		if err := json.Unmarshal(e.FieldsV1.Raw, &set); err != nil {
			continue
		}
		for _, f := range fields {
			for k := range set[f] {
				if name, ok := strings.CutPrefix(k, "f:"); ok {
					seen[name] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
