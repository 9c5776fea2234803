package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The per-domain parameters. Thresholds and single values carry their defaults in the schema, so
// a stored profile shows them. Lists and structured values are different: their defaults are the
// built-in lists of the running release (tool names, registries, signers), shown after
// "Default:" in each field's description; an absent list takes the built-in one, so a later
// release's additions reach existing profiles, and a list that is set replaces it ([] empties it).

// WorkloadParameters tailor the Workloads checks (WKL-).
type WorkloadParameters struct {
	// exemptInitContainersFromNonRoot lets init containers run as root in WKL-005: S3.1 allows
	// root privileges during initialisation, while Pod Security Admission's restricted profile
	// does not. Off by default.
	// +optional
	ExemptInitContainersFromNonRoot bool `json:"exemptInitContainersFromNonRoot,omitempty"`

	// forbiddenSELinuxTypes are SELinux process types that lift confinement (WKL-010), such as
	// spc_t and unconfined_t; wildcards (*) are allowed.
	//
	// Default: ["spc_t", "unconfined_t"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ForbiddenSELinuxTypes []string `json:"forbiddenSELinuxTypes,omitempty"`

	// sensitiveHostPaths are host paths no workload may mount in any namespace (WKL-014): the path
	// itself, anything beneath it and any directory above it. "/" matches only itself.
	//
	// Default: ["/", "/etc", "/boot", "/root", "/proc", "/sys", "/dev", "/var/lib/kubelet",
	// "/var/lib/containerd", "/var/lib/docker"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^/`
	SensitiveHostPaths []string `json:"sensitiveHostPaths,omitempty"`

	// runtimeSocketNames are file names of container-runtime sockets (wildcards allowed), matched
	// against the last element of a hostPath volume's path wherever it lies (WKL-015).
	//
	// Default: ["docker.sock", "containerd.sock", "crio.sock", "dockershim.sock",
	// "cri-dockerd.sock"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	RuntimeSocketNames []string `json:"runtimeSocketNames,omitempty"`

	// runtimeSocketPaths are the usual locations of runtime sockets; a hostPath volume of one of
	// these paths or of a directory above one exposes the socket (WKL-015).
	//
	// Default: ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
	// "/var/run/containerd/containerd.sock", "/run/crio/crio.sock", "/var/run/crio/crio.sock",
	// "/var/run/dockershim.sock", "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^/`
	RuntimeSocketPaths []string `json:"runtimeSocketPaths,omitempty"`

	// runtimeSocketRoleLabel is the workload label that marks monitoring or management agents,
	// which S3.15 allows to mount a runtime socket read-only (WKL-015).
	// +optional
	// +kubebuilder:default="kubeposture.io/role"
	// +kubebuilder:validation:MaxLength=317
	RuntimeSocketRoleLabel string `json:"runtimeSocketRoleLabel,omitempty"`

	// runtimeSocketRoles are the values of runtimeSocketRoleLabel that qualify for the read-only
	// exception (WKL-015).
	//
	// Default: ["monitoring", "management"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=63
	RuntimeSocketRoles []string `json:"runtimeSocketRoles,omitempty"`

	// runtimeSocketNoException applies seed 002 D26: no workload may mount a runtime socket, not
	// even a read-only monitoring agent (WKL-015). Off by default.
	// +optional
	RuntimeSocketNoException bool `json:"runtimeSocketNoException,omitempty"`

	// remoteLoginPorts are container and Service ports that reveal a remote-login service
	// (WKL-016).
	//
	// Default: [22, 3389]
	// +optional
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:Minimum=1
	// +kubebuilder:validation:items:Maximum=65535
	RemoteLoginPorts []int32 `json:"remoteLoginPorts,omitempty"`

	// remoteLoginDaemons are executable names (wildcards allowed), looked for in container command
	// and args, that start a remote-login daemon (WKL-016).
	//
	// Default: ["sshd", "dropbear", "xrdp", "*telnetd"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	RemoteLoginDaemons []string `json:"remoteLoginDaemons,omitempty"`

	// spreadTopologyKeys are the topology keys whose pod anti-affinity or topology spread
	// constraints keep replicas off a single node (WKL-021). A zone key qualifies too, because
	// pods in different zones are on different nodes.
	//
	// Default: ["kubernetes.io/hostname", "topology.kubernetes.io/zone"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	SpreadTopologyKeys []string `json:"spreadTopologyKeys,omitempty"`

	// recreateStrategyAnnotation is the Deployment annotation whose non-empty value justifies the
	// Recreate strategy, for example for a ReadWriteOnce volume (WKL-022).
	// +optional
	// +kubebuilder:default="kubeposture.io/recreate-reason"
	// +kubebuilder:validation:MaxLength=317
	RecreateStrategyAnnotation string `json:"recreateStrategyAnnotation,omitempty"`

	// placeholderLabelValue is the value the LabelNamespaces action writes into a missing label;
	// it still counts as missing until a person replaces it (WKL-023).
	// +optional
	// +kubebuilder:default="unclassified"
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`
	PlaceholderLabelValue string `json:"placeholderLabelValue,omitempty"`

	// sandboxRuntimeHandlers are RuntimeClass handlers (wildcards allowed) that run pods in a
	// sandbox with its own kernel, such as Kata Containers or gVisor (WKL-026).
	//
	// Default: ["kata*", "runsc*", "gvisor*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	SandboxRuntimeHandlers []string `json:"sandboxRuntimeHandlers,omitempty"`

	// isolationLabel is the namespace label that, set to isolationLabelValue, requires the
	// namespace's pods to run in a sandboxed RuntimeClass (WKL-026).
	// +optional
	// +kubebuilder:default="kubeposture.io/isolation"
	// +kubebuilder:validation:MaxLength=317
	IsolationLabel string `json:"isolationLabel,omitempty"`

	// isolationLabelValue is the value of isolationLabel that asks for sandboxed pods (WKL-026).
	// +optional
	// +kubebuilder:default="strong"
	// +kubebuilder:validation:MaxLength=63
	IsolationLabelValue string `json:"isolationLabelValue,omitempty"`

	// statefulImages are image names (the last path segment, without registry, tag or digest;
	// wildcards allowed) of software that keeps data and needs a persistent volume (WKL-029).
	//
	// Default: ["postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb", "redis",
	// "valkey", "elasticsearch", "opensearch", "cassandra", "etcd", "rabbitmq", "kafka",
	// "cp-kafka", "zookeeper", "cp-zookeeper", "minio", "clickhouse-server", "influxdb", "neo4j",
	// "couchdb"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	StatefulImages []string `json:"statefulImages,omitempty"`
}

// RBACParameters tailor the RBAC checks (RBAC-).
type RBACParameters struct {
	// sensitivePermissions are the permissions RBAC-005 reports when a subject that is neither a
	// system subject nor in privilegedSubjects holds them. Setting the list replaces the default
	// one.
	//
	// Default: [{"name": "read secrets cluster-wide", "apiGroups": [""], "resources": ["secrets"],
	// "verbs": ["get", "list", "watch"], "clusterWide": true, "unnamedOnly": true},
	// {"name": "exec, attach or port-forward into pods", "apiGroups": [""],
	// "resources": ["pods/exec", "pods/attach", "pods/portforward"], "verbs": ["create", "get"]},
	// {"name": "access the kubelet API through nodes/proxy", "apiGroups": [""],
	// "resources": ["nodes/proxy"]}, {"name": "escalate or bind roles",
	// "apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "clusterroles"],
	// "verbs": ["escalate", "bind"]}, {"name": "impersonate users, groups or service accounts",
	// "apiGroups": ["", "authentication.k8s.io"], "resources": ["users", "groups",
	// "serviceaccounts", "uids"], "verbs": ["impersonate"]},
	// {"name": "create service account tokens", "apiGroups": [""],
	// "resources": ["serviceaccounts/token"], "verbs": ["create"]},
	// {"name": "approve certificate signing requests", "apiGroups": ["certificates.k8s.io"],
	// "resources": ["certificatesigningrequests/approval"], "verbs": ["update", "patch"]},
	// {"name": "change admission webhooks or policies",
	// "apiGroups": ["admissionregistration.k8s.io"],
	// "resources": ["validatingwebhookconfigurations", "mutatingwebhookconfigurations",
	// "validatingadmissionpolicies", "validatingadmissionpolicybindings",
	// "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"], "verbs": ["create",
	// "update", "patch", "delete", "deletecollection"]}, {"name": "create pods in kube-system",
	// "apiGroups": [""], "resources": ["pods"], "verbs": ["create"], "namespace": "kube-system"}]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	SensitivePermissions []SensitivePermission `json:"sensitivePermissions,omitempty"`

	// publicGrantRoles are the roles that may be granted to system:anonymous,
	// system:unauthenticated and system:authenticated (RBAC-003), written ClusterRole:name or
	// Role:namespace/name. The defaults are the bindings Kubernetes and kubeadm create.
	//
	// Default: ["ClusterRole:system:public-info-viewer", "ClusterRole:system:discovery",
	// "ClusterRole:system:basic-user", "Role:kube-public/kubeadm:bootstrap-signer-clusterinfo"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	// +kubebuilder:validation:items:Pattern=`^(ClusterRole:[^/]+|Role:[^/]+/.+)$`
	PublicGrantRoles []string `json:"publicGrantRoles,omitempty"`
}

// NetworkParameters tailor the Network checks (NET-).
type NetworkParameters struct {
	// cniNamespaces are the namespaces searched for CNI DaemonSets (NET-001).
	//
	// Default: ["kube-system", "calico-system", "kube-flannel"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=63
	CNINamespaces []string `json:"cniNamespaces,omitempty"`

	// policyCNIs are name patterns (* matches any run of characters) of CNI or policy-agent
	// DaemonSets that enforce NetworkPolicy; a DaemonSet matches by its name or its k8s-app,
	// app.kubernetes.io/name or app label (NET-001).
	//
	// Default: ["calico-node", "cilium", "cilium-agent", "antrea-agent", "kube-router", "canal",
	// "weave-net", "anetd", "azure-npm", "kube-network-policies"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	PolicyCNIs []string `json:"policyCNIs,omitempty"`

	// nonPolicyCNIs are name patterns of CNI DaemonSets known not to enforce NetworkPolicy;
	// finding only these fails NET-001 instead of asking for a manual review.
	//
	// Default: ["kube-flannel-ds", "kube-flannel-ds-*", "flannel"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	NonPolicyCNIs []string `json:"nonPolicyCNIs,omitempty"`

	// sensitiveClassifications are values of the classification namespace label
	// (labels.classification), compared case-insensitively, that forbid egress to every address
	// (NET-003).
	//
	// Default: ["confidential", "secret", "sensitive", "restricted"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=63
	SensitiveClassifications []string `json:"sensitiveClassifications,omitempty"`

	// meshRootNamespace is the Istio root namespace, where a PeerAuthentication without a selector
	// applies to the whole mesh (NET-006).
	// +optional
	// +kubebuilder:default="istio-system"
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	MeshRootNamespace string `json:"meshRootNamespace,omitempty"`

	// internalHostSuffixes are DNS suffixes of hostnames reachable only inside the cluster or the
	// private network; Gateway listeners for any other hostname must use TLS (NET-011).
	//
	// Default: [".cluster.local", ".svc", ".internal", ".local"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	InternalHostSuffixes []string `json:"internalHostSuffixes,omitempty"`

	// flowMonitors are name patterns of DaemonSets, in any namespace, that observe or inspect
	// network flows: flow exporters and network intrusion detection (NET-012).
	//
	// Default: ["suricata*", "zeek*", "retina-agent", "netobserv-ebpf-agent", "kubeshark-worker*",
	// "deepflow-agent", "vizier-pem", "neuvector-enforcer-pod"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	FlowMonitors []string `json:"flowMonitors,omitempty"`
}

// NodeParameters tailor the Nodes checks (NODE-).
type NodeParameters struct {
	// maxRequestedPercent is the share of a node's allocatable CPU or memory that the requests of
	// its pods may reach before NODE-001 reports the node as overcommitted; 0 turns this off.
	// +optional
	// +kubebuilder:default=90
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MaxRequestedPercent *int32 `json:"maxRequestedPercent,omitempty"`

	// maxKubeletMinorSkew is how many minor versions a kubelet may lag behind the API server
	// (NODE-003); the upstream skew policy allows 3.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	MaxKubeletMinorSkew *int32 `json:"maxKubeletMinorSkew,omitempty"`

	// poolLabels are node labels that name a node's pool, in order of preference: the first one a
	// node carries puts it in the pool label=value; nodes carrying none form one pool. The drift
	// checks NODE-003, NODE-004 and NODE-018 compare nodes within a pool.
	//
	// Default: ["karpenter.sh/nodepool", "eks.amazonaws.com/nodegroup",
	// "cloud.google.com/gke-nodepool", "kubernetes.azure.com/agentpool", "agentpool",
	// "node-role.kubernetes.io/control-plane", "node.kubernetes.io/instance-type"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	PoolLabels []string `json:"poolLabels,omitempty"`

	// osMinimums set minimum OS and kernel versions for the nodes whose osImage matches; every
	// matching entry applies (NODE-004). Setting the list replaces the default one.
	//
	// Default: [{"osImage": "*", "minKernelVersion": "4.18"}, {"osImage": "Ubuntu *",
	// "minOSVersion": "22.04"}, {"osImage": "Debian GNU/Linux *", "minOSVersion": "12"},
	// {"osImage": "Red Hat Enterprise Linux [0-9]*", "minOSVersion": "8.10"}]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	OSMinimums []OSMinimum `json:"osMinimums,omitempty"`

	// containerOSImages are patterns of nodeInfo.osImage values of container-specific operating
	// systems (NODE-005).
	//
	// Default: ["Bottlerocket OS*", "Flatcar Container Linux*", "Container-Optimized OS*",
	// "Talos*", "Fedora CoreOS*", "Red Hat Enterprise Linux CoreOS*",
	// "SUSE Linux Enterprise Micro*", "SUSE Linux Micro*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ContainerOSImages []string `json:"containerOSImages,omitempty"`

	// benchmarkExceptions are CIS benchmark results accepted as documented exceptions: kube-bench
	// test numbers such as 4.2.6 or Trivy check IDs such as KCV0083 (NODE-007, NODE-008). Empty by
	// default.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=64
	BenchmarkExceptions []string `json:"benchmarkExceptions,omitempty"`

	// benchmarkMaxAge is the oldest a node's CIS benchmark report may be (NODE-008).
	// +optional
	// +kubebuilder:default="720h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="benchmarkMaxAge must be a positive duration such as 720h"
	BenchmarkMaxAge *metav1.Duration `json:"benchmarkMaxAge,omitempty"`

	// nodeScanMaxAge is the oldest a node's OS vulnerability scan report may be (NODE-009).
	// +optional
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="nodeScanMaxAge must be a positive duration such as 168h"
	NodeScanMaxAge *metav1.Duration `json:"nodeScanMaxAge,omitempty"`

	// csrPendingMax is how long a kubelet certificate signing request may stay pending before
	// NODE-011 takes it as a sign that nobody approves kubelet certificates.
	// +optional
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="csrPendingMax must be a positive duration such as 1h"
	CSRPendingMax *metav1.Duration `json:"csrPendingMax,omitempty"`

	// maxPodPidsLimit is the largest kubelet podPidsLimit accepted (NODE-012).
	// +optional
	// +kubebuilder:default=4096
	// +kubebuilder:validation:Minimum=1
	MaxPodPidsLimit *int64 `json:"maxPodPidsLimit,omitempty"`

	// requireImageMaximumGCAge makes NODE-017 also require the kubelet's imageMaximumGCAge, which
	// removes images unused for that long even when the disk is not full. Off by default.
	// +optional
	RequireImageMaximumGCAge bool `json:"requireImageMaximumGCAge,omitempty"`

	// autoscalerImages are patterns of the last path element of an image name, without tag or
	// digest, that identify a node autoscaler Deployment (NODE-018).
	//
	// Default: ["cluster-autoscaler", "cluster-autoscaler-*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	AutoscalerImages []string `json:"autoscalerImages,omitempty"`

	// autoscalerKinds are kinds, written Kind.group, whose objects show that the cluster adds
	// nodes by itself (NODE-018).
	//
	// Default: ["NodePool.karpenter.sh", "NodeClaim.karpenter.sh",
	// "MachineDeployment.cluster.x-k8s.io", "MachinePool.cluster.x-k8s.io",
	// "MachineAutoscaler.autoscaling.openshift.io"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	AutoscalerKinds []string `json:"autoscalerKinds,omitempty"`
}

// ControlPlaneParameters tailor the ControlPlane checks (CP-).
type ControlPlaneParameters struct {
	// strictQuorum reads S4.2 literally (CP-001): control-plane nodes and etcd members must be odd
	// and at least 5, instead of odd and at least 3. Off by default.
	// +optional
	StrictQuorum bool `json:"strictQuorum,omitempty"`

	// minZones is how many distinct topology.kubernetes.io/zone values the control-plane nodes
	// must span (CP-002).
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16
	MinZones *int32 `json:"minZones,omitempty"`

	// taintKeys are the taint keys (NoSchedule or NoExecute) that keep workloads off a
	// control-plane node (CP-003).
	//
	// Default: ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master",
	// "CriticalAddonsOnly"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	TaintKeys []string `json:"taintKeys,omitempty"`

	// deschedulerNames are patterns matched against the name, app labels and container image names
	// of Deployments and CronJobs to find a descheduler (CP-006).
	//
	// Default: ["descheduler", "*-descheduler", "descheduler-*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	DeschedulerNames []string `json:"deschedulerNames,omitempty"`

	// notReadyNodeMaxAge is how long a node may stay NotReady before CP-008 asks for its removal.
	// +optional
	// +kubebuilder:default="168h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="notReadyNodeMaxAge must be a positive duration such as 168h"
	NotReadyNodeMaxAge *metav1.Duration `json:"notReadyNodeMaxAge,omitempty"`

	// csrApprovals are the kinds of CertificateSigningRequest that are expected to be approved
	// (CP-008); any other approved request is reported. Setting the list replaces the default one.
	//
	// Default: [{"signer": "kubernetes.io/kube-apiserver-client-kubelet",
	// "requesters": ["system:node:*", "system:bootstrap:*"]},
	// {"signer": "kubernetes.io/kubelet-serving", "requesters": ["system:node:*"]}]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	CSRApprovals []CSRApproval `json:"csrApprovals,omitempty"`

	// newestMinor is the newest Kubernetes 1.x minor release; CP-009 accepts it and the two before
	// it, upstream's support window. Absent means the newest minor this release of kubeposture
	// knows.
	//
	// Default: 37
	// +optional
	// +kubebuilder:validation:Minimum=20
	// +kubebuilder:validation:Maximum=99
	NewestMinor *int32 `json:"newestMinor,omitempty"`

	// minimumVersion is the organisation's floor for the API server version, such as v1.36.4
	// (CP-009); empty accepts every release in the support window.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^v?[0-9]+\.[0-9]+(\.[0-9]+)?$`
	MinimumVersion string `json:"minimumVersion,omitempty"`
}

// SecretParameters tailor the Secrets checks (SEC-).
type SecretParameters struct {
	// credentialEnvAllowlist are patterns, compared upper-case, of environment variable names that
	// look like credentials but conventionally hold a reference to one, such as the path of a
	// mounted Secret file (SEC-001).
	//
	// Default: ["*_FILE", "*_PATH", "*_DIR", "*_SECRET_NAME"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	CredentialEnvAllowlist []string `json:"credentialEnvAllowlist,omitempty"`

	// encryptionKeyMaxAge is the longest an encryption-at-rest key may stay the active key;
	// SEC-004's manual verification compares the key's age with it.
	// +optional
	// +kubebuilder:default="8760h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="encryptionKeyMaxAge must be a positive duration such as 8760h"
	EncryptionKeyMaxAge *metav1.Duration `json:"encryptionKeyMaxAge,omitempty"`

	// caRotationPeriod is the longest a cluster or service-mesh CA certificate may be in use,
	// counted from its notBefore (SEC-006).
	// +optional
	// +kubebuilder:default="43800h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="caRotationPeriod must be a positive duration such as 43800h"
	CARotationPeriod *metav1.Duration `json:"caRotationPeriod,omitempty"`

	// meshRootCAs are service-mesh root CA ConfigMaps, checked like the cluster CA when they exist
	// (SEC-006). Setting the list replaces the default one.
	//
	// Default: [{"name": "istio-ca-root-cert", "key": "root-cert.pem",
	// "namespace": "istio-system"}, {"name": "linkerd-identity-trust-roots",
	// "key": "ca-bundle.crt", "namespace": "linkerd"}]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	MeshRootCAs []CABundleRef `json:"meshRootCAs,omitempty"`

	// minRSAKeyBits is the smallest RSA key a TLS certificate may have (SEC-007).
	// +optional
	// +kubebuilder:default=2048
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=16384
	MinRSAKeyBits *int32 `json:"minRSAKeyBits,omitempty"`

	// minECKeyBits is the smallest elliptic-curve size a TLS certificate may use (SEC-007).
	// +optional
	// +kubebuilder:default=256
	// +kubebuilder:validation:Minimum=224
	// +kubebuilder:validation:Maximum=521
	MinECKeyBits *int32 `json:"minECKeyBits,omitempty"`

	// rotationAnnotations are Secret annotation keys in which a rotator records when it last
	// rotated the value (RFC 3339 time or a date), in order of precedence; they are trusted over
	// the last data write in managedFields (SEC-008).
	//
	// Default: ["kubeposture.io/last-rotated"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	RotationAnnotations []string `json:"rotationAnnotations,omitempty"`

	// rotationIgnoredTypes are Secret types that hold records rather than credentials and are left
	// out of the rotation-age rule (SEC-008).
	//
	// Default: ["helm.sh/release.v1"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	RotationIgnoredTypes []string `json:"rotationIgnoredTypes,omitempty"`

	// secretInjectorWebhooks are patterns of mutating webhook names, within a
	// MutatingWebhookConfiguration, of secret injectors such as the Vault agent injector
	// (SEC-009).
	//
	// Default: ["vault.hashicorp.com", "*vault-secrets-webhook*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	SecretInjectorWebhooks []string `json:"secretInjectorWebhooks,omitempty"`

	// legacyTokenMaxAge is the oldest a long-lived ServiceAccount token Secret may be (SEC-010).
	// +optional
	// +kubebuilder:default="2160h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="legacyTokenMaxAge must be a positive duration such as 2160h"
	LegacyTokenMaxAge *metav1.Duration `json:"legacyTokenMaxAge,omitempty"`
}

// BackupParameters tailor the Backups checks (BAK-).
type BackupParameters struct {
	// storageLocationValidationMaxAge is the oldest a BackupStorageLocation's last successful
	// validation may be (BAK-001). Velero validates every minute by default, so an older
	// validation means validation is off or the server is not running.
	// +optional
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="storageLocationValidationMaxAge must be a positive duration such as 24h"
	StorageLocationValidationMaxAge *metav1.Duration `json:"storageLocationValidationMaxAge,omitempty"`

	// etcdBackupSelector is a label selector, in kubectl syntax, that marks the CronJobs taking
	// etcd snapshots (BAK-006).
	// +optional
	// +kubebuilder:default="app.kubernetes.io/component=etcd-backup"
	// +kubebuilder:validation:MaxLength=1024
	EtcdBackupSelector string `json:"etcdBackupSelector,omitempty"`

	// etcdBackupNamePatterns are patterns of CronJob names that take etcd snapshots, for CronJobs
	// without the label (BAK-006).
	//
	// Default: ["*etcd*backup*", "*etcd*snapshot*", "*backup*etcd*", "*snapshot*etcd*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	EtcdBackupNamePatterns []string `json:"etcdBackupNamePatterns,omitempty"`

	// provisionerAllowlist when not empty lists the patterns of the only storage provisioners
	// production data may use (BAK-008). Empty by default.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ProvisionerAllowlist []string `json:"provisionerAllowlist,omitempty"`

	// provisionerDenylist lists patterns of provisioners that keep data on a single node's disk,
	// which is not production-ready storage (BAK-008).
	//
	// Default: ["kubernetes.io/no-provisioner", "kubernetes.io/host-path", "*local-path*",
	// "*hostpath*", "openebs.io/local", "*local-volume-provisioner*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ProvisionerDenylist []string `json:"provisionerDenylist,omitempty"`
}

// ImageParameters tailor the Images checks (IMG-).
type ImageParameters struct {
	// publicRegistries are registry hosts (wildcards allowed) that serve images without
	// credentials; images from any other registry need pull credentials (IMG-012).
	//
	// Default: ["docker.io", "registry.k8s.io", "k8s.gcr.io", "quay.io", "ghcr.io", "gcr.io",
	// "mcr.microsoft.com", "public.ecr.aws", "cgr.dev", "registry.gitlab.com"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	PublicRegistries []string `json:"publicRegistries,omitempty"`

	// nodeCredentialRegistries are registry hosts (wildcards allowed) whose credentials the
	// kubelet gets from a credential provider on the node, such as ECR, ACR or Artifact Registry,
	// so pods need no imagePullSecrets for them (IMG-012).
	//
	// Default: ["*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn", "*-docker.pkg.dev",
	// "*.azurecr.io"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	NodeCredentialRegistries []string `json:"nodeCredentialRegistries,omitempty"`

	// scanMaxAge is the oldest a running image's vulnerability report may be (IMG-006).
	// +optional
	// +kubebuilder:default="1440h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="scanMaxAge must be a positive duration such as 1440h"
	ScanMaxAge *metav1.Duration `json:"scanMaxAge,omitempty"`

	// fixableOnly counts only vulnerabilities with a fixed version (IMG-007): a finding without a
	// fix cannot be removed by rebuilding the image.
	// +optional
	// +kubebuilder:default=true
	FixableOnly *bool `json:"fixableOnly,omitempty"`

	// scanGateWebhooks are patterns of ValidatingWebhookConfiguration or webhook names that belong
	// to an image scanner's admission controller (IMG-008).
	//
	// Default: ["*trivy*", "*stackrox*", "*neuvector*", "*anchore*", "*kube-enforcer*",
	// "*twistlock*", "*prisma*", "*sysdig*", "*image-scan*", "*vulnerabilit*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ScanGateWebhooks []string `json:"scanGateWebhooks,omitempty"`

	// registryImages are patterns of image repositories (the path without registry host and tag)
	// that run an image registry in the cluster (IMG-013).
	//
	// Default: ["library/registry", "distribution/distribution", "goharbor/registry-photon",
	// "project-zot/zot*", "projectquay/quay"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	RegistryImages []string `json:"registryImages,omitempty"`

	// minimalOSFamilies are the operating-system families of minimal base images (IMG-014); an
	// image without a detected OS (scratch, static) is minimal too.
	//
	// Default: ["alpine", "wolfi", "chainguard"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=63
	MinimalOSFamilies []string `json:"minimalOSFamilies,omitempty"`

	// imageMaxAge is the oldest an image may be, by its creation date, before it should be rebuilt
	// (IMG-015).
	// +optional
	// +kubebuilder:default="4320h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.size() <= 20 && self.matches('^([0-9]{1,6}(\\\\.[0-9]{1,9})?(ns|us|µs|ms|s|m|h))+$') && duration(self) > duration('0s')",message="imageMaxAge must be a positive duration such as 4320h"
	ImageMaxAge *metav1.Duration `json:"imageMaxAge,omitempty"`
}

// LoggingParameters tailor the Logging checks (LOG-).
type LoggingParameters struct {
	// logCollectors are patterns of log-collector DaemonSets, matched against the DaemonSet's name
	// and its app labels (LOG-003).
	//
	// Default: ["*fluent-bit*", "*fluentbit*", "*fluentd*", "*vector*", "*promtail*",
	// "*filebeat*", "*otel-collector*", "*opentelemetry-collector*", "*grafana-agent*", "*alloy*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	LogCollectors []string `json:"logCollectors,omitempty"`

	// nodeExporters are patterns of node-metrics DaemonSets (LOG-004).
	//
	// Default: ["*node-exporter*", "*node_exporter*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	NodeExporters []string `json:"nodeExporters,omitempty"`

	// kubeStateMetrics are patterns of the Deployment that exports object-state metrics (LOG-004).
	//
	// Default: ["*kube-state-metrics*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	KubeStateMetrics []string `json:"kubeStateMetrics,omitempty"`

	// alertRuleKinds are the kinds, written Kind.group, of Prometheus-style rule objects, each
	// with spec.groups[].rules[] (LOG-005).
	//
	// Default: ["PrometheusRule.monitoring.coreos.com", "VMRule.operator.victoriametrics.com",
	// "Rules.monitoring.googleapis.com", "ClusterRules.monitoring.googleapis.com",
	// "GlobalRules.monitoring.googleapis.com"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=317
	AlertRuleKinds []string `json:"alertRuleKinds,omitempty"`

	// storageAlertMetrics are expression fragments that make an alerting rule a storage alert
	// (LOG-005).
	//
	// Default: ["kubelet_volume_stats_"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	StorageAlertMetrics []string `json:"storageAlertMetrics,omitempty"`

	// containerAlertMetrics are expression fragments that make an alerting rule a container-state
	// alert (LOG-005).
	//
	// Default: ["kube_pod_container_status_restarts_total", "CrashLoopBackOff"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	ContainerAlertMetrics []string `json:"containerAlertMetrics,omitempty"`

	// maxVerbosity is the highest klog verbosity (kubelet logging.verbosity, control-plane --v)
	// that still counts as the info level of S9.6 (LOG-006); 3 and above are debug levels.
	// +optional
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	MaxVerbosity *int32 `json:"maxVerbosity,omitempty"`

	// runtimeAgents are patterns of runtime threat-detection DaemonSets (LOG-007).
	//
	// Default: ["*falco*", "*tetragon*", "*tracee*", "*kubearmor*", "*neuvector-enforcer*",
	// "*sysdig-agent*", "*twistlock-defender*"]
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MaxLength=253
	RuntimeAgents []string `json:"runtimeAgents,omitempty"`
}

// SensitivePermission is one permission of RBAC-005. A rule grants it when it allows any of the
// verbs on any of the resources in any of the API groups.
type SensitivePermission struct {
	// name describes the permission in findings, such as "read secrets cluster-wide".
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// apiGroups are the API groups of the resources; "" is the core group.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=253
	APIGroups []string `json:"apiGroups,omitempty"`

	// resources are resource names, with subresources written pods/exec.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	Resources []string `json:"resources"`

	// verbs are the verbs that grant the permission; empty means any verb.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=63
	Verbs []string `json:"verbs,omitempty"`

	// clusterWide counts only grants through a ClusterRoleBinding. Cluster-scoped resources of
	// the built-in API groups are always counted only there, since a RoleBinding cannot reach them.
	// +optional
	ClusterWide bool `json:"clusterWide,omitempty"`

	// namespace, when set, counts only grants that reach this namespace: a ClusterRoleBinding or
	// a RoleBinding in it.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`

	// unnamedOnly ignores rules limited by resourceNames, which reach named objects only.
	// +optional
	UnnamedOnly bool `json:"unnamedOnly,omitempty"`
}

// OSMinimum sets minimum versions for the nodes whose osImage matches a pattern. Versions compare
// number by number, so 5.15.0-105 is below 5.15.0-1061.
type OSMinimum struct {
	// osImage is a pattern matched against nodeInfo.osImage, such as "Ubuntu *"; "*" matches all.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	OSImage string `json:"osImage"`

	// minOSVersion is the lowest version read from osImage (its first dotted number, such as
	// 22.04.4 in "Ubuntu 22.04.4 LTS"); empty means not checked.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	MinOSVersion string `json:"minOSVersion,omitempty"`

	// minKernelVersion is the lowest nodeInfo.kernelVersion; empty means not checked.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	MinKernelVersion string `json:"minKernelVersion,omitempty"`
}

// CSRApproval is a kind of CertificateSigningRequest that is expected to be approved (CP-008).
type CSRApproval struct {
	// signer is a signerName, or a pattern of one.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=571
	Signer string `json:"signer"`

	// requesters are patterns of the requesting user name; empty accepts any requester.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	Requesters []string `json:"requesters,omitempty"`
}

// CABundleRef names a ConfigMap key that holds a CA bundle. Such ConfigMaps are copied into every
// namespace; the copy in namespace is read when present, otherwise any copy.
type CABundleRef struct {
	// name is the ConfigMap's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key is the data key holding the PEM certificates.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`

	// namespace is where the original copy lives.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`
}
