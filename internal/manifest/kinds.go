package manifest

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// clusterScoped are the built-in and well-known third-party kinds that have no namespace. Every
// other kind is namespaced, as most custom resources are.
var clusterScoped = map[schema.GroupKind]bool{
	{Kind: "Namespace"}:        true,
	{Kind: "Node"}:             true,
	{Kind: "PersistentVolume"}: true,
	{Kind: "ComponentStatus"}:  true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:                         true,
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}:                  true,
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                                   true,
	{Group: "storage.k8s.io", Kind: "CSIDriver"}:                                      true,
	{Group: "storage.k8s.io", Kind: "CSINode"}:                                        true,
	{Group: "storage.k8s.io", Kind: "VolumeAttachment"}:                               true,
	{Group: "storage.k8s.io", Kind: "VolumeAttributesClass"}:                          true,
	{Group: "node.k8s.io", Kind: "RuntimeClass"}:                                      true,
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:                               true,
	{Group: "networking.k8s.io", Kind: "IngressClass"}:                                true,
	{Group: "networking.k8s.io", Kind: "IPAddress"}:                                   true,
	{Group: "networking.k8s.io", Kind: "ServiceCIDR"}:                                 true,
	{Group: "certificates.k8s.io", Kind: "CertificateSigningRequest"}:                 true,
	{Group: "certificates.k8s.io", Kind: "ClusterTrustBundle"}:                        true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}:   true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}:     true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicy"}:        true,
	{Group: "admissionregistration.k8s.io", Kind: "ValidatingAdmissionPolicyBinding"}: true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicy"}:          true,
	{Group: "admissionregistration.k8s.io", Kind: "MutatingAdmissionPolicyBinding"}:   true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}:                 true,
	{Group: "apiregistration.k8s.io", Kind: "APIService"}:                             true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "FlowSchema"}:                       true,
	{Group: "flowcontrol.apiserver.k8s.io", Kind: "PriorityLevelConfiguration"}:       true,
	{Group: "policy", Kind: "PodSecurityPolicy"}:                                      true,
	{Group: "extensions", Kind: "PodSecurityPolicy"}:                                  true,
	{Group: "resource.k8s.io", Kind: "DeviceClass"}:                                   true,
	{Group: "resource.k8s.io", Kind: "ResourceSlice"}:                                 true,
	{Group: "crd.projectcalico.org", Kind: "FelixConfiguration"}:                      true,
	{Group: "crd.projectcalico.org", Kind: "GlobalNetworkPolicy"}:                     true,
	{Group: "aquasecurity.github.io", Kind: "CISKubeBenchReport"}:                     true,
	{Group: "aquasecurity.github.io", Kind: "NodeVulnerabilityReport"}:                true,
	{Group: "karpenter.sh", Kind: "NodePool"}:                                         true,
	{Group: "karpenter.sh", Kind: "NodeClaim"}:                                        true,
	{Group: "monitoring.googleapis.com", Kind: "GlobalRules"}:                         true,
	{Group: "gateway.networking.k8s.io", Kind: "GatewayClass"}:                        true,
	{Group: "kyverno.io", Kind: "ClusterPolicy"}:                                      true,
	{Group: "policies.kyverno.io", Kind: "ValidatingPolicy"}:                          true,
	{Group: "config.gatekeeper.sh", Kind: "Config"}:                                   true,
	{Group: "templates.gatekeeper.sh", Kind: "ConstraintTemplate"}:                    true,
	{Group: "policy.sigstore.dev", Kind: "ClusterImagePolicy"}:                        true,
	{Group: "external-secrets.io", Kind: "ClusterSecretStore"}:                        true,
	{Group: "external-secrets.io", Kind: "ClusterExternalSecret"}:                     true,
	{Group: "cert-manager.io", Kind: "ClusterIssuer"}:                                 true,
	{Group: "monitoring.googleapis.com", Kind: "ClusterRules"}:                        true,
	{Group: "aquasecurity.github.io", Kind: "ClusterInfraAssessmentReport"}:           true,
	{Group: "aquasecurity.github.io", Kind: "ClusterComplianceReport"}:                true,
	{Group: "aquasecurity.github.io", Kind: "ClusterRbacAssessmentReport"}:            true,
	{Group: "aquasecurity.github.io", Kind: "ClusterConfigAuditReport"}:               true,
	{Group: "aquasecurity.github.io", Kind: "ClusterVulnerabilityReport"}:             true,
	{Group: "aquasecurity.github.io", Kind: "ClusterSbomReport"}:                      true,
	{Group: "snapshot.storage.k8s.io", Kind: "VolumeSnapshotClass"}:                   true,
	{Group: "snapshot.storage.k8s.io", Kind: "VolumeSnapshotContent"}:                 true,
	{Group: "security.openshift.io", Kind: "SecurityContextConstraints"}:              true,
	{Group: "authorization.k8s.io", Kind: "SelfSubjectAccessReview"}:                  true,
	{Group: "authorization.k8s.io", Kind: "SubjectAccessReview"}:                      true,
	{Group: "authentication.k8s.io", Kind: "TokenReview"}:                             true,
	{Group: "internal.apiserver.k8s.io", Kind: "StorageVersion"}:                      true,
	{Group: "storagemigration.k8s.io", Kind: "StorageVersionMigration"}:               true,
	{Group: "constraints.gatekeeper.sh"}:                                              true,
	{Group: "migration.k8s.io", Kind: "StorageVersionMigration"}:                      true,
	{Group: "apiserver.openshift.io", Kind: "APIRequestCount"}:                        true,
	{Group: "config.openshift.io", Kind: "ClusterVersion"}:                            true,
	{Group: "operator.openshift.io", Kind: "KubeAPIServer"}:                           true,
	{Group: "machineconfiguration.openshift.io", Kind: "MachineConfig"}:               true,
	{Group: "machineconfiguration.openshift.io", Kind: "MachineConfigPool"}:           true,
	{Group: "metal3.io", Kind: "Provisioning"}:                                        true,
	{Group: "operators.coreos.com", Kind: "Operator"}:                                 true,
	{Group: "autoscaling.openshift.io", Kind: "ClusterAutoscaler"}:                    true,
	{Group: "policy.networking.k8s.io", Kind: "AdminNetworkPolicy"}:                   true,
	{Group: "policy.networking.k8s.io", Kind: "BaselineAdminNetworkPolicy"}:           true,
	{Group: "cilium.io", Kind: "CiliumClusterwideNetworkPolicy"}:                      true,
	{Group: "wgpolicyk8s.io", Kind: "ClusterPolicyReport"}:                            true,
	{Group: "kyverno.io", Kind: "ClusterCleanupPolicy"}:                               true,
	{Group: "kyverno.io", Kind: "ClusterAdmissionReport"}:                             true,
	{Group: "kyverno.io", Kind: "ClusterBackgroundScanReport"}:                        true,
}

// ClusterScoped reports whether objects of the kind have no namespace: the built-in
// cluster-scoped kinds, well-known cluster-scoped custom resources, and every kind of a group
// whose kinds are all cluster-scoped (Gatekeeper constraints).
func ClusterScoped(gk schema.GroupKind) bool {
	if clusterScoped[gk] {
		return true
	}
	return clusterScoped[schema.GroupKind{Group: gk.Group}] && gk.Group != ""
}

// isResource tells Kubernetes objects from other YAML that has apiVersion and kind: a
// kustomization or kustomize component, a kubeconfig, or a tool's configuration in an API group
// that is neither built in nor a custom resource's (custom resources' groups are DNS names).
func isResource(apiVersion, kind string) bool {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return false
	}
	switch {
	case gv.Group == "kustomize.config.k8s.io" || gv.Group == "config.kubernetes.io":
		return false
	case gv.Group == "" && gv.Version == "v1" && kind == "Config":
		return false // a kubeconfig
	case strings.Contains(gv.Group, "."):
		return true
	}
	return scheme.Scheme.IsGroupRegistered(gv.Group)
}

// conversion moves a deprecated apiVersion of a kind the checks read to its current version.
type conversion struct {
	to schema.GroupVersion
	// fix rewrites the fields whose shape changed between the versions.
	fix func(map[string]any)
}

var (
	appsV1       = schema.GroupVersion{Group: "apps", Version: "v1"}
	batchV1      = schema.GroupVersion{Group: "batch", Version: "v1"}
	networkingV1 = schema.GroupVersion{Group: "networking.k8s.io", Version: "v1"}
	policyV1     = schema.GroupVersion{Group: "policy", Version: "v1"}
	rbacV1       = schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}
	admissionV1  = schema.GroupVersion{Group: "admissionregistration.k8s.io", Version: "v1"}
	storageV1    = schema.GroupVersion{Group: "storage.k8s.io", Version: "v1"}
	nodeV1       = schema.GroupVersion{Group: "node.k8s.io", Version: "v1"}
	discoveryV1  = schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}
	certsV1      = schema.GroupVersion{Group: "certificates.k8s.io", Version: "v1"}
)

// deprecated lists the removed apiVersions of kinds the checks read. Their fields are read as
// the current version's: the shapes the checks inspect (pod templates, rules, subjects) did not
// change, and Ingress backends are rewritten.
var deprecated = func() map[schema.GroupVersionKind]conversion {
	m := map[schema.GroupVersionKind]conversion{}
	add := func(from string, to schema.GroupVersion, fix func(map[string]any), kinds ...string) {
		gv, err := schema.ParseGroupVersion(from)
		if err != nil {
			panic(err)
		}
		for _, k := range kinds {
			m[gv.WithKind(k)] = conversion{to: to, fix: fix}
		}
	}
	add("extensions/v1beta1", appsV1, nil, "Deployment", "DaemonSet", "ReplicaSet")
	add("apps/v1beta1", appsV1, nil, "Deployment", "StatefulSet")
	add("apps/v1beta2", appsV1, nil, "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
	add("batch/v1beta1", batchV1, nil, "CronJob")
	add("batch/v2alpha1", batchV1, nil, "CronJob")
	add("extensions/v1beta1", networkingV1, nil, "NetworkPolicy")
	add("extensions/v1beta1", networkingV1, fixIngress, "Ingress")
	add("networking.k8s.io/v1beta1", networkingV1, fixIngress, "Ingress", "IngressClass")
	add("policy/v1beta1", policyV1, nil, "PodDisruptionBudget")
	for _, v := range []string{"v1beta1", "v1alpha1"} {
		add("rbac.authorization.k8s.io/"+v, rbacV1, nil, "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
		add("admissionregistration.k8s.io/"+v, admissionV1, nil, "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
	}
	add("admissionregistration.k8s.io/v1beta1", admissionV1, nil, "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
	add("storage.k8s.io/v1beta1", storageV1, nil, "StorageClass")
	add("node.k8s.io/v1beta1", nodeV1, nil, "RuntimeClass")
	add("discovery.k8s.io/v1beta1", discoveryV1, nil, "EndpointSlice")
	add("certificates.k8s.io/v1beta1", certsV1, nil, "CertificateSigningRequest")
	return m
}()

// fixIngress rewrites v1beta1 Ingress backends (serviceName, servicePort) to the v1 shape.
func fixIngress(m map[string]any) {
	spec, _ := m["spec"].(map[string]any)
	if spec == nil {
		return
	}
	if b, ok := spec["backend"].(map[string]any); ok {
		spec["defaultBackend"] = fixBackend(b)
		delete(spec, "backend")
	}
	rules, _ := spec["rules"].([]any)
	for _, r := range rules {
		rm, _ := r.(map[string]any)
		httpRule, _ := rm["http"].(map[string]any)
		paths, _ := httpRule["paths"].([]any)
		for _, p := range paths {
			pm, _ := p.(map[string]any)
			if pm == nil {
				continue
			}
			if b, ok := pm["backend"].(map[string]any); ok {
				pm["backend"] = fixBackend(b)
			}
			if _, ok := pm["pathType"]; !ok {
				pm["pathType"] = "ImplementationSpecific"
			}
		}
	}
}

func fixBackend(b map[string]any) map[string]any {
	name, ok := b["serviceName"]
	if !ok {
		return b
	}
	port := map[string]any{}
	switch p := b["servicePort"].(type) {
	case string:
		port["name"] = p
	case nil:
	default:
		port["number"] = p
	}
	out := map[string]any{"service": map[string]any{"name": name, "port": port}}
	if r, ok := b["resource"]; ok {
		out["resource"] = r
	}
	return out
}
