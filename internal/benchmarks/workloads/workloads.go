package workloads

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/policy"
)

// workloadChecks returns the WKL- checks: pod and workload specifications.
func workloadChecks() []check.Check {
	return []check.Check{
		{
			ID:       "WKL-001",
			Title:    "No container runs privileged",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S3.5"}, NIST: []string{"3.4.3"}, MLPS: []string{"G4f"}, CIS: []string{"5.2.2"},
			},
			Rationale: "A privileged container has every capability and full access to the host's devices; " +
				"escaping it is trivial, so one compromised workload compromises the node.",
			Scope: "The Pod Security baseline control privileged, evaluated with the library on pod templates and running pods, not only at admission.",
			Remediation: "Remove securityContext.privileged: true from every container, init container and " +
				"ephemeral container; grant the specific capabilities the workload needs instead.",
			AutoRemediation: "PodSecurityLabels (warn/audit baseline; enforce when enabled)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckPrivileged())),
		},
		{
			ID:       "WKL-002",
			Title:    "No container adds a capability outside the baseline set",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S3.5"}, CIS: []string{"5.2.9"},
			},
			Rationale: "Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container most of the " +
				"power of a privileged one (mounting filesystems, reconfiguring the host network, reading other " +
				"processes), so they open the same escape routes.",
			Scope: "The Pod Security baseline control capabilities_baseline, evaluated with the library.",
			Remediation: "Remove every capability outside AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, " +
				"MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT from " +
				"securityContext.capabilities.add; move a workload that truly needs one to an exempt namespace " +
				"and record the exemption.",
			AutoRemediation: "PodSecurityLabels (warn/audit baseline; enforce when enabled)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckCapabilitiesBaseline())),
		},
		{
			ID:       "WKL-003",
			Title:    "Every container drops all capabilities and adds back at most NET_BIND_SERVICE",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				CIS: []string{"5.2.8", "5.2.10"},
			},
			Rationale: "The runtime's default capability set still includes NET_RAW, SETUID and others an " +
				"application rarely needs; dropping ALL leaves an attacker in the container nothing to abuse " +
				"(PSA restricted profile).",
			Scope: "The Pod Security restricted control capabilities_restricted, required from L2. CIS 5.2.8 and 5.2.10 ask only to minimise NET_RAW and added capabilities; this check asks for drop ALL, as restricted does.",
			Remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container and add back only " +
				"NET_BIND_SERVICE when the process binds a port below 1024.",
			AutoRemediation: "PodSecurityLabels (warn/audit restricted)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckCapabilitiesRestricted())),
		},
		{
			ID:       "WKL-004",
			Title:    "Every container sets allowPrivilegeEscalation: false",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.5"}, CIS: []string{"5.2.6"},
			},
			Rationale: "Unless allowPrivilegeEscalation is false, a process can gain privileges through setuid " +
				"binaries or file capabilities, undoing a non-root user and dropped capabilities. The default " +
				"is to allow it, so it must be set explicitly.",
			Scope: "The Pod Security restricted control allowPrivilegeEscalation, required from L2 (CIS 5.2.6 asks to minimise it; restricted forbids it).",
			Remediation: "Set securityContext.allowPrivilegeEscalation: false on every container, init container " +
				"and ephemeral container.",
			AutoRemediation: "PodSecurityLabels (warn/audit restricted)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckAllowPrivilegeEscalation())),
		},
		{
			ID:       "WKL-005",
			Title:    "Containers run as a non-root user",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S3.1"}, MLPS: []string{"G4f", "G6b"}, CIS: []string{"5.2.7"},
			},
			Rationale: "Root in a container is root on the host's kernel: any escape or writable host mount is " +
				"then a host compromise. As in Pod Security Admission, a pod in its own user namespace " +
				"(hostUsers: false) passes, because its root maps to an unprivileged host user; init " +
				"containers are judged too unless ExemptInitContainersFromNonRoot is set, as S3.1 permits.",
			Scope: "The Pod Security restricted controls runAsNonRoot and runAsUser, from L2. It differs in one way the standard allows: init containers may be exempted with ExemptInitContainersFromNonRoot (S3.1); WKL-031 does not re-judge them.",
			Remediation: "Set securityContext.runAsNonRoot: true on the pod (or every container) and remove any " +
				"runAsUser: 0; build the image with a non-root USER.",
			AutoRemediation: "PodSecurityLabels (warn/audit restricted; enforce when enabled)",
			Evaluate: eachWorkload(func(s *check.Snapshot, w *check.Workload) []string {
				spec := w.Spec
				if s.Params.Workload.ExemptInitContainersFromNonRoot && len(spec.InitContainers) > 0 {
					trimmed := *spec // a shallow copy: the snapshot's spec is never modified
					trimmed.InitContainers = nil
					spec = &trimmed
				}
				return psaProblems(w, spec, newPSARule(policy.CheckRunAsNonRoot()), newPSARule(policy.CheckRunAsUser()))
			}),
		},
		{
			ID:       "WKL-006",
			Title:    "Containers run as the non-root user their image defines",
			Domain:   check.DomainWorkloads,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.3"}, MLPS: []string{"G6b"},
			},
			Rationale: "With runAsNonRoot: true and no runAsUser, the kubelet refuses to start an image whose USER " +
				"is root, so only images built with a dedicated user run; a runAsUser override hides what the " +
				"image defines. This check reads the pod specs only; it does not fetch image configurations " +
				"from the registry.",
			Remediation: "Give every image a non-root USER in its Dockerfile, set runAsNonRoot: true and remove " +
				"runAsUser from the pod and container security contexts.",
			Evaluate: eachWorkload(func(_ *check.Snapshot, w *check.Workload) []string {
				var problems []string
				check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
					nonRoot, uid, level := check.EffectiveRunAs(w.Spec.SecurityContext, c.SecurityContext)
					switch {
					case nonRoot == nil || !*nonRoot:
						problems = append(problems, fmt.Sprintf("%s does not run with runAsNonRoot=true", check.ContainerRef(c, kind)))
					case uid != nil:
						problems = append(problems, fmt.Sprintf("%s runs as runAsUser=%d (set on the %s) instead of the image's USER",
							check.ContainerRef(c, kind), *uid, level))
					}
				})
				return problems
			}),
		},
		{
			ID:       "WKL-007",
			Title:    "Pods run in their own user namespace (hostUsers: false)",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.2"},
			},
			Rationale: "In a user namespace, root and every other UID of the container map to unprivileged host " +
				"UIDs, so an escape does not land as root on the node. Nodes need user-namespace support in " +
				"kernel and runtime; the check is NotApplicable when no node reports it in " +
				"status.runtimeHandlers.",
			Remediation: "Set spec.hostUsers: false in the pod templates once the nodes report user-namespace " +
				"support; pods that need a host namespace cannot use it and need an exemption.",
			Evaluate: func(s *check.Snapshot) []check.Finding {
				if s.Source == check.SourceCluster && len(s.Nodes) > 0 && !anyNodeSupportsUserNamespaces(s.Nodes) {
					return []check.Finding{check.NotApplicablef("no node reports user-namespace support " +
						"(status.runtimeHandlers[].features.userNamespaces), so pods cannot set hostUsers: false")}
				}
				return eachWorkload(func(_ *check.Snapshot, w *check.Workload) []string {
					if !isPodSpec(w.Spec) || isWindowsPod(w.Spec) {
						return nil
					}
					if w.Spec.HostUsers != nil && !*w.Spec.HostUsers {
						return nil
					}
					return []string{"pod does not set hostUsers: false, so it shares the host's user namespace"}
				})(s)
			},
		},
		{
			ID:       "WKL-008",
			Title:    "Every container runs with the RuntimeDefault or a Localhost seccomp profile",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.4"}, NIST: []string{"4.4.3"}, CIS: []string{"5.7.2"},
			},
			Rationale: "Without a seccomp profile a container can make every system call, including the rarely " +
				"used ones most kernel exploits rely on. This check reads the pod specs; a kubelet with " +
				"seccompDefault: true is a node setting it does not see, so pods that rely on it must set the " +
				"profile or be exempted.",
			Scope: "The Pod Security restricted control seccompProfile_restricted, from L2. The baseline control (no Unconfined profile) is judged at L1 by WKL-031. A kubelet with seccompDefault is not seen, unlike at runtime.",
			Remediation: "Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost) on the pod, and " +
				"remove any Unconfined profile from its containers.",
			AutoRemediation: "PodSecurityLabels (warn/audit restricted)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckSeccompProfileRestricted())),
		},
		{
			ID:       "WKL-009",
			Title:    "Every container runs with a specific Localhost seccomp profile",
			Domain:   check.DomainWorkloads,
			Level:    check.L3,
			Severity: check.SeverityLow,
			References: check.References{
				Standard: []string{"S3.4"}, NIST: []string{"4.4.3"},
			},
			Rationale: "The runtime's default seccomp profile allows hundreds of system calls; a profile written " +
				"for the application allows only the ones it uses, which shrinks the kernel surface an attacker " +
				"can reach.",
			Remediation: "Generate a profile per application (for example with the Security Profiles Operator), " +
				"install it on the nodes and set seccompProfile.type: Localhost with localhostProfile on the pod " +
				"or each container.",
			Evaluate: eachWorkload(func(_ *check.Snapshot, w *check.Workload) []string {
				if isWindowsPod(w.Spec) {
					return nil
				}
				var problems []string
				check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
					if p := seccompProblem(w.Spec.SecurityContext, c.SecurityContext); p != "" {
						problems = append(problems, check.ContainerRef(c, kind)+" "+p)
					}
				})
				return problems
			}),
		},
		{
			ID:       "WKL-010",
			Title:    "No container runs without AppArmor or SELinux confinement",
			Domain:   check.DomainWorkloads,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S2.6"}, NIST: []string{"4.4.3"},
			},
			Rationale: "AppArmor and SELinux confine what a container's processes may touch even when other " +
				"controls fail; an Unconfined AppArmor profile or an SELinux type such as spc_t or unconfined_t " +
				"switches that protection off. Whether the nodes enforce AppArmor or SELinux at all is a node " +
				"fact, checked separately.",
			Scope: "AppArmor (the Pod Security baseline control appArmorProfile) plus SELinux types the profile forbids (spc_t, unconfined_t…), at L3. WKL-031 judges the Pod Security seLinuxOptions control at every level, and appArmorProfile below L3.",
			Remediation: "Remove appArmorProfile.type: Unconfined and the legacy annotation " +
				"container.apparmor.security.beta.kubernetes.io/<container>: unconfined; use RuntimeDefault or a " +
				"Localhost profile, and drop seLinuxOptions types such as spc_t and unconfined_t.",
			Evaluate: eachWorkload(func(s *check.Snapshot, w *check.Workload) []string {
				problems := psaProblems(w, w.Spec, newPSARule(policy.CheckAppArmorProfile()))
				return append(problems, seLinuxProblems(w.Spec, s.Params.Workload.ForbiddenSELinuxTypes)...)
			}),
		},
		{
			ID:       "WKL-011",
			Title:    "Every container has a read-only root filesystem",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S3.9"}, NIST: []string{"4.4.4"},
			},
			Rationale: "A writable root filesystem lets an attacker drop tools, alter binaries and persist for " +
				"the life of the container; read-only, the application writes only to the volumes it declares.",
			Remediation: "Set securityContext.readOnlyRootFilesystem: true on every container and mount emptyDir " +
				"volumes where the application needs scratch space (/tmp, caches).",
			Evaluate: eachWorkload(func(_ *check.Snapshot, w *check.Workload) []string {
				if isWindowsPod(w.Spec) {
					return nil
				}
				var problems []string
				check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
					sc := c.SecurityContext
					if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
						problems = append(problems, check.ContainerRef(c, kind)+" does not set readOnlyRootFilesystem=true")
					}
				})
				return problems
			}),
		},
		{
			ID:       "WKL-012",
			Title:    "Containers have CPU and memory limits and requests; namespaces have a LimitRange and a ResourceQuota",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S2.5", "S12.2"}, MLPS: []string{"G7d"},
			},
			Rationale: "A container without limits can starve its neighbours of CPU and memory, turning one " +
				"runaway or compromised workload into a node-wide outage; a namespace without a LimitRange and a " +
				"ResourceQuota has no ceiling at all. Defaults a LimitRange gives and pod-level resources count.",
			Remediation: "Set resources.limits and resources.requests for cpu and memory on every container and " +
				"init container, and create a LimitRange (with default limits) and a ResourceQuota in every " +
				"application namespace.",
			Evaluate: func(s *check.Snapshot) []check.Finding {
				out := eachWorkload(func(s *check.Snapshot, w *check.Workload) []string {
					limits, requests := containerDefaults(s, w.Ref.Namespace)
					return resourceProblems(w, limits, requests)
				})(s)
				for _, ns := range s.ScopedNamespaces() {
					var missing []string
					if !hasLimitRange(s, ns.Name) {
						missing = append(missing, "LimitRange")
					}
					if !hasResourceQuota(s, ns.Name) {
						missing = append(missing, "ResourceQuota")
					}
					if len(missing) > 0 {
						out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name},
							"namespace has no %s", strings.Join(missing, " and no ")))
					}
				}
				return out
			},
		},
		{
			ID:       "WKL-013",
			Title:    "No pod shares the host's network, PID or IPC namespace",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				CIS: []string{"5.2.3", "5.2.4", "5.2.5"},
			},
			Rationale: "hostPID exposes every process on the node, hostIPC its shared memory, and hostNetwork its " +
				"interfaces, loopback services and (since Kubernetes has no separate field) its UTS namespace; " +
				"each bypasses the isolation that keeps one pod from reaching the node and its neighbours.",
			Scope: "The Pod Security baseline control hostNamespaces (CIS 5.2.3–5.2.5), evaluated with the library.",
			Remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec; run node agents that need " +
				"them in an exempt system namespace.",
			AutoRemediation: "PodSecurityLabels (warn/audit baseline; enforce when enabled)",
			Evaluate:        psaEvaluate(newPSARule(policy.CheckHostNamespaces())),
		},
		{
			ID:       "WKL-014",
			Title:    "Pods mount no sensitive or unapproved host path and use no Bidirectional mount propagation",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				NIST: []string{"3.4.3", "4.5.5"}, CIS: []string{"5.2.12"},
			},
			Rationale: "A container that mounts /etc, /var/lib/kubelet or a directory above them can read node " +
				"credentials or rewrite the host's configuration, read-only or not; Bidirectional propagation " +
				"lets a container's mounts appear on the host. Other host paths need an allowlist entry. " +
				"Runtime sockets are judged by WKL-015.",
			Scope: "Wider and narrower than the Pod Security baseline control hostPathVolumes (CIS 5.2.12): sensitive host paths fail in every namespace, including system ones, while paths in the profile's hostPathAllowlist are accepted where baseline forbids every hostPath; Bidirectional mount propagation is also reported. At L2 the restricted control restrictedVolumes (WKL-031) still forbids hostPath.",
			Remediation: "Replace hostPath volumes with emptyDir, ConfigMap or persistent volumes; add the paths " +
				"a node agent really needs to HostPathAllowlist for its namespace; use mountPropagation " +
				"HostToContainer or None.",
			AutoRemediation: "PodSecurityLabels (warn/audit baseline; enforce when enabled)",
			Evaluate: eachWorkload(func(s *check.Snapshot, w *check.Workload) []string {
				return hostPathProblems(&s.Params.Workload, w)
			}),
		},
		{
			ID:       "WKL-015",
			Title:    "No container mounts a container-runtime socket",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityCritical,
			References: check.References{
				Standard: []string{"S3.15"}, NIST: []string{"4.5.5"},
			},
			Rationale: "The runtime's socket (docker.sock, containerd.sock, crio.sock) accepts commands to start " +
				"privileged containers on the node, so mounting it gives the container root on the host. S3.15 " +
				"allows a monitoring or management agent a read-only mount; RuntimeSocketNoException removes " +
				"that exception.",
			Remediation: "Remove the socket's hostPath volume. A monitoring or management agent that needs it " +
				"carries the kubeposture.io/role label (monitoring or management) and mounts it with " +
				"readOnly: true.",
			Evaluate: eachWorkload(func(s *check.Snapshot, w *check.Workload) []string {
				return runtimeSocketProblems(&s.Params.Workload, w)
			}),
		},
	}
}

// eachWorkload returns an Evaluate function that reports every in-scope workload once, with
// the problems judge finds in it joined, so the offending count is a count of workloads.
func eachWorkload(judge func(s *check.Snapshot, w *check.Workload) []string) func(s *check.Snapshot) []check.Finding {
	return func(s *check.Snapshot) []check.Finding {
		var out []check.Finding
		workloads := s.Workloads()
		for i := range workloads {
			w := &workloads[i]
			if problems := judge(s, w); len(problems) > 0 {
				out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
}

// psaProblems returns the violations of the Pod Security Admission rules by spec, which is
// the workload's spec or a trimmed copy of it.
func psaProblems(w *check.Workload, spec *corev1.PodSpec, rules ...psaRule) []string {
	var problems []string
	for _, r := range rules {
		if v := r.violation(w.Template, spec); v != "" {
			problems = append(problems, v)
		}
	}
	return problems
}

// isPodSpec reports whether spec is a whole pod spec: a pod folded into its controller is
// represented by its ephemeral containers alone, and its pod-level fields are judged on the
// controller.
func isPodSpec(spec *corev1.PodSpec) bool { return len(spec.Containers) > 0 }

// isWindowsPod reports whether the pod declares Windows, where Linux-only security fields
// (seccomp, readOnlyRootFilesystem, user namespaces) cannot be set.
func isWindowsPod(spec *corev1.PodSpec) bool {
	return spec.OS != nil && spec.OS.Name == corev1.Windows
}

// seccompProblem says why a container's effective seccomp profile is not a specific Localhost
// profile, or returns "".
func seccompProblem(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) string {
	var profile *corev1.SeccompProfile
	if pod != nil {
		profile = pod.SeccompProfile
	}
	if c != nil && c.SeccompProfile != nil {
		profile = c.SeccompProfile
	}
	switch {
	case profile == nil:
		return "has no seccomp profile"
	case profile.Type != corev1.SeccompProfileTypeLocalhost:
		return fmt.Sprintf("uses seccomp profile type %s, not a Localhost profile", profile.Type)
	case profile.LocalhostProfile == nil || *profile.LocalhostProfile == "":
		return "uses a Localhost seccomp profile without localhostProfile"
	}
	return ""
}

// seLinuxProblems lists the pod and containers whose seLinuxOptions.type is forbidden.
func seLinuxProblems(spec *corev1.PodSpec, forbidden []string) []string {
	var problems []string
	inspect := func(who string, opts *corev1.SELinuxOptions) {
		if opts == nil || opts.Type == "" {
			return
		}
		for _, pattern := range forbidden {
			if glob.Match(pattern, opts.Type) {
				problems = append(problems, fmt.Sprintf("%s sets seLinuxOptions.type %s", who, opts.Type))
				return
			}
		}
	}
	if spec.SecurityContext != nil {
		inspect("pod", spec.SecurityContext.SELinuxOptions)
	}
	check.EachContainer(spec, func(c *corev1.Container, kind check.ContainerKind) {
		if c.SecurityContext != nil {
			inspect(check.ContainerRef(c, kind), c.SecurityContext.SELinuxOptions)
		}
	})
	return problems
}

// The resources WKL-012 requires on every container.
var requiredResources = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// containerDefaults returns the default limits and requests the namespace's LimitRanges give
// containers at admission; a default limit is also the default request when none is set.
func containerDefaults(s *check.Snapshot, ns string) (limits, requests corev1.ResourceList) {
	limits, requests = corev1.ResourceList{}, corev1.ResourceList{}
	for _, lr := range s.LimitRanges {
		if lr.Namespace != ns {
			continue
		}
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			for name, q := range item.Default {
				limits[name] = q
				requests[name] = q
			}
			for name, q := range item.DefaultRequest {
				requests[name] = q
			}
		}
	}
	return limits, requests
}

// resourceProblems lists the containers and init containers (ephemeral containers cannot have
// resources) missing a cpu or memory limit or request, after pod-level resources and the
// namespace's LimitRange defaults. A request defaults to the limit, as the API server does.
func resourceProblems(w *check.Workload, defLimits, defRequests corev1.ResourceList) []string {
	var pod corev1.ResourceRequirements
	if w.Spec.Resources != nil {
		pod = *w.Spec.Resources
	}
	var problems []string
	check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
		if kind == check.EphemeralContainer {
			return
		}
		var missing []string
		for _, name := range requiredResources {
			if !hasQuantity(name, c.Resources.Limits, pod.Limits, defLimits) {
				missing = append(missing, "limits."+string(name))
			}
			if !hasQuantity(name, c.Resources.Requests, c.Resources.Limits, pod.Requests, defRequests) {
				missing = append(missing, "requests."+string(name))
			}
		}
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%s has no %s", check.ContainerRef(c, kind), strings.Join(missing, ", ")))
		}
	})
	return problems
}

// hasQuantity reports whether any of the lists sets name.
func hasQuantity(name corev1.ResourceName, lists ...corev1.ResourceList) bool {
	for _, l := range lists {
		if _, ok := l[name]; ok {
			return true
		}
	}
	return false
}

func hasLimitRange(s *check.Snapshot, ns string) bool {
	for _, lr := range s.LimitRanges {
		if lr.Namespace == ns {
			return true
		}
	}
	return false
}

func hasResourceQuota(s *check.Snapshot, ns string) bool {
	for _, rq := range s.ResourceQuotas {
		if rq.Namespace == ns {
			return true
		}
	}
	return false
}

// cleanHostPath normalises a hostPath so that "/etc/", "/etc/." and "/var/../etc" compare equal.
func cleanHostPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

// hostPathWithin reports whether p is dir or lies beneath it.
func hostPathWithin(p, dir string) bool {
	switch dir {
	case "":
		return false
	case "/":
		return strings.HasPrefix(p, "/")
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// sensitiveHostPath returns the sensitive path p exposes: p is it, lies beneath it, or is a
// directory above it. "/" is only matched by "/" itself, which lies above every other entry.
func sensitiveHostPath(p string, sensitive []string) (string, bool) {
	for _, e := range sensitive {
		e = cleanHostPath(e)
		if e == "" {
			continue
		}
		if p == e || (e != "/" && (hostPathWithin(p, e) || hostPathWithin(e, p))) {
			return e, true
		}
	}
	return "", false
}

// hostPathAllowed reports whether an allowlist entry lets namespace ns mount p.
func hostPathAllowed(p, ns string, allow []check.HostPathAllowance) bool {
	for _, a := range allow {
		if a.Namespace != "" && !glob.Match(a.Namespace, ns) {
			continue
		}
		if a.Path == "" || hostPathWithin(p, cleanHostPath(a.Path)) {
			return true
		}
	}
	return false
}

// hostPathProblems lists the sensitive, unapproved and Bidirectional mounts of a workload.
func hostPathProblems(params *check.WorkloadParams, w *check.Workload) []string {
	var problems []string
	for _, v := range w.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		p := cleanHostPath(v.HostPath.Path)
		if e, ok := sensitiveHostPath(p, params.SensitiveHostPaths); ok {
			if e == p {
				problems = append(problems, fmt.Sprintf("hostPath volume %q mounts the sensitive path %s", v.Name, p))
			} else {
				problems = append(problems, fmt.Sprintf("hostPath volume %q mounts %s, which overlaps the sensitive path %s", v.Name, p, e))
			}
			continue
		}
		if _, direct := runtimeSocket(p, params); direct {
			continue // a socket file is judged by WKL-015, with its monitoring exception
		}
		if !hostPathAllowed(p, w.Ref.Namespace, params.HostPathAllowlist) {
			problems = append(problems, fmt.Sprintf("hostPath volume %q mounts %s, which is not allowlisted for namespace %s",
				v.Name, p, w.Ref.Namespace))
		}
	}
	check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
		for _, m := range c.VolumeMounts {
			if m.MountPropagation != nil && *m.MountPropagation == corev1.MountPropagationBidirectional {
				problems = append(problems, fmt.Sprintf("%s mounts volume %q with mountPropagation Bidirectional", check.ContainerRef(c, kind), m.Name))
			}
		}
	})
	return problems
}

// runtimeSocket returns the runtime socket hostPath p exposes. direct is true when p is the
// socket itself rather than a directory holding it.
func runtimeSocket(p string, params *check.WorkloadParams) (socket string, direct bool) {
	for _, name := range params.RuntimeSocketNames {
		if name != "" && name != "*" && glob.Match(name, path.Base(p)) {
			return p, true
		}
	}
	for _, sp := range params.RuntimeSocketPaths {
		sp = cleanHostPath(sp)
		if sp == "" {
			continue
		}
		if p == sp {
			return p, true
		}
		if hostPathWithin(sp, p) {
			return sp, false
		}
	}
	return "", false
}

// runtimeSocketProblems lists the runtime sockets a workload mounts without qualifying for the
// S3.15 exception: a monitoring or management workload that mounts the socket read-only.
func runtimeSocketProblems(params *check.WorkloadParams, w *check.Workload) []string {
	var problems []string
	for _, v := range w.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		p := cleanHostPath(v.HostPath.Path)
		socket, direct := runtimeSocket(p, params)
		if socket == "" {
			continue
		}
		what := fmt.Sprintf("hostPath volume %q mounts the runtime socket %s", v.Name, socket)
		if !direct {
			what = fmt.Sprintf("hostPath volume %q mounts %s, which holds the runtime socket %s", v.Name, p, socket)
		}
		switch writers := writableMounts(w.Spec, v.Name); {
		case params.RuntimeSocketNoException:
			problems = append(problems, what)
		case !hasRuntimeSocketRole(params, w):
			problems = append(problems, fmt.Sprintf("%s, but the workload is not labelled %s=%s", what,
				params.RuntimeSocketRoleLabel, strings.Join(params.RuntimeSocketRoles, "|")))
		case len(writers) > 0:
			problems = append(problems, fmt.Sprintf("%s, writable in %s", what, check.ContainerNames(writers)))
		}
	}
	return problems
}

// writableMounts names the containers that mount the volume without readOnly: true.
func writableMounts(spec *corev1.PodSpec, volume string) []string {
	var out []string
	check.EachContainer(spec, func(c *corev1.Container, kind check.ContainerKind) {
		for _, m := range c.VolumeMounts {
			if m.Name == volume && !m.ReadOnly {
				out = append(out, check.ContainerRef(c, kind))
				return
			}
		}
	})
	return out
}

// hasRuntimeSocketRole reports whether the workload or its pods carry a monitoring or
// management role label.
func hasRuntimeSocketRole(params *check.WorkloadParams, w *check.Workload) bool {
	if params.RuntimeSocketRoleLabel == "" {
		return false
	}
	for _, meta := range []map[string]string{w.Template.Labels, w.Object.Labels} {
		v, ok := meta[params.RuntimeSocketRoleLabel]
		if !ok {
			continue
		}
		for _, role := range params.RuntimeSocketRoles {
			if v == role {
				return true
			}
		}
	}
	return false
}

// anyNodeSupportsUserNamespaces reports whether a node's runtime reports user-namespace
// support; the kubelet fills the field only when the feature is enabled.
func anyNodeSupportsUserNamespaces(nodes []*corev1.Node) bool {
	for _, n := range nodes {
		for _, h := range n.Status.RuntimeHandlers {
			if h.Features != nil && h.Features.UserNamespaces != nil && *h.Features.UserNamespaces {
				return true
			}
		}
	}
	return false
}
