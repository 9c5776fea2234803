package options

import (
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// overlayDomains overlays the per-domain parameter groups of the spec on out. A field that is
// absent keeps out's value; a list that is set replaces it, so [] empties it.
func overlayDomains(p *securityv1alpha1.Parameters, out *check.Params) {
	// workloads
	{
		p := &p.Workloads
		out.Workload.ExemptInitContainersFromNonRoot = p.ExemptInitContainersFromNonRoot
		setList(&out.Workload.ForbiddenSELinuxTypes, p.ForbiddenSELinuxTypes)
		setList(&out.Workload.SensitiveHostPaths, p.SensitiveHostPaths)
		setList(&out.Workload.RuntimeSocketNames, p.RuntimeSocketNames)
		setList(&out.Workload.RuntimeSocketPaths, p.RuntimeSocketPaths)
		setString(&out.Workload.RuntimeSocketRoleLabel, p.RuntimeSocketRoleLabel)
		setList(&out.Workload.RuntimeSocketRoles, p.RuntimeSocketRoles)
		out.Workload.RuntimeSocketNoException = p.RuntimeSocketNoException
		setList(&out.Lifecycle.RemoteLoginPorts, p.RemoteLoginPorts)
		setList(&out.Lifecycle.RemoteLoginDaemons, p.RemoteLoginDaemons)
		setList(&out.Lifecycle.SpreadTopologyKeys, p.SpreadTopologyKeys)
		setString(&out.Lifecycle.RecreateStrategyAnnotation, p.RecreateStrategyAnnotation)
		setString(&out.Lifecycle.PlaceholderLabelValue, p.PlaceholderLabelValue)
		setList(&out.Lifecycle.SandboxRuntimeHandlers, p.SandboxRuntimeHandlers)
		setString(&out.Lifecycle.IsolationLabel, p.IsolationLabel)
		setString(&out.Lifecycle.IsolationLabelValue, p.IsolationLabelValue)
		setList(&out.Lifecycle.StatefulImages, p.StatefulImages)
	}
	// rbac
	{
		p := &p.RBAC
		if p.SensitivePermissions != nil {
			out.RBAC.SensitivePermissions = convertSensitivePermissions(p.SensitivePermissions)
		}
		setList(&out.RBAC.PublicGrantRoles, p.PublicGrantRoles)
	}
	// network
	{
		p := &p.Network
		setList(&out.Network.CNINamespaces, p.CNINamespaces)
		setList(&out.Network.PolicyCNIs, p.PolicyCNIs)
		setList(&out.Network.NonPolicyCNIs, p.NonPolicyCNIs)
		setList(&out.Network.SensitiveClassifications, p.SensitiveClassifications)
		setString(&out.Network.MeshRootNamespace, p.MeshRootNamespace)
		setList(&out.Network.InternalHostSuffixes, p.InternalHostSuffixes)
		setList(&out.Network.FlowMonitors, p.FlowMonitors)
	}
	// nodes
	{
		p := &p.Nodes
		setInt(&out.Nodes.MaxRequestedPercent, p.MaxRequestedPercent)
		setInt(&out.Nodes.MaxKubeletMinorSkew, p.MaxKubeletMinorSkew)
		setList(&out.Nodes.PoolLabels, p.PoolLabels)
		if p.OSMinimums != nil {
			out.Nodes.OSMinimums = convertOSMinimums(p.OSMinimums)
		}
		setList(&out.Nodes.ContainerOSImages, p.ContainerOSImages)
		setList(&out.Nodes.BenchmarkExceptions, p.BenchmarkExceptions)
		setDuration(&out.Nodes.BenchmarkMaxAge, p.BenchmarkMaxAge)
		setDuration(&out.Nodes.NodeScanMaxAge, p.NodeScanMaxAge)
		setDuration(&out.Nodes.CSRPendingMax, p.CSRPendingMax)
		setInt(&out.Nodes.MaxPodPidsLimit, p.MaxPodPidsLimit)
		out.Nodes.RequireImageMaximumGCAge = p.RequireImageMaximumGCAge
		setList(&out.Nodes.AutoscalerImages, p.AutoscalerImages)
		setList(&out.Nodes.AutoscalerKinds, p.AutoscalerKinds)
	}
	// controlPlane
	{
		p := &p.ControlPlane
		out.ControlPlane.StrictQuorum = p.StrictQuorum
		setInt(&out.ControlPlane.MinZones, p.MinZones)
		setList(&out.ControlPlane.TaintKeys, p.TaintKeys)
		setList(&out.ControlPlane.DeschedulerNames, p.DeschedulerNames)
		setDuration(&out.ControlPlane.NotReadyNodeMaxAge, p.NotReadyNodeMaxAge)
		if p.CSRApprovals != nil {
			out.ControlPlane.CSRApprovals = convertCSRApprovals(p.CSRApprovals)
		}
		setInt(&out.ControlPlane.NewestMinor, p.NewestMinor)
		setString(&out.ControlPlane.MinimumVersion, p.MinimumVersion)
	}
	// secrets
	{
		p := &p.Secrets
		setList(&out.Secrets.CredentialEnvAllowlist, p.CredentialEnvAllowlist)
		setDuration(&out.Secrets.EncryptionKeyMaxAge, p.EncryptionKeyMaxAge)
		setDuration(&out.Secrets.CARotationPeriod, p.CARotationPeriod)
		if p.MeshRootCAs != nil {
			out.Secrets.MeshRootCAs = convertCABundleRefs(p.MeshRootCAs)
		}
		setInt(&out.Secrets.MinRSAKeyBits, p.MinRSAKeyBits)
		setInt(&out.Secrets.MinECKeyBits, p.MinECKeyBits)
		setList(&out.Secrets.RotationAnnotations, p.RotationAnnotations)
		setList(&out.Secrets.RotationIgnoredTypes, p.RotationIgnoredTypes)
		setList(&out.Secrets.SecretInjectorWebhooks, p.SecretInjectorWebhooks)
		setDuration(&out.Secrets.LegacyTokenMaxAge, p.LegacyTokenMaxAge)
	}
	// backups
	{
		p := &p.Backups
		setDuration(&out.Backups.StorageLocationValidationMaxAge, p.StorageLocationValidationMaxAge)
		setString(&out.Backups.EtcdBackupSelector, p.EtcdBackupSelector)
		setList(&out.Backups.EtcdBackupNamePatterns, p.EtcdBackupNamePatterns)
		setList(&out.Backups.ProvisionerAllowlist, p.ProvisionerAllowlist)
		setList(&out.Backups.ProvisionerDenylist, p.ProvisionerDenylist)
	}
	// images
	{
		p := &p.Images
		setList(&out.Images.PublicRegistries, p.PublicRegistries)
		setList(&out.Images.NodeCredentialRegistries, p.NodeCredentialRegistries)
		setDuration(&out.Images.ScanMaxAge, p.ScanMaxAge)
		setBool(&out.Images.FixableOnly, p.FixableOnly)
		setList(&out.Images.ScanGateWebhooks, p.ScanGateWebhooks)
		setList(&out.Images.RegistryImages, p.RegistryImages)
		setList(&out.Images.MinimalOSFamilies, p.MinimalOSFamilies)
		setDuration(&out.Images.ImageMaxAge, p.ImageMaxAge)
	}
	// logging
	{
		p := &p.Logging
		setList(&out.Logging.LogCollectors, p.LogCollectors)
		setList(&out.Logging.NodeExporters, p.NodeExporters)
		setList(&out.Logging.KubeStateMetrics, p.KubeStateMetrics)
		setList(&out.Logging.AlertRuleKinds, p.AlertRuleKinds)
		setList(&out.Logging.StorageAlertMetrics, p.StorageAlertMetrics)
		setList(&out.Logging.ContainerAlertMetrics, p.ContainerAlertMetrics)
		setInt(&out.Logging.MaxVerbosity, p.MaxVerbosity)
		setList(&out.Logging.RuntimeAgents, p.RuntimeAgents)
	}
}

func setDuration(dst *time.Duration, d *metav1.Duration) {
	if d != nil && d.Duration > 0 {
		*dst = d.Duration
	}
}

type integer interface{ ~int | ~int32 | ~int64 }

func setInt[T, U integer](dst *T, v *U) {
	if v != nil {
		*dst = T(*v)
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// setList replaces dst with a copy of v when v is set; an empty but set list empties dst.
func setList[T any](dst *[]T, v []T) {
	if v != nil {
		*dst = append(make([]T, 0, len(v)), v...)
	}
}

func convertSensitivePermissions(in []securityv1alpha1.SensitivePermission) []check.SensitivePermission {
	out := make([]check.SensitivePermission, 0, len(in))
	for _, p := range in {
		out = append(out, check.SensitivePermission{
			Name: p.Name, APIGroups: slices.Clone(p.APIGroups), Resources: slices.Clone(p.Resources), Verbs: slices.Clone(p.Verbs),
			ClusterWide: p.ClusterWide, Namespace: p.Namespace, UnnamedOnly: p.UnnamedOnly,
		})
	}
	return out
}

func convertOSMinimums(in []securityv1alpha1.OSMinimum) []check.OSMinimum {
	out := make([]check.OSMinimum, 0, len(in))
	for _, m := range in {
		out = append(out, check.OSMinimum{OSImage: m.OSImage, MinOSVersion: m.MinOSVersion, MinKernelVersion: m.MinKernelVersion})
	}
	return out
}

func convertCSRApprovals(in []securityv1alpha1.CSRApproval) []check.CSRApproval {
	out := make([]check.CSRApproval, 0, len(in))
	for _, a := range in {
		out = append(out, check.CSRApproval{Signer: a.Signer, Requesters: slices.Clone(a.Requesters)})
	}
	return out
}

func convertCABundleRefs(in []securityv1alpha1.CABundleRef) []check.CABundleRef {
	out := make([]check.CABundleRef, 0, len(in))
	for _, r := range in {
		out = append(out, check.CABundleRef{Name: r.Name, Key: r.Key, Namespace: r.Namespace})
	}
	return out
}
