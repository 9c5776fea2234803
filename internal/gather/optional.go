package gather

import (
	"context"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// +kubebuilder:rbac:groups=crd.projectcalico.org,resources=felixconfigurations;networkpolicies;globalnetworkpolicies,verbs=list;watch
// +kubebuilder:rbac:groups=projectcalico.org,resources=networkpolicies;globalnetworkpolicies,verbs=list;watch
// +kubebuilder:rbac:groups=cilium.io,resources=ciliumnetworkpolicies;ciliumclusterwidenetworkpolicies,verbs=list;watch
// +kubebuilder:rbac:groups=security.istio.io,resources=peerauthentications,verbs=list;watch
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=gateways;httproutes;grpcroutes;tlsroutes;tcproutes;udproutes,verbs=list;watch
// +kubebuilder:rbac:groups=kyverno.io,resources=clusterpolicies;policies,verbs=list;watch
// +kubebuilder:rbac:groups=policies.kyverno.io,resources=validatingpolicies,verbs=list;watch
// +kubebuilder:rbac:groups=argoproj.io,resources=rollouts,verbs=list;watch
// +kubebuilder:rbac:groups=constraints.gatekeeper.sh,resources=*,verbs=list;watch
// +kubebuilder:rbac:groups=apiregistration.k8s.io,resources=apiservices,verbs=list;watch
// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=prometheusrules,verbs=list;watch
// +kubebuilder:rbac:groups=operator.victoriametrics.com,resources=vmrules,verbs=list;watch
// +kubebuilder:rbac:groups=monitoring.googleapis.com,resources=rules;clusterrules;globalrules,verbs=list;watch
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=list;watch
// +kubebuilder:rbac:groups=external-secrets.io,resources=externalsecrets;secretstores;clustersecretstores,verbs=list;watch
// +kubebuilder:rbac:groups=secrets-store.csi.x-k8s.io,resources=secretproviderclasses,verbs=list;watch
// +kubebuilder:rbac:groups=bitnami.com,resources=sealedsecrets,verbs=list;watch
// +kubebuilder:rbac:groups=aquasecurity.github.io,resources=ciskubebenchreports;clusterinfraassessmentreports;infraassessmentreports;nodevulnerabilityreports;vulnerabilityreports;exposedsecretreports;sbomreports,verbs=list;watch
// +kubebuilder:rbac:groups=karpenter.sh,resources=nodepools;nodeclaims,verbs=list;watch
// +kubebuilder:rbac:groups=cluster.x-k8s.io,resources=machinedeployments;machinepools,verbs=list;watch
// +kubebuilder:rbac:groups=autoscaling.openshift.io,resources=machineautoscalers,verbs=list;watch
// +kubebuilder:rbac:groups=velero.io,resources=schedules;backups;restores;backupstoragelocations,verbs=list;watch
// +kubebuilder:rbac:groups=policy.sigstore.dev,resources=clusterimagepolicies,verbs=list;watch

// optionalKinds are third-party kinds some checks read when their CRDs exist. They are read as
// unstructured objects; their absence makes the dependent checks NotApplicable, Manual, or (for
// backups, which the standard requires from L1) Fail.
var optionalKinds = []schema.GroupKind{
	{Group: "crd.projectcalico.org", Kind: "FelixConfiguration"},
	{Group: "crd.projectcalico.org", Kind: "NetworkPolicy"},
	{Group: "crd.projectcalico.org", Kind: "GlobalNetworkPolicy"},
	{Group: "projectcalico.org", Kind: "NetworkPolicy"},
	{Group: "projectcalico.org", Kind: "GlobalNetworkPolicy"},
	{Group: "cilium.io", Kind: "CiliumNetworkPolicy"},
	{Group: "cilium.io", Kind: "CiliumClusterwideNetworkPolicy"},
	{Group: "security.istio.io", Kind: "PeerAuthentication"},
	{Group: "gateway.networking.k8s.io", Kind: "Gateway"},
	{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute"},
	{Group: "gateway.networking.k8s.io", Kind: "GRPCRoute"},
	{Group: "gateway.networking.k8s.io", Kind: "TLSRoute"},
	{Group: "gateway.networking.k8s.io", Kind: "TCPRoute"},
	{Group: "gateway.networking.k8s.io", Kind: "UDPRoute"},
	{Group: "kyverno.io", Kind: "ClusterPolicy"},
	{Group: "kyverno.io", Kind: "Policy"},
	{Group: "policies.kyverno.io", Kind: "ValidatingPolicy"},
	{Group: "argoproj.io", Kind: "Rollout"},
	{Group: "apiregistration.k8s.io", Kind: "APIService"},
	{Group: "monitoring.coreos.com", Kind: "PrometheusRule"},
	{Group: "operator.victoriametrics.com", Kind: "VMRule"},
	{Group: "monitoring.googleapis.com", Kind: "Rules"},
	{Group: "monitoring.googleapis.com", Kind: "ClusterRules"},
	{Group: "monitoring.googleapis.com", Kind: "GlobalRules"},
	{Group: "cert-manager.io", Kind: "Certificate"},
	{Group: "external-secrets.io", Kind: "ExternalSecret"},
	{Group: "external-secrets.io", Kind: "SecretStore"},
	{Group: "external-secrets.io", Kind: "ClusterSecretStore"},
	{Group: "secrets-store.csi.x-k8s.io", Kind: "SecretProviderClass"},
	{Group: "bitnami.com", Kind: "SealedSecret"},
	{Group: "aquasecurity.github.io", Kind: "CISKubeBenchReport"},
	{Group: "aquasecurity.github.io", Kind: "ClusterInfraAssessmentReport"},
	{Group: "aquasecurity.github.io", Kind: "InfraAssessmentReport"},
	{Group: "aquasecurity.github.io", Kind: "NodeVulnerabilityReport"},
	{Group: "aquasecurity.github.io", Kind: "VulnerabilityReport"},
	{Group: "aquasecurity.github.io", Kind: "ExposedSecretReport"},
	{Group: "aquasecurity.github.io", Kind: "SbomReport"},
	{Group: "karpenter.sh", Kind: "NodePool"},
	{Group: "karpenter.sh", Kind: "NodeClaim"},
	{Group: "cluster.x-k8s.io", Kind: "MachineDeployment"},
	{Group: "cluster.x-k8s.io", Kind: "MachinePool"},
	{Group: "autoscaling.openshift.io", Kind: "MachineAutoscaler"},
	{Group: "velero.io", Kind: "Schedule"},
	{Group: "velero.io", Kind: "Backup"},
	{Group: "velero.io", Kind: "Restore"},
	{Group: "velero.io", Kind: "BackupStorageLocation"},
	{Group: "policy.sigstore.dev", Kind: "ClusterImagePolicy"},
}

// optionalGroups are API groups whose every kind is read: Gatekeeper creates one kind per
// constraint template.
var optionalGroups = []string{"constraints.gatekeeper.sh"}

// optionalRecheck is how long a kind found missing is not looked up again.
const optionalRecheck = time.Minute

// optionalKindsWatcher finds which optional kinds the cluster serves and starts an informer for
// each one that appears, sending a change event when its objects change.
type optionalKindsWatcher struct {
	mapper    meta.RESTMapper
	discovery discovery.DiscoveryInterface
	events    chan event.GenericEvent

	mu       sync.Mutex
	started  map[schema.GroupKind]schema.GroupVersionKind
	missing  map[schema.GroupKind]time.Time
	handlers map[schema.GroupKind]bool
}

func newOptionalKindsWatcher(mapper meta.RESTMapper, dc discovery.DiscoveryInterface) *optionalKindsWatcher {
	return &optionalKindsWatcher{
		mapper:    mapper,
		discovery: dc,
		events:    make(chan event.GenericEvent, 16),
		started:   map[schema.GroupKind]schema.GroupVersionKind{},
		missing:   map[schema.GroupKind]time.Time{},
		handlers:  map[schema.GroupKind]bool{},
	}
}

// served returns the version to read each optional kind at, for the kinds the cluster serves.
func (w *optionalKindsWatcher) served(now time.Time) map[schema.GroupKind]schema.GroupVersionKind {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, gk := range append(append([]schema.GroupKind(nil), optionalKinds...), w.groupKinds(now)...) {
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

// groupKinds lists the kinds of the optional groups the cluster serves, looked up at most once
// per optionalRecheck.
func (w *optionalKindsWatcher) groupKinds(now time.Time) []schema.GroupKind {
	if w.discovery == nil {
		return nil
	}
	var out []schema.GroupKind
	for _, group := range optionalGroups {
		marker := schema.GroupKind{Group: group}
		if t, ok := w.missing[marker]; ok && now.Sub(t) < optionalRecheck {
			continue
		}
		w.missing[marker] = now
		groups, err := w.discovery.ServerGroups()
		if err != nil {
			continue
		}
		for _, g := range groups.Groups {
			if g.Name != group {
				continue
			}
			list, err := w.discovery.ServerResourcesForGroupVersion(g.PreferredVersion.GroupVersion)
			if err != nil {
				continue
			}
			for _, r := range list.APIResources {
				if !strings.Contains(r.Name, "/") {
					out = append(out, schema.GroupKind{Group: group, Kind: r.Kind})
				}
			}
		}
	}
	return out
}
