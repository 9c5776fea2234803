package check

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Source says where a snapshot's objects came from.
type Source string

const (
	// SourceCluster is a live cluster: cluster-wide facts (nodes, CNI, control plane) are present.
	SourceCluster Source = "Cluster"
	// SourceManifests is a set of manifest files: only what the files hold is known, so checks of
	// cluster-wide facts are NotApplicable.
	SourceManifests Source = "Manifests"
)

// Snapshot is the cluster's state the checks read, gathered once per audit; what an evaluation
// asks of it (time, level, parameters, scope) is in the Env passed beside it. Checks must treat
// every object as read-only: in the operator they are the informer cache's own objects.
type Snapshot struct {
	// Source says whether this is a live cluster or a set of manifests.
	Source Source
	// ServerVersion is the API server's gitVersion, such as "v1.37.2"; empty when unknown.
	ServerVersion string
	// SecretsRead is true when Secrets were gathered (metadata, type and keys, never values).
	// Checks that need Secrets return Skipped when it is false on a live cluster.
	SecretsRead bool
	// SecretsUnread, when set, says which permission to read Secrets the gatherer lacks.
	SecretsUnread string
	// KubeletUnread, when set, says which permission to read kubelet configuration is missing.
	KubeletUnread string
	// Unread names the kinds (by kind, or GroupKind for optional kinds) the gatherer may not
	// read, each with the missing permission and the role that grants it. While any kind is
	// unread every check is Skipped: judged on missing objects, a check could pass wrongly.
	Unread map[string]string

	Namespaces                 []*corev1.Namespace
	Nodes                      []*corev1.Node
	Pods                       []*corev1.Pod
	Services                   []*corev1.Service
	ServiceAccounts            []*corev1.ServiceAccount
	ConfigMaps                 []*corev1.ConfigMap
	Secrets                    []*corev1.Secret
	LimitRanges                []*corev1.LimitRange
	ResourceQuotas             []*corev1.ResourceQuota
	Deployments                []*appsv1.Deployment
	StatefulSets               []*appsv1.StatefulSet
	DaemonSets                 []*appsv1.DaemonSet
	ReplicaSets                []*appsv1.ReplicaSet
	ReplicationControllers     []*corev1.ReplicationController
	Jobs                       []*batchv1.Job
	CronJobs                   []*batchv1.CronJob
	PodDisruptionBudgets       []*policyv1.PodDisruptionBudget
	NetworkPolicies            []*networkingv1.NetworkPolicy
	Ingresses                  []*networkingv1.Ingress
	EndpointSlices             []*discoveryv1.EndpointSlice
	Roles                      []*rbacv1.Role
	ClusterRoles               []*rbacv1.ClusterRole
	RoleBindings               []*rbacv1.RoleBinding
	ClusterRoleBindings        []*rbacv1.ClusterRoleBinding
	RuntimeClasses             []*nodev1.RuntimeClass
	StorageClasses             []*storagev1.StorageClass
	PersistentVolumes          []*corev1.PersistentVolume
	PersistentVolumeClaims     []*corev1.PersistentVolumeClaim
	CertificateSigningRequests []*certificatesv1.CertificateSigningRequest

	ValidatingAdmissionPolicies       []*admissionregistrationv1.ValidatingAdmissionPolicy
	ValidatingAdmissionPolicyBindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	ValidatingWebhookConfigurations   []*admissionregistrationv1.ValidatingWebhookConfiguration
	MutatingWebhookConfigurations     []*admissionregistrationv1.MutatingWebhookConfiguration

	// KubeletConfigs maps node names to their kubelet configuration, read through the API
	// server's node proxy. Nil when the profile does not allow reading it (Params.ReadKubeletConfig
	// is false): checks that need it are then Skipped. A node missing from a non-nil map was not
	// reachable in time and is reported as an Error by the checks.
	KubeletConfigs map[string]KubeletConfigResult

	// Extra holds objects of optional kinds (Velero, cert-manager, scanner reports…), keyed by
	// GroupKind such as "Schedule.velero.io". A key is present, possibly with no objects, only
	// when the kind is served by the cluster.
	Extra map[string][]*unstructured.Unstructured

	// ReadHook, when set, is called with every optional kind a check asks the snapshot for; the
	// catalog's tests use it to prove that each check declares the kinds it reads (Check.Reads).
	ReadHook func(groupKind string) `json:"-"`

	derived *derived
}

// derived holds values computed from the snapshot on first use and shared by every check.
// Each value has its own Once: computing the workloads reads the namespaces.
type derived struct {
	nsOnce    sync.Once
	nsByName  map[string]*corev1.Namespace
	wlOnce    sync.Once
	workloads []Workload
	// memo holds the values of Derived by key, each a *memoEntry.
	memo sync.Map
}

// memoEntry is one value of Derived, computed once.
type memoEntry struct {
	once  sync.Once
	value any
}

// Derived returns the value compute returns for s, computed on first use and shared by every
// check (and every level's view) evaluating s, as the workloads are: for an index or a list
// that several checks build from the same objects. key identifies the value; give each value a
// key of its own unexported type. compute may read only the snapshot's objects, never an Env:
// evaluations with different levels, parameters and scopes share the snapshot and the value,
// which is read-only.
func Derived[T any](s *Snapshot, key any, compute func(*Snapshot) T) T {
	d := s.derive()
	e, ok := d.memo.Load(key)
	if !ok {
		e, _ = d.memo.LoadOrStore(key, &memoEntry{})
	}
	entry := e.(*memoEntry)
	entry.once.Do(func() { entry.value = compute(s) })
	return entry.value.(T)
}

// SetUnread records that kind could not be read and why.
func (s *Snapshot) SetUnread(kind, why string) {
	if s.Unread == nil {
		s.Unread = map[string]string{}
	}
	s.Unread[kind] = why
}

// UnreadMessage describes the unread kinds, or returns "" when every kind was read.
func (s *Snapshot) UnreadMessage() string {
	if len(s.Unread) == 0 {
		return ""
	}
	kinds := make([]string, 0, len(s.Unread))
	for k := range s.Unread {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s: %s", k, s.Unread[k]))
	}
	return "the cluster could not be read completely, so no check is judged: " + strings.Join(parts, "; ")
}

// kubeletOff is the Skipped message of a check that needs kubelet configurations, which are
// absent: the missing permission when that is why, else off.
func (s *Snapshot) KubeletOff(off string) string {
	if s.KubeletUnread != "" {
		return "kubelet configuration cannot be read: " + s.KubeletUnread
	}
	return off
}

// HasExtra reports whether the optional kind (a GroupKind such as "Schedule.velero.io") is
// served by the cluster.
func (s *Snapshot) HasExtra(groupKind string) bool {
	s.noteRead(groupKind)
	_, ok := s.Extra[groupKind]
	return ok
}

// ExtraObjects returns the objects of the optional kind (a GroupKind such as
// "Schedule.velero.io"); nil when the cluster does not serve it or holds none.
func (s *Snapshot) ExtraObjects(groupKind string) []*unstructured.Unstructured {
	s.noteRead(groupKind)
	return s.Extra[groupKind]
}

// ExtraKinds returns the optional kinds the cluster serves, sorted.
func (s *Snapshot) ExtraKinds() []string { return slices.Sorted(maps.Keys(s.Extra)) }

func (s *Snapshot) noteRead(groupKind string) {
	if s.ReadHook != nil {
		s.ReadHook(groupKind)
	}
}

// deriveMu guards the creation of a snapshot's derived values: goroutines that share a
// snapshot (parallel checks, remediation workers) may ask for them first at the same time.
var deriveMu sync.Mutex

func (s *Snapshot) derive() *derived {
	deriveMu.Lock()
	defer deriveMu.Unlock()
	if s.derived == nil {
		s.derived = &derived{}
	}
	return s.derived
}

func (s *Snapshot) namespaces() map[string]*corev1.Namespace {
	d := s.derive()
	d.nsOnce.Do(func() {
		d.nsByName = make(map[string]*corev1.Namespace, len(s.Namespaces))
		for _, ns := range s.Namespaces {
			d.nsByName[ns.Name] = ns
		}
	})
	return d.nsByName
}

// podsByNamespaceKey names the index of PodsIn.
type podsByNamespaceKey struct{}

// PodsIn returns the snapshot's pods in namespace ns, in snapshot order, from an index built once
// per snapshot; the list is read-only.
func (s *Snapshot) PodsIn(ns string) []*corev1.Pod {
	return Derived(s, podsByNamespaceKey{}, func(s *Snapshot) map[string][]*corev1.Pod {
		out := map[string][]*corev1.Pod{}
		for _, p := range s.Pods {
			out[p.Namespace] = append(out[p.Namespace], p)
		}
		return out
	})[ns]
}

// Prepare computes the shared derived values once. Env.Prepare calls it; call one of them before
// sharing a snapshot between goroutines.
func (s *Snapshot) Prepare() {
	s.namespaces()
	s.AllWorkloads()
}

// Namespace returns the namespace object by name, or nil when it is not in the snapshot.
func (s *Snapshot) Namespace(name string) *corev1.Namespace { return s.namespaces()[name] }

// Add puts one object into the snapshot by its type and reports whether the type is one the
// checks read. Unstructured objects go to Extra under their GroupKind.
func (s *Snapshot) Add(obj any) bool {
	switch o := obj.(type) {
	case *corev1.Namespace:
		s.Namespaces = append(s.Namespaces, o)
	case *corev1.Node:
		s.Nodes = append(s.Nodes, o)
	case *corev1.Pod:
		s.Pods = append(s.Pods, o)
	case *corev1.Service:
		s.Services = append(s.Services, o)
	case *corev1.ServiceAccount:
		s.ServiceAccounts = append(s.ServiceAccounts, o)
	case *corev1.ConfigMap:
		facts.DeriveConfigMapFacts(o, true) // unchanged when sealed; from a manifest the content is kept

		s.ConfigMaps = append(s.ConfigMaps, o)
	case *corev1.Secret:
		facts.DeriveSecretFacts(o) // unchanged when sealed; from a manifest values are dropped here

		s.SecretsRead = true
		s.Secrets = append(s.Secrets, o)
	case *corev1.LimitRange:
		s.LimitRanges = append(s.LimitRanges, o)
	case *corev1.ResourceQuota:
		s.ResourceQuotas = append(s.ResourceQuotas, o)
	case *appsv1.Deployment:
		s.Deployments = append(s.Deployments, o)
	case *appsv1.StatefulSet:
		s.StatefulSets = append(s.StatefulSets, o)
	case *appsv1.DaemonSet:
		s.DaemonSets = append(s.DaemonSets, o)
	case *appsv1.ReplicaSet:
		s.ReplicaSets = append(s.ReplicaSets, o)
	case *corev1.ReplicationController:
		s.ReplicationControllers = append(s.ReplicationControllers, o)
	case *batchv1.Job:
		s.Jobs = append(s.Jobs, o)
	case *batchv1.CronJob:
		s.CronJobs = append(s.CronJobs, o)
	case *policyv1.PodDisruptionBudget:
		s.PodDisruptionBudgets = append(s.PodDisruptionBudgets, o)
	case *networkingv1.NetworkPolicy:
		s.NetworkPolicies = append(s.NetworkPolicies, o)
	case *networkingv1.Ingress:
		s.Ingresses = append(s.Ingresses, o)
	case *discoveryv1.EndpointSlice:
		s.EndpointSlices = append(s.EndpointSlices, o)
	case *rbacv1.Role:
		s.Roles = append(s.Roles, o)
	case *rbacv1.ClusterRole:
		s.ClusterRoles = append(s.ClusterRoles, o)
	case *rbacv1.RoleBinding:
		s.RoleBindings = append(s.RoleBindings, o)
	case *rbacv1.ClusterRoleBinding:
		s.ClusterRoleBindings = append(s.ClusterRoleBindings, o)
	case *nodev1.RuntimeClass:
		s.RuntimeClasses = append(s.RuntimeClasses, o)
	case *storagev1.StorageClass:
		s.StorageClasses = append(s.StorageClasses, o)
	case *corev1.PersistentVolume:
		s.PersistentVolumes = append(s.PersistentVolumes, o)
	case *corev1.PersistentVolumeClaim:
		s.PersistentVolumeClaims = append(s.PersistentVolumeClaims, o)
	case *certificatesv1.CertificateSigningRequest:
		s.CertificateSigningRequests = append(s.CertificateSigningRequests, o)
	case *admissionregistrationv1.ValidatingAdmissionPolicy:
		s.ValidatingAdmissionPolicies = append(s.ValidatingAdmissionPolicies, o)
	case *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
		s.ValidatingAdmissionPolicyBindings = append(s.ValidatingAdmissionPolicyBindings, o)
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		s.ValidatingWebhookConfigurations = append(s.ValidatingWebhookConfigurations, o)
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		s.MutatingWebhookConfigurations = append(s.MutatingWebhookConfigurations, o)
	case *unstructured.Unstructured:
		if s.Extra == nil {
			s.Extra = map[string][]*unstructured.Unstructured{}
		}
		gk := o.GroupVersionKind().GroupKind().String()
		s.Extra[gk] = append(s.Extra[gk], o)
	default:
		return false
	}
	return true
}
