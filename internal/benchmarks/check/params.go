package check

import "time"

// Params are the thresholds and lists the checks use. DefaultParams gives the standard's values
// where it has one and documented proposals elsewhere.
type Params struct {
	SecretMaxAge             time.Duration
	CertificateExpiryWarning time.Duration
	CertificateMaxAge        time.Duration
	CAExpiryWarning          time.Duration
	BackupMaxAge             time.Duration
	RestoreTestMaxAge        time.Duration
	BootstrapTokenMaxTTL     time.Duration
	TerminatedPodMaxAge      time.Duration
	DebugContainerMaxAge     time.Duration

	// TrustedRegistries are the registry hosts images may come from.
	TrustedRegistries []string
	// PrivilegedSubjects may hold cluster-admin and sensitive permissions: "User:name",
	// "Group:name" or "ServiceAccount:namespace/name".
	PrivilegedSubjects []string

	// Label keys read by the labelling checks.
	ClassificationLabel string
	OwnerLabel          string
	ExposureLabel       string
	AppLabel            string

	// ReadKubeletConfig allows reading kubelet configuration through the node proxy.
	ReadKubeletConfig bool

	// SystemNamespaces are left out of workload, network and labelling checks.
	SystemNamespaces []string

	// Domain-specific parameters, each defined beside its checks.
	Workload     WorkloadParams
	Lifecycle    LifecycleParams
	RBAC         RBACParams
	Network      NetworkParams
	Nodes        NodeParams
	ControlPlane ControlPlaneParams
	Secrets      SecretParams
	Backups      BackupParams
	Images       ImageParams
	Logging      LoggingParams
}

// Label keys and values the checks recognise on namespaces and workloads.
const (
	// LabelSharedNamespace marks a namespace whose policies may admit every namespace (NET-005).
	LabelSharedNamespace = "kubeposture.io/shared"
	// LabelQuarantine marks a pod to be isolated by the quarantine NetworkPolicy (WKL-030).
	LabelQuarantine = "kubeposture.io/quarantine"
	// AnnotationExposureApproved approves a published port or external Service (NET-007).
	AnnotationExposureApproved = "kubeposture.io/exposure-approved"
	// LabelCritical marks a namespace whose workloads must survive a node loss (WKL-021).
	LabelCritical = "kubeposture.io/critical"
)

// DefaultParams returns the defaults of every parameter.
func DefaultParams() Params {
	const day = 24 * time.Hour
	return Params{
		SecretMaxAge:             90 * day,
		CertificateExpiryWarning: 30 * day,
		CertificateMaxAge:        365 * day,
		CAExpiryWarning:          90 * day,
		BackupMaxAge:             7 * day, // S11.1: at least weekly
		RestoreTestMaxAge:        90 * day,
		BootstrapTokenMaxTTL:     24 * time.Hour,
		TerminatedPodMaxAge:      7 * day,
		DebugContainerMaxAge:     24 * time.Hour,
		ClassificationLabel:      "kubeposture.io/data-classification",
		OwnerLabel:               "kubeposture.io/owner",
		ExposureLabel:            "kubeposture.io/exposure",
		AppLabel:                 "app.kubernetes.io/name",
		SystemNamespaces:         []string{"kube-system", "kube-public", "kube-node-lease"},
		Workload:                 defaultWorkloadParams(),
		Lifecycle:                defaultLifecycleParams(),
		RBAC:                     defaultRBACParams(),
		Network:                  defaultNetworkParams(),
		Nodes:                    defaultNodeParams(),
		ControlPlane:             defaultControlPlaneParams(),
		Secrets:                  defaultSecretParams(),
		Backups:                  defaultBackupParams(),
		Images:                   defaultImageParams(),
		Logging:                  defaultLoggingParams(),
	}
}
