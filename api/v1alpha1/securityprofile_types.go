package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Level is a maturity level of the standard. Levels are cumulative: L2 includes every L1 check
// and L3 every L2 check.
// +kubebuilder:validation:Enum=L1;L2;L3
type Level string

// Levels of the standard.
const (
	// LevelL1 is basic security, required of every project.
	LevelL1 Level = "L1"
	// LevelL2 is standard security, for systems with sensitive data or logic.
	LevelL2 Level = "L2"
	// LevelL3 is advanced security, for the highest-value systems.
	LevelL3 Level = "L3"
)

// AchievedLevel is the highest level whose every applicable check passes, or None.
// +kubebuilder:validation:Enum=None;L1;L2;L3
type AchievedLevel string

// AchievedNone means not even L1 is achieved.
const AchievedNone AchievedLevel = "None"

// CheckID names one check of the catalog, such as WKL-001.
// +kubebuilder:validation:MaxLength=16
// +kubebuilder:validation:XValidation:rule="self.matches('^(NODE|RBAC|NET|SEC|BAK|WKL|IMG|LOG|CP)-[0-9]{3}$')",message="must be a check ID such as WKL-001: a domain prefix (NODE, RBAC, NET, SEC, BAK, WKL, IMG, LOG or CP), a dash and three digits"
type CheckID string

// CheckSelector names one check by ID (such as NET-002), an organisational item of the standard
// (such as S1.1), or a whole domain (such as Network, or Organisation for every such item).
// +kubebuilder:validation:MaxLength=16
// +kubebuilder:validation:XValidation:rule="self.matches('^((NODE|RBAC|NET|SEC|BAK|WKL|IMG|LOG|CP)-[0-9]{3}|S[0-9]{1,2}\\\\.[0-9]{1,2}|Nodes|RBAC|Network|Secrets|Backups|Workloads|Images|Logging|ControlPlane|Organisation)$')",message="must be a check ID such as NET-002, a standard item such as S1.1, or a domain: Nodes, RBAC, Network, Secrets, Backups, Workloads, Images, Logging, ControlPlane or Organisation"
type CheckSelector string

// RemediationMode says whether the operator changes the cluster.
// +kubebuilder:validation:Enum=Disabled;DryRun;Enabled
type RemediationMode string

// Remediation modes.
const (
	// RemediationDisabled audits only.
	RemediationDisabled RemediationMode = "Disabled"
	// RemediationDryRun computes and reports every change, validated by a server-side dry run, and changes nothing.
	RemediationDryRun RemediationMode = "DryRun"
	// RemediationEnabled applies the enabled actions with server-side apply.
	RemediationEnabled RemediationMode = "Enabled"
)

// RemediationAction is one kind of change the operator may make.
// +kubebuilder:validation:Enum=DefaultDenyNetworkPolicy;PodSecurityLabels;QuarantineNetworkPolicy;DisableDefaultServiceAccountAutomount;DeleteExpiredBootstrapTokens;DeleteTerminatedPods;LabelNamespaces
type RemediationAction string

// Remediation actions.
const (
	// ActionDefaultDenyNetworkPolicy creates a default-deny ingress NetworkPolicy (and egress with a DNS allowance where configured or at L3) in each in-scope namespace that lacks one.
	ActionDefaultDenyNetworkPolicy RemediationAction = "DefaultDenyNetworkPolicy"
	// ActionPodSecurityLabels sets Pod Security Admission warn and audit labels at the level's standard, and enforce when requested and safe.
	ActionPodSecurityLabels RemediationAction = "PodSecurityLabels"
	// ActionQuarantineNetworkPolicy creates a policy isolating pods labelled for quarantine.
	ActionQuarantineNetworkPolicy RemediationAction = "QuarantineNetworkPolicy"
	// ActionDisableDefaultServiceAccountAutomount sets automountServiceAccountToken=false on default ServiceAccounts.
	ActionDisableDefaultServiceAccountAutomount RemediationAction = "DisableDefaultServiceAccountAutomount"
	// ActionDeleteExpiredBootstrapTokens deletes bootstrap-token Secrets past their expiration.
	ActionDeleteExpiredBootstrapTokens RemediationAction = "DeleteExpiredBootstrapTokens"
	// ActionDeleteTerminatedPods deletes pods that finished longer ago than terminatedPodMaxAge.
	ActionDeleteTerminatedPods RemediationAction = "DeleteTerminatedPods"
	// ActionLabelNamespaces adds missing classification and owner labels with the placeholder value "unclassified".
	ActionLabelNamespaces RemediationAction = "LabelNamespaces"
)

// SecurityProfileSpec declares the target level, the scope of the audit and what may be remediated.
// +kubebuilder:validation:XValidation:rule="!has(self.checks) || !has(self.checks.include) || !has(self.checks.exclude) || self.checks.include.all(i, !(i in self.checks.exclude))",message="a check or domain cannot be both included and excluded"
type SecurityProfileSpec struct {
	// level is the maturity level the cluster is held to: L1 (basic), L2 (standard) or L3 (advanced).
	// A profile at L2 runs every L1 and L2 check.
	// +required
	Level Level `json:"level"`

	// namespaceSelector limits namespaced checks to the namespaces whose labels match.
	// Empty or absent means every namespace.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// excludedNamespaces are left out of namespaced checks, in addition to systemNamespaces.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	ExcludedNamespaces []string `json:"excludedNamespaces,omitempty"`

	// auditInterval is how often a full audit runs even when nothing changed, to catch
	// time-based drift such as secret age, backup freshness and certificate expiry.
	// +optional
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) >= duration('30s')",message="auditInterval must be a duration of at least 30s, such as 30s, 5m or 1h"
	AuditInterval *metav1.Duration `json:"auditInterval,omitempty"`

	// checks selects which checks run, by ID or domain.
	// +optional
	Checks *CheckSelection `json:"checks,omitempty"`

	// exemptions accept individual findings. Exempted findings stay visible with the result
	// Exempted; an expired exemption stops applying and is reported.
	// +optional
	// +listType=map
	// +listMapKey=checkID
	// +listMapKey=namespace
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=200
	Exemptions []Exemption `json:"exemptions,omitempty"`

	// attestations record organisational items and manual checks that a person vouches for.
	// +optional
	// +listType=map
	// +listMapKey=itemID
	// +kubebuilder:validation:MaxItems=200
	Attestations []Attestation `json:"attestations,omitempty"`

	// parameters are the thresholds and lists the checks use. Defaults come from the standard
	// where it gives a value.
	// +optional
	// +kubebuilder:default={}
	Parameters Parameters `json:"parameters,omitempty"`

	// remediation says whether and how the operator fixes what can safely be fixed.
	// +optional
	// +kubebuilder:default={}
	Remediation Remediation `json:"remediation,omitempty"`

	// prevention generates ValidatingAdmissionPolicies that stop new violations of the
	// workload checks at admission.
	// +optional
	// +kubebuilder:default={}
	Prevention Prevention `json:"prevention,omitempty"`
}

// CheckSelection includes or excludes checks by ID or domain.
type CheckSelection struct {
	// include, when set, runs only these checks and domains (still limited by level).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=200
	Include []CheckSelector `json:"include,omitempty"`

	// exclude never runs these checks and domains.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=200
	Exclude []CheckSelector `json:"exclude,omitempty"`
}

// Exemption accepts the findings of one check, optionally limited to a namespace and object names.
type Exemption struct {
	// checkID is the check whose findings are accepted, such as WKL-001.
	// +required
	CheckID CheckID `json:"checkID"`

	// namespace limits the exemption to objects in this namespace; "*" (the default) means
	// every namespace and cluster-scoped objects.
	// +optional
	// +kubebuilder:default="*"
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self == '*' || self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="namespace must be a namespace name (lower-case letters, digits and dashes) or * for every namespace"
	Namespace string `json:"namespace,omitempty"`

	// name limits the exemption to objects whose name matches this pattern, where * matches any
	// run of characters (for example "monitoring-*"); "*" (the default) means every object.
	// +optional
	// +kubebuilder:default="*"
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9*]([-a-z0-9.*:]*[a-z0-9*])?$')",message="name must be an object name, optionally with * wildcards, such as node-exporter or monitoring-*"
	Name string `json:"name,omitempty"`

	// reason says why the finding is accepted; it is shown next to every exempted finding.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="self.matches('[^ \\t\\n]')",message="reason must say why the exemption is accepted"
	Reason string `json:"reason"`

	// expires is when the exemption stops applying. Absent means it never expires.
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
}

// Attestation records that an organisational item or manual check is met, on a person's word.
type Attestation struct {
	// itemID is a standard item such as S1.1, or a check ID such as NODE-013.
	// +required
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="self.matches('^(S[0-9]{1,2}\\\\.[0-9]{1,2}|(NODE|RBAC|NET|SEC|BAK|WKL|IMG|LOG|CP)-[0-9]{3})$')",message="itemID must be a standard item such as S1.1 or a check ID such as NODE-013"
	ItemID string `json:"itemID"`

	// owner is the person or team vouching for the item.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Owner string `json:"owner"`

	// evidence is where the proof lives: a URL, a ticket or a document name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Evidence string `json:"evidence"`

	// expires is when the attestation must be renewed; after it the item counts as Manual again.
	// +required
	Expires metav1.Time `json:"expires"`
}

// Parameters are the thresholds and lists the checks use. The fields at this level predate the
// per-domain groups below and keep their place in v1alpha1; each domain's group names the fields
// here that belong to it.
type Parameters struct {
	// secretMaxAge is the longest a Secret may go without its data being rewritten (rotation).
	// +optional
	// +kubebuilder:default="2160h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="secretMaxAge must be a positive duration such as 2160h"
	SecretMaxAge *metav1.Duration `json:"secretMaxAge,omitempty"`

	// certificateExpiryWarning is how long before notAfter a certificate counts as expiring.
	// +optional
	// +kubebuilder:default="720h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="certificateExpiryWarning must be a positive duration such as 720h"
	CertificateExpiryWarning *metav1.Duration `json:"certificateExpiryWarning,omitempty"`

	// certificateMaxAge is the longest a leaf certificate may be used before it is reissued.
	// +optional
	// +kubebuilder:default="8760h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="certificateMaxAge must be a positive duration such as 8760h"
	CertificateMaxAge *metav1.Duration `json:"certificateMaxAge,omitempty"`

	// caExpiryWarning is how long before notAfter the cluster CA counts as expiring.
	// +optional
	// +kubebuilder:default="2160h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="caExpiryWarning must be a positive duration such as 2160h"
	CAExpiryWarning *metav1.Duration `json:"caExpiryWarning,omitempty"`

	// backupMaxAge is the oldest the last completed backup may be. The standard requires at
	// least weekly backups (S11.1), so the default is 7 days.
	// +optional
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="backupMaxAge must be a positive duration such as 168h"
	BackupMaxAge *metav1.Duration `json:"backupMaxAge,omitempty"`

	// restoreTestMaxAge is the oldest the last successful test restore may be.
	// +optional
	// +kubebuilder:default="2160h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="restoreTestMaxAge must be a positive duration such as 2160h"
	RestoreTestMaxAge *metav1.Duration `json:"restoreTestMaxAge,omitempty"`

	// bootstrapTokenMaxTTL is the longest lifetime a bootstrap (join) token may have.
	// +optional
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="bootstrapTokenMaxTTL must be a positive duration such as 24h"
	BootstrapTokenMaxTTL *metav1.Duration `json:"bootstrapTokenMaxTTL,omitempty"`

	// terminatedPodMaxAge is how long finished pods may stay before they count as clutter.
	// +optional
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="terminatedPodMaxAge must be a positive duration such as 168h"
	TerminatedPodMaxAge *metav1.Duration `json:"terminatedPodMaxAge,omitempty"`

	// debugContainerMaxAge is how long a pod may carry an ephemeral (debug) container.
	// +optional
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="debugContainerMaxAge must be a positive duration such as 24h"
	DebugContainerMaxAge *metav1.Duration `json:"debugContainerMaxAge,omitempty"`

	// systemNamespaces are platform namespaces left out of workload, network and labelling checks
	// (not of control-plane checks).
	// +optional
	// +listType=set
	// +kubebuilder:default={"kube-system","kube-public","kube-node-lease"}
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	SystemNamespaces []string `json:"systemNamespaces,omitempty"`

	// trustedRegistries are the registry hosts images may come from, such as registry.example.com.
	// Empty means the registry check cannot pass until it is configured.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:XValidation:rule="self.matches('[a-zA-Z0-9]')",message="each trusted registry must name a registry host, such as registry.example.com or *.example.com; an empty entry or * alone would trust every registry"
	TrustedRegistries []string `json:"trustedRegistries,omitempty"`

	// privilegedSubjects may hold cluster-admin and other sensitive permissions, written as
	// Kind:name or ServiceAccount:namespace/name, for example "Group:platform-admins".
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^(User|Group):[^ ]+$|^ServiceAccount:[a-z0-9-]+/[a-z0-9.-]+$')",message="each privileged subject must be User:name, Group:name or ServiceAccount:namespace/name"
	PrivilegedSubjects []string `json:"privilegedSubjects,omitempty"`

	// labels are the label keys the labelling and classification checks read.
	// +optional
	// +kubebuilder:default={}
	Labels LabelKeys `json:"labels,omitempty"`

	// hostPathAllowlist lists hostPath volumes accepted outside the sensitive paths (WKL-014).
	// +optional
	// +kubebuilder:validation:MaxItems=64
	HostPathAllowlist []HostPathAllowance `json:"hostPathAllowlist,omitempty"`

	// externalCIDRs are corporate or external networks that pod, service and node ranges must
	// not overlap (NET-009), such as 10.0.0.0/8.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=43
	// +kubebuilder:validation:items:XValidation:rule="isCIDR(self)",message="each external CIDR must be a CIDR such as 10.0.0.0/8"
	ExternalCIDRs []string `json:"externalCIDRs,omitempty"`

	// auditLogMinRetention is the shortest API-server audit-log retention accepted (LOG-002);
	// the default is six months, the PRC Cybersecurity Law's minimum for network logs.
	// +optional
	// +kubebuilder:default="4320h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="auditLogMinRetention must be a positive duration such as 4320h"
	AuditLogMinRetention *metav1.Duration `json:"auditLogMinRetention,omitempty"`

	// minRuntimeVersions are the oldest container-runtime versions accepted on nodes (NODE-002),
	// by runtime: containerd, cri-o or docker. Runtimes left out keep their defaults.
	// +optional
	// +kubebuilder:validation:MaxProperties=8
	MinRuntimeVersions map[string]string `json:"minRuntimeVersions,omitempty"`

	// readKubeletConfig lets node checks read each kubelet's configuration through the API
	// server's node proxy (/api/v1/nodes/NAME/proxy/configz). It also needs the operator's
	// optional nodes/proxy role; when off, those checks are Skipped.
	// +optional
	ReadKubeletConfig bool `json:"readKubeletConfig,omitempty"`

	// workloads tailor the Workloads checks (WKL-); hostPathAllowlist, terminatedPodMaxAge and debugContainerMaxAge above are theirs too.
	// +optional
	// +kubebuilder:default={}
	Workloads WorkloadParameters `json:"workloads,omitempty"`

	// rbac tailor the RBAC checks (RBAC-); privilegedSubjects and bootstrapTokenMaxTTL above are theirs too.
	// +optional
	// +kubebuilder:default={}
	RBAC RBACParameters `json:"rbac,omitempty"`

	// network tailor the Network checks (NET-); externalCIDRs above is theirs too.
	// +optional
	// +kubebuilder:default={}
	Network NetworkParameters `json:"network,omitempty"`

	// nodes tailor the Nodes checks (NODE-); minRuntimeVersions and readKubeletConfig above are theirs too.
	// +optional
	// +kubebuilder:default={}
	Nodes NodeParameters `json:"nodes,omitempty"`

	// controlPlane tailor the ControlPlane checks (CP-).
	// +optional
	// +kubebuilder:default={}
	ControlPlane ControlPlaneParameters `json:"controlPlane,omitempty"`

	// secrets tailor the Secrets checks (SEC-); secretMaxAge, certificateExpiryWarning, certificateMaxAge and caExpiryWarning above are theirs too.
	// +optional
	// +kubebuilder:default={}
	Secrets SecretParameters `json:"secrets,omitempty"`

	// backups tailor the Backups checks (BAK-); backupMaxAge and restoreTestMaxAge above are theirs too.
	// +optional
	// +kubebuilder:default={}
	Backups BackupParameters `json:"backups,omitempty"`

	// images tailor the Images checks (IMG-); trustedRegistries above is theirs too.
	// +optional
	// +kubebuilder:default={}
	Images ImageParameters `json:"images,omitempty"`

	// logging tailor the Logging checks (LOG-); auditLogMinRetention above is theirs too.
	// +optional
	// +kubebuilder:default={}
	Logging LoggingParameters `json:"logging,omitempty"`
}

// HostPathAllowance accepts hostPath volumes under a path in matching namespaces.
type HostPathAllowance struct {
	// namespace is a namespace name or pattern with *; empty matches every namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// path is a host path accepted with everything beneath it, such as /var/log.
	// +required
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="path must be an absolute host path such as /var/log"
	Path string `json:"path"`
}

// LabelKeys names the labels the checks read.
type LabelKeys struct {
	// classification is the namespace label holding the data classification.
	// +optional
	// +kubebuilder:default="kubeposture.io/data-classification"
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')",message="classification must be a label key such as example.com/data-classification: an optional DNS-subdomain prefix and a slash, then a name of at most 63 letters, digits, dashes, underscores and dots"
	Classification string `json:"classification,omitempty"`

	// owner is the namespace label naming the owning team.
	// +optional
	// +kubebuilder:default="kubeposture.io/owner"
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')",message="owner must be a label key such as example.com/owner: an optional DNS-subdomain prefix and a slash, then a name of at most 63 letters, digits, dashes, underscores and dots"
	Owner string `json:"owner,omitempty"`

	// exposure is the namespace label saying whether the namespace is reachable from outside.
	// +optional
	// +kubebuilder:default="kubeposture.io/exposure"
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')",message="exposure must be a label key such as example.com/exposure: an optional DNS-subdomain prefix and a slash, then a name of at most 63 letters, digits, dashes, underscores and dots"
	Exposure string `json:"exposure,omitempty"`

	// app is the workload label naming the application.
	// +optional
	// +kubebuilder:default="app.kubernetes.io/name"
	// +kubebuilder:validation:MaxLength=317
	// +kubebuilder:validation:XValidation:rule="self.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$')",message="app must be a label key such as app.kubernetes.io/name: an optional DNS-subdomain prefix and a slash, then a name of at most 63 letters, digits, dashes, underscores and dots"
	App string `json:"app,omitempty"`
}

// Remediation says whether and how the operator fixes what can safely be fixed.
type Remediation struct {
	// mode is Disabled (audit only), DryRun (report what would change) or Enabled.
	// +optional
	// +kubebuilder:default=Disabled
	Mode RemediationMode `json:"mode,omitempty"`

	// actions are the kinds of change the operator may make.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	Actions []RemediationAction `json:"actions,omitempty"`

	// enforcePodSecurity lets the PodSecurityLabels action set the enforce label too, and only
	// when a server-side dry run shows no running pod would violate it.
	// +optional
	EnforcePodSecurity bool `json:"enforcePodSecurity,omitempty"`

	// egress makes DefaultDenyNetworkPolicy also deny egress, with an allowance for DNS.
	// It is implied at L3.
	// +optional
	Egress bool `json:"egress,omitempty"`
}

// SecurityProfileStatus is the result of the last audit.
type SecurityProfileStatus struct {
	// observedGeneration is the spec generation the last audit used.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// lastAuditTime is when the last audit completed.
	// +optional
	LastAuditTime *metav1.Time `json:"lastAuditTime,omitempty"`

	// auditDuration is how long the last audit took.
	// +optional
	AuditDuration *metav1.Duration `json:"auditDuration,omitempty"`

	// conditions: Ready, Compliant, one per domain, and Remediated when remediation is on.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// achievedLevel is the highest level, up to the target, whose every applicable and
	// non-exempted check passes; None when L1 is not met.
	// +optional
	AchievedLevel AchievedLevel `json:"achievedLevel,omitempty"`

	// score is the share of applicable checks that pass, weighted by severity, from 0 to 100.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Score *int32 `json:"score,omitempty"`

	// summary counts the checks by result and the failing ones by severity.
	// +optional
	Summary *AuditSummary `json:"summary,omitempty"`

	// warnings are things a person should know about the profile itself, such as expired
	// exemptions and attestations.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	Warnings []string `json:"warnings,omitempty"`

	// remediation reports what the operator changed, or would change in DryRun mode.
	// +optional
	Remediation *RemediationStatus `json:"remediation,omitempty"`

	// prevention reports the generated admission policies when prevention is on.
	// +optional
	Prevention *PreventionStatus `json:"prevention,omitempty"`

	// checks has one entry per selected check: its result, how many objects it flags and a few
	// samples. It never lists every offending object.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=256
	Checks []CheckStatus `json:"checks,omitempty"`
}

// RemediationState is the state of one remediation action.
// +kubebuilder:validation:Enum=Planned;Applied;InPlace;Conflict;Blocked;Failed
type RemediationState string

// Remediation action states.
const (
	// StatePlanned is a change DryRun mode would make (validated by a server-side dry run).
	StatePlanned RemediationState = "Planned"
	// StateApplied is a change made in the last audit.
	StateApplied RemediationState = "Applied"
	// StateInPlace is a change made earlier that is still in place.
	StateInPlace RemediationState = "InPlace"
	// StateConflict is a change not made because another field manager owns the field or object.
	StateConflict RemediationState = "Conflict"
	// StateBlocked is a change not made because it would break running workloads.
	StateBlocked RemediationState = "Blocked"
	// StateFailed is a change the API server refused.
	StateFailed RemediationState = "Failed"
)

// RemediationStatus counts remediation actions and lists a bounded number of them.
type RemediationStatus struct {
	// planned counts changes DryRun mode would make.
	Planned int32 `json:"planned"`
	// applied counts changes made in the last audit.
	Applied int32 `json:"applied"`
	// inPlace counts changes made earlier and still in place.
	InPlace int32 `json:"inPlace"`
	// conflicts counts changes not made because another manager owns the field or object.
	Conflicts int32 `json:"conflicts"`
	// blocked counts changes held back because they would break running workloads.
	Blocked int32 `json:"blocked"`
	// failed counts changes the API server refused.
	Failed int32 `json:"failed"`
	// actions lists at most 20 actions, conflicts, blocked and failed ones first.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Actions []RemediationActionStatus `json:"actions,omitempty"`
}

// RemediationActionStatus is one remediation action.
type RemediationActionStatus struct {
	// action is the kind of change, such as DefaultDenyNetworkPolicy.
	Action RemediationAction `json:"action"`
	// object is the object changed.
	Object ObjectReference `json:"object"`
	// state is Planned, Applied, InPlace, Conflict, Blocked or Failed.
	State RemediationState `json:"state"`
	// message describes the change or why it was not made.
	// +kubebuilder:validation:MaxLength=512
	Message string `json:"message"`
}

// AuditSummary counts checks by result, and failing checks by severity.
type AuditSummary struct {
	// total is the number of checks evaluated.
	Total int32 `json:"total"`
	// passed counts checks with the result Pass.
	Passed int32 `json:"passed"`
	// failed counts checks with the result Fail.
	Failed int32 `json:"failed"`
	// errored counts checks that could not be evaluated.
	Errored int32 `json:"errored"`
	// manual counts checks awaiting an attestation.
	Manual int32 `json:"manual"`
	// skipped counts checks that need access the profile does not grant.
	Skipped int32 `json:"skipped"`
	// notApplicable counts checks with nothing to inspect in this cluster.
	NotApplicable int32 `json:"notApplicable"`
	// exempted counts checks whose every finding is exempted.
	Exempted int32 `json:"exempted"`
	// failedBySeverity counts failing checks by severity.
	FailedBySeverity SeverityCounts `json:"failedBySeverity"`
}

// SeverityCounts counts by severity.
type SeverityCounts struct {
	// critical is the count of Critical checks.
	Critical int32 `json:"critical"`
	// high is the count of High checks.
	High int32 `json:"high"`
	// medium is the count of Medium checks.
	Medium int32 `json:"medium"`
	// low is the count of Low checks.
	Low int32 `json:"low"`
}

// CheckStatus is the result of one check in the last audit.
type CheckStatus struct {
	// id is the check ID, such as WKL-001.
	ID string `json:"id"`
	// level is the check's minimum level.
	Level Level `json:"level"`
	// severity is Low, Medium, High or Critical.
	Severity string `json:"severity"`
	// result is Pass, Fail, Error, NotApplicable, Manual, Skipped or Exempted.
	Result string `json:"result"`
	// message explains the result.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// count is the number of offending objects (findings that are not Pass or Exempted).
	// +optional
	Count int32 `json:"count,omitempty"`
	// exempted is the number of findings accepted by exemptions.
	// +optional
	Exempted int32 `json:"exempted,omitempty"`
	// samples are at most five offending objects.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	Samples []ObjectReference `json:"samples,omitempty"`
}

// ObjectReference names an object a finding is about.
type ObjectReference struct {
	// kind is the object's kind, such as Deployment.
	Kind string `json:"kind"`
	// namespace is empty for cluster-scoped objects.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// name is the object's name.
	Name string `json:"name"`
}

// SecurityProfile holds a cluster to a level of the container-security maturity standard and
// reports how far it is from it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=sp,categories=kubeposture
// +kubebuilder:printcolumn:name="Level",type=string,JSONPath=`.spec.level`
// +kubebuilder:printcolumn:name="Achieved",type=string,JSONPath=`.status.achievedLevel`
// +kubebuilder:printcolumn:name="Score",type=integer,JSONPath=`.status.score`
// +kubebuilder:printcolumn:name="Compliant",type=string,JSONPath=`.status.conditions[?(@.type=="Compliant")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="Last Audit",type=date,JSONPath=`.status.lastAuditTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SecurityProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the target level, scope and remediation.
	// +required
	Spec SecurityProfileSpec `json:"spec"`

	// status is the result of the last audit. A new profile reads observedGeneration 0, so
	// kstatus (Flux, kpt) and Argo CD see it in progress until its first audit.
	// +kubebuilder:default={observedGeneration: 0}
	// +optional
	Status SecurityProfileStatus `json:"status,omitempty"`
}

// SecurityProfileList is a list of SecurityProfile.
//
// +kubebuilder:object:root=true
type SecurityProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the profiles.
	Items []SecurityProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SecurityProfile{}, &SecurityProfileList{})
}
