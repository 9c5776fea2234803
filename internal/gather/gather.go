// Package gather reads a cluster into a check snapshot: the audited kinds from an informer
// cache, the optional third-party kinds the cluster serves, Secrets by type (values dropped
// before anything is stored), the server version and kubelet configurations, each only where
// the operator may read it. The operator and `kubeposture audit` share it.
package gather

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes/scheme"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// AuditedKinds returns a new object of every built-in kind the gatherer reads; the controller
// watches each of them, and installers use the list to check the operator's permissions.
// Secrets are not among them: SecretInformers watch them, split by type.
func AuditedKinds(readSecrets bool) []client.Object {
	kinds := []client.Object{
		&corev1.Namespace{}, &corev1.Node{}, &corev1.Pod{}, &corev1.Service{}, &corev1.ServiceAccount{}, &corev1.ConfigMap{},
		&corev1.LimitRange{}, &corev1.ResourceQuota{},
		&appsv1.Deployment{}, &appsv1.StatefulSet{}, &appsv1.DaemonSet{}, &appsv1.ReplicaSet{},
		&batchv1.Job{}, &batchv1.CronJob{}, &policyv1.PodDisruptionBudget{},
		&networkingv1.NetworkPolicy{}, &networkingv1.Ingress{}, &discoveryv1.EndpointSlice{},
		&rbacv1.Role{}, &rbacv1.ClusterRole{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRoleBinding{},
		&nodev1.RuntimeClass{}, &storagev1.StorageClass{}, &corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{},
		&certificatesv1.CertificateSigningRequest{},
		&admissionregistrationv1.ValidatingAdmissionPolicy{}, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{},
		&admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.MutatingWebhookConfiguration{},
	}
	_ = readSecrets // Secrets are watched by SecretInformers, split by type
	return kinds
}

// +kubebuilder:rbac:groups="",resources=namespaces;nodes;pods;services;serviceaccounts;configmaps;limitranges;resourcequotas;persistentvolumes;persistentvolumeclaims,verbs=list;watch
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets;replicasets,verbs=list;watch
// +kubebuilder:rbac:groups=batch,resources=jobs;cronjobs,verbs=list;watch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=list;watch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies;ingresses,verbs=list;watch
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;clusterroles;rolebindings;clusterrolebindings,verbs=list;watch
// +kubebuilder:rbac:groups=node.k8s.io,resources=runtimeclasses,verbs=list;watch
// +kubebuilder:rbac:groups=storage.k8s.io,resources=storageclasses,verbs=list;watch
// +kubebuilder:rbac:groups=certificates.k8s.io,resources=certificatesigningrequests,verbs=list;watch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingadmissionpolicies;validatingadmissionpolicybindings;validatingwebhookconfigurations;mutatingwebhookconfigurations,verbs=list;watch

// Gatherer builds snapshots from the manager's informer cache. It reads the cache's stores
// directly: the checks are read-only, so no object is copied, and no request reaches the API
// server except an occasional version query.
type Gatherer struct {
	Cache     cache.Cache
	Discovery discovery.DiscoveryInterface
	// Mapper finds which optional kinds the cluster serves; nil disables optional kinds.
	Mapper meta.RESTMapper
	// ReadSecrets gathers Secrets (metadata, type and keys; never values). It needs the
	// operator's optional secrets-reader role; without it Secret-based checks are Skipped.
	ReadSecrets bool
	// Secrets watch Secrets by type when ReadSecrets is set.
	Secrets *SecretInformers
	// Access says what the operator may read; nil assumes everything.
	Access *AccessChecker
	// Kubelet reads kubelet configurations for profiles that allow it; nil disables it.
	Kubelet *KubeletConfigReader

	optionalOnce sync.Once
	optional     *optionalKindsWatcher

	mu        sync.Mutex
	version   string
	versionAt time.Time
}

// secretSyncTimeout bounds the wait for the Secret informers' first list.
const secretSyncTimeout = 30 * time.Second

// versionTTL is how long the API server version is reused before it is asked again.
const versionTTL = 10 * time.Minute

// storeGetter is implemented by the informers the controller-runtime cache hands out.
type storeGetter interface {
	GetStore() toolscache.Store
}

// Snapshot gathers every audited kind at time now. A kind the operator may not list and watch
// is not read: it is named in the snapshot's Unread, with the permission and the role that
// grants it, and the checks are Skipped rather than judged on missing objects.
func (g *Gatherer) Snapshot(ctx context.Context, now time.Time) (*benchmarks.Snapshot, error) {
	s := &benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: g.ReadSecrets}
	for _, kind := range AuditedKinds(g.ReadSecrets) {
		if msg := g.MissingAccess(ctx, kind, now); msg != "" {
			s.SetUnread(KindName(kind), msg)
			continue
		}
		if err := g.gatherKind(ctx, kind, s); err != nil {
			return nil, err
		}
	}
	if g.ReadSecrets && g.Secrets != nil {
		if msg := g.Access.Missing(ctx, schema.GroupResource{Resource: "secrets"}, "", roleSecretsReader, now, "list", "watch"); msg != "" {
			s.SecretsRead = false
			s.SecretsUnread = msg
		} else {
			if !g.Secrets.HasSynced() {
				wctx, cancel := context.WithTimeout(ctx, secretSyncTimeout)
				synced := g.Secrets.WaitForSync(wctx)
				cancel()
				if !synced {
					return nil, fmt.Errorf("the Secrets were not listed within %s", secretSyncTimeout)
				}
			}
			for _, sec := range g.Secrets.List() {
				s.Add(sec)
			}
		}
	}
	if err := g.gatherOptional(ctx, s, now); err != nil {
		return nil, err
	}
	s.ServerVersion = g.serverVersion(now)
	return s, nil
}

// KubeletConfigs reads the kubelet configuration of the snapshot's nodes into it, or records
// in s.KubeletUnread why it cannot.
func (g *Gatherer) KubeletConfigs(ctx context.Context, s *benchmarks.Snapshot, now time.Time) {
	if g.Kubelet == nil {
		return
	}
	if msg := g.Access.Missing(ctx, schema.GroupResource{Resource: "nodes"}, "proxy", roleNodeProxy, now, "get"); msg != "" {
		s.KubeletUnread = msg
		return
	}
	s.KubeletConfigs = g.Kubelet.Read(ctx, s.Nodes, now)
}

// Ready reports an error until every audited kind the operator may read, and the Secrets when
// they are read, have been listed into the cache.
func (g *Gatherer) Ready(ctx context.Context) error {
	now := time.Now()
	for _, kind := range AuditedKinds(g.ReadSecrets) {
		if g.MissingAccess(ctx, kind, now) != "" {
			continue
		}
		inf, err := g.Cache.GetInformer(ctx, kind, cache.BlockUntilSynced(false))
		if err != nil {
			return err
		}
		if !inf.HasSynced() {
			return fmt.Errorf("%s are not yet listed", KindName(kind))
		}
	}
	if g.ReadSecrets && g.Secrets != nil && !g.Secrets.HasSynced() &&
		g.Access.Missing(ctx, schema.GroupResource{Resource: "secrets"}, "", roleSecretsReader, now, "list", "watch") == "" {
		return errors.New("Secrets are not yet listed")
	}
	return nil
}

// MissingAccess says which permission to read kind the operator lacks, or "".
func (g *Gatherer) MissingAccess(ctx context.Context, kind client.Object, now time.Time) string {
	if g.Access == nil || g.Mapper == nil {
		return ""
	}
	gvk, err := apiutil.GVKForObject(kind, scheme.Scheme)
	if err != nil {
		return ""
	}
	m, err := g.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return ""
	}
	return g.Access.Missing(ctx, m.Resource.GroupResource(), "", roleAudit, now, "list", "watch")
}

// KindName is a kind's Go type name, such as "StorageClass".
func KindName(kind client.Object) string {
	t := reflect.TypeOf(kind)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// OptionalEvents returns the channel that gets an event for every change of an optional kind
// the cluster serves, or nil without a mapper.
func (g *Gatherer) OptionalEvents() <-chan event.GenericEvent {
	if w := g.optionalWatcher(); w != nil {
		return w.events
	}
	return nil
}

// optionalWatcher returns the watcher of optional kinds, or nil without a mapper.
func (g *Gatherer) optionalWatcher() *optionalKindsWatcher {
	g.optionalOnce.Do(func() {
		if g.Mapper != nil {
			g.optional = newOptionalKindsWatcher(g.Mapper, g.Discovery)
		}
	})
	return g.optional
}

// gatherOptional reads the optional kinds the cluster serves into s.Extra. A kind's key is
// present, possibly empty, exactly when the kind is served.
func (g *Gatherer) gatherOptional(ctx context.Context, s *benchmarks.Snapshot, now time.Time) error {
	w := g.optionalWatcher()
	if w == nil {
		return nil
	}
	for gk, gvk := range w.served(now) {
		if m, err := g.Mapper.RESTMapping(gk, gvk.Version); err == nil {
			if msg := g.Access.Missing(ctx, m.Resource.GroupResource(), "", roleAudit, now, "list", "watch"); msg != "" {
				s.SetUnread(gk.String(), msg)
				continue
			}
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		inf, err := g.Cache.GetInformer(ctx, u)
		if err != nil {
			return fmt.Errorf("reading %s from the cache: %w", gk, err)
		}
		w.notify(ctx, gk, inf)
		if s.Extra == nil {
			s.Extra = map[string][]*unstructured.Unstructured{}
		}
		items := []*unstructured.Unstructured{}
		if sg, ok := inf.(storeGetter); ok {
			for _, obj := range sg.GetStore().List() {
				if o, ok := obj.(*unstructured.Unstructured); ok {
					items = append(items, o)
				}
			}
		}
		s.Extra[gk.String()] = items
	}
	return nil
}

func (g *Gatherer) gatherKind(ctx context.Context, kind client.Object, s *benchmarks.Snapshot) error {
	inf, err := g.Cache.GetInformer(ctx, kind)
	if err != nil {
		return fmt.Errorf("reading %T from the cache: %w", kind, err)
	}
	sg, ok := inf.(storeGetter)
	if !ok {
		return fmt.Errorf("the cache's informer for %T exposes no store", kind)
	}
	for _, obj := range sg.GetStore().List() {
		s.Add(obj)
	}
	return nil
}

func (g *Gatherer) serverVersion(now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Discovery == nil || (g.version != "" && now.Sub(g.versionAt) < versionTTL) {
		return g.version
	}
	if v, err := g.Discovery.ServerVersion(); err == nil {
		g.version, g.versionAt = v.GitVersion, now
	}
	return g.version
}

// CacheOptions returns the manager cache settings the gatherer relies on: what no check reads is
// stripped from every cached object, ConfigMaps keep facts instead of values, and pods share
// the parts they have in common with their controller's other pods (see podTransform).
//
// A per-kind transform replaces the default one rather than running after it, so each
// transform is complete for its kind: it derives the facts (which read managedFields) and then
// strips. The informers may run a transform again on an object they already hold (a relist
// after a watch list, a resync); every transform is idempotent, so that changes nothing.
func CacheOptions() cache.Options {
	return cache.Options{
		NewInformer:      newReconnectingInformer,
		DefaultTransform: stripUnread,
		ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Transform: configMapFacts},
			&corev1.Pod{}:       {Transform: podTransform},
			&corev1.Secret{}:    {Transform: secretFacts},
		},
	}
}

// stripUnread is the default cache transform: managedFields and kubectl's last-applied
// configuration are a large share of an object's memory and no check reads them.
func stripUnread(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		benchmarks.StripUnread(o)
	}
	return obj, nil
}

// configMapsRead are the ConfigMaps whose content checks parse (kube-system/NAME); every other
// ConfigMap keeps its keys but not its values, which may hold credentials and take memory.
var configMapsRead = map[string]bool{
	"cilium-config": true, "kube-proxy": true, "calico-config": true, "kubeadm-config": true,
}

// secretFacts is the transform of Secrets read with their values: it records the facts the
// checks need (last write of data, certificate metadata, token expiration), then drops every
// value, managedFields and the last-applied configuration. Keys stay, with empty values.
//
// The informer can hand an object it already stored to the transform again; such an object has
// no managedFields (the API server always sends them, the transform drops them) and keeps the
// facts derived from its values the first time.
func secretFacts(obj any) (any, error) {
	if sec, ok := obj.(*corev1.Secret); ok && sec.ManagedFields != nil {
		benchmarks.DeriveSecretFacts(sec)
	} else {
		return stripUnread(obj)
	}
	return obj, nil
}

// configMapFacts is the ConfigMap cache transform: facts (credential-like keys, private-key
// blocks, certificates) are recorded, then managedFields and the last-applied configuration are
// dropped, and values too except in the few ConfigMaps whose content checks parse.
func configMapFacts(obj any) (any, error) {
	if cm, ok := obj.(*corev1.ConfigMap); ok && cm.ManagedFields != nil { // see secretFacts
		benchmarks.DeriveConfigMapFacts(cm, cm.Namespace == metav1.NamespaceSystem && configMapsRead[cm.Name])
	} else {
		return stripUnread(obj)
	}
	return obj, nil
}
