package check

// LifecycleParams are the parameters of the operational WKL- checks (WKL-016 to WKL-030).
type LifecycleParams struct {
	// RemoteLoginPorts are container and Service ports that reveal a remote-login service
	// (WKL-016): SSH and RDP by default.
	RemoteLoginPorts []int32
	// RemoteLoginDaemons are glob patterns of executable names, looked for in container command
	// and args, that start a remote-login daemon (WKL-016).
	RemoteLoginDaemons []string
	// SpreadTopologyKeys are the topology keys whose pod anti-affinity or topology spread
	// constraints keep replicas off a single node (WKL-021). A zone key qualifies too, because
	// pods in different zones are necessarily on different nodes.
	SpreadTopologyKeys []string
	// RecreateStrategyAnnotation, with any non-empty value on a Deployment, justifies the
	// Recreate strategy, e.g. for a ReadWriteOnce volume (WKL-022).
	RecreateStrategyAnnotation string
	// PlaceholderLabelValue is the value the LabelNamespaces action writes into a missing label;
	// it still counts as missing until a person replaces it (WKL-023).
	PlaceholderLabelValue string
	// SandboxRuntimeHandlers are glob patterns of RuntimeClass handlers that run pods in a
	// sandbox with its own kernel, such as Kata Containers or gVisor (WKL-026).
	SandboxRuntimeHandlers []string
	// IsolationLabel and IsolationLabelValue mark a namespace whose pods must run in a sandboxed
	// RuntimeClass (WKL-026).
	IsolationLabel      string
	IsolationLabelValue string
	// StatefulImages are glob patterns of image names (the last path segment, without registry,
	// tag or digest) of software that keeps data and needs a persistent volume (WKL-029).
	StatefulImages []string
}

func defaultLifecycleParams() LifecycleParams {
	return LifecycleParams{
		RemoteLoginPorts:           []int32{22, 3389},
		RemoteLoginDaemons:         []string{"sshd", "dropbear", "xrdp", "*telnetd"},
		SpreadTopologyKeys:         []string{"kubernetes.io/hostname", "topology.kubernetes.io/zone"},
		RecreateStrategyAnnotation: "kubeposture.io/recreate-reason",
		PlaceholderLabelValue:      "unclassified",
		SandboxRuntimeHandlers:     []string{"kata*", "runsc*", "gvisor*"},
		IsolationLabel:             "kubeposture.io/isolation",
		IsolationLabelValue:        "strong",
		StatefulImages: []string{
			"postgres", "postgresql", "mysql", "mariadb", "mongo", "mongodb", "redis", "valkey",
			"elasticsearch", "opensearch", "cassandra", "etcd", "rabbitmq", "kafka", "cp-kafka",
			"zookeeper", "cp-zookeeper", "minio", "clickhouse-server", "influxdb", "neo4j", "couchdb",
		},
	}
}

// WorkloadParams are the parameters of the pod-security WKL- checks (WKL-001 to WKL-015).
type WorkloadParams struct {
	// ExemptInitContainersFromNonRoot lets init containers run as root in WKL-005: S3.1 allows
	// root privileges during initialisation, while Pod Security Admission's restricted profile
	// does not. Off by default.
	ExemptInitContainersFromNonRoot bool
	// ForbiddenSELinuxTypes are SELinux process types that lift confinement (WKL-010), such as
	// spc_t (super-privileged container) and unconfined_t. Globs are allowed.
	ForbiddenSELinuxTypes []string
	// SensitiveHostPaths are host paths no workload may mount in any namespace (WKL-014): the
	// path itself, anything beneath it and any directory above it. "/" matches only itself.
	SensitiveHostPaths []string
	// HostPathAllowlist lists the other host paths a namespace may mount (WKL-014); a hostPath
	// volume matching no entry fails.
	HostPathAllowlist []HostPathAllowance
	// RuntimeSocketNames are file names of container-runtime sockets (globs allowed), matched
	// against the last element of hostPath.path wherever it lies (WKL-015).
	RuntimeSocketNames []string
	// RuntimeSocketPaths are the usual locations of runtime sockets; a hostPath volume of one of
	// these paths or of a directory above one exposes the socket (WKL-015).
	RuntimeSocketPaths []string
	// RuntimeSocketRoleLabel is the workload label that marks monitoring or management agents,
	// which S3.15 allows to mount a runtime socket read-only (WKL-015).
	RuntimeSocketRoleLabel string
	// RuntimeSocketRoles are the values of RuntimeSocketRoleLabel that qualify for the exception.
	RuntimeSocketRoles []string
	// RuntimeSocketNoException applies seed 002 D26: no workload may mount a runtime socket, not
	// even a read-only monitoring agent.
	RuntimeSocketNoException bool
}

// HostPathAllowance lets the workloads of matching namespaces mount a host path (WKL-014).
type HostPathAllowance struct {
	// Namespace is a namespace name or glob; empty matches every namespace.
	Namespace string
	// Path is a host path the allowance covers, with everything beneath it; empty covers every
	// path that is not sensitive.
	Path string
}

func defaultWorkloadParams() WorkloadParams {
	return WorkloadParams{
		ForbiddenSELinuxTypes: []string{"spc_t", "unconfined_t"},
		SensitiveHostPaths: []string{
			"/", "/etc", "/boot", "/root", "/proc", "/sys", "/dev",
			"/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker",
		},
		RuntimeSocketNames: []string{
			"docker.sock", "containerd.sock", "crio.sock", "dockershim.sock", "cri-dockerd.sock",
		},
		RuntimeSocketPaths: []string{
			"/var/run/docker.sock", "/run/docker.sock",
			"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
			"/run/crio/crio.sock", "/var/run/crio/crio.sock",
			"/var/run/dockershim.sock", "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
		},
		RuntimeSocketRoleLabel: "kubeposture.io/role",
		RuntimeSocketRoles:     []string{"monitoring", "management"},
	}
}
