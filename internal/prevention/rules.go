package prevention

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// paramSource says where a policy's params come from.
type paramSource int

const (
	// noParams: the rule needs nothing from the profile.
	noParams paramSource = iota
	// profileParams: the profile's generated params ConfigMap (trustedRegistries, label keys…).
	profileParams
	// defaultServiceAccount: the default ServiceAccount of the object's namespace.
	defaultServiceAccount
)

// rule is the admission form of one check at one level: CEL expressions that hold for every
// compliant pod or pod controller. Each expression sees the variables podSpec, podMeta,
// containers (containers, init containers and ephemeral containers) and windows.
type rule struct {
	// check is the catalog check the rule enforces.
	check string
	// minLevel is the lowest profile level this form of the rule applies at; a level-dependent
	// check has one rule per level where its criterion changes.
	minLevel benchmarks.Level
	// namespaces makes the rule also judge Namespace objects; namespacesOnly makes it judge
	// nothing else.
	namespaces, namespacesOnly bool
	params                     paramSource
	// partial says what part of the check the rule covers, when it does not cover all of it.
	partial string
	// validations are the expressions and what a violation of each means.
	validations []validation
}

type validation struct {
	expression string
	// message says what is wrong, after the check ID.
	message string
}

// Container-level helpers. sc(c) reads through the optional securityContext.
const (
	workloadOnly = "object.kind == 'Namespace' || "
	notWindows   = "variables.windows || "
)

// baselineCapabilities are the capabilities Pod Security Admission's baseline profile allows.
var baselineCapabilities = "['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', " +
	"'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']"

// rules lists the admission form of every check a ValidatingAdmissionPolicy can express.
func rules() []rule {
	return []rule{
		{check: "WKL-001", minLevel: benchmarks.L1, validations: []validation{{
			expression: "variables.containers.all(c, c.?securityContext.?privileged.orValue(false) != true)",
			message:    "no container, init container or ephemeral container may set securityContext.privileged: true",
		}}},
		{check: "WKL-002", minLevel: benchmarks.L1, validations: []validation{{
			expression: "variables.containers.all(c, c.?securityContext.?capabilities.?add.orValue([]).all(cap, cap in " + baselineCapabilities + "))",
			message: "securityContext.capabilities.add may only contain AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, " +
				"MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID and SYS_CHROOT",
		}}},
		{check: "WKL-003", minLevel: benchmarks.L2, validations: []validation{{
			expression: notWindows + "variables.containers.all(c, " +
				"c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL') && " +
				"c.?securityContext.?capabilities.?add.orValue([]).all(a, a == 'NET_BIND_SERVICE'))",
			message: "every container must set securityContext.capabilities.drop: [\"ALL\"] and add at most NET_BIND_SERVICE",
		}}},
		{check: "WKL-004", minLevel: benchmarks.L2, validations: []validation{{
			expression: notWindows + "variables.containers.all(c, c.?securityContext.?allowPrivilegeEscalation.orValue(true) == false)",
			message:    "every container must set securityContext.allowPrivilegeEscalation: false",
		}}},
		{check: "WKL-005", minLevel: benchmarks.L2, validations: []validation{
			{
				expression: "variables.podSpec.?hostUsers.orValue(true) == false || (" +
					"variables.podSpec.?securityContext.?runAsNonRoot.orValue(true) != false && " +
					"variables.runAsContainers.all(c, c.?securityContext.?runAsNonRoot.orValue(variables.podSpec.?securityContext.?runAsNonRoot.orValue(false)) == true))",
				message: "the pod or every container must set securityContext.runAsNonRoot: true, and none may set it to false",
			},
			{
				expression: "variables.podSpec.?hostUsers.orValue(true) == false || (" +
					"variables.podSpec.?securityContext.?runAsUser.orValue(1) != 0 && " +
					"variables.runAsContainers.all(c, c.?securityContext.?runAsUser.orValue(1) != 0))",
				message: "neither the pod nor a container may set securityContext.runAsUser: 0",
			},
		}},
		{check: "WKL-006", minLevel: benchmarks.L3, validations: []validation{{
			expression: "variables.containers.all(c, " +
				"c.?securityContext.?runAsNonRoot.orValue(variables.podSpec.?securityContext.?runAsNonRoot.orValue(false)) == true && " +
				"!c.?securityContext.?runAsUser.hasValue() && !variables.podSpec.?securityContext.?runAsUser.hasValue())",
			message: "every container must run with runAsNonRoot: true and without a runAsUser override, so the image's own non-root USER is used",
		}}},
		{check: "WKL-008", minLevel: benchmarks.L2, validations: []validation{{
			expression: notWindows + "(" +
				"variables.podSpec.?securityContext.?seccompProfile.?type.orValue('RuntimeDefault') in ['RuntimeDefault', 'Localhost'] && " +
				"variables.containers.all(c, c.?securityContext.?seccompProfile.?type.orValue(" +
				"variables.podSpec.?securityContext.?seccompProfile.?type.orValue('')) in ['RuntimeDefault', 'Localhost']))",
			message: "the pod or every container must set securityContext.seccompProfile.type to RuntimeDefault or Localhost, and none may be Unconfined",
		}}},
		{check: "WKL-009", minLevel: benchmarks.L3, validations: []validation{{
			expression: notWindows + "variables.containers.all(c, " +
				"c.?securityContext.?seccompProfile.orValue(variables.podSpec.?securityContext.?seccompProfile.orValue({})).?type.orValue('') == 'Localhost' && " +
				"c.?securityContext.?seccompProfile.orValue(variables.podSpec.?securityContext.?seccompProfile.orValue({})).?localhostProfile.orValue('') != '')",
			message: "every container must run with a seccompProfile of type Localhost that names its localhostProfile",
		}}},
		{check: "WKL-010", minLevel: benchmarks.L3, validations: []validation{
			{
				expression: "variables.podSpec.?securityContext.?appArmorProfile.?type.orValue('RuntimeDefault') in ['RuntimeDefault', 'Localhost'] && " +
					"variables.containers.all(c, c.?securityContext.?appArmorProfile.?type.orValue('RuntimeDefault') in ['RuntimeDefault', 'Localhost']) && " +
					"variables.podMeta.?annotations.orValue({}).all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || " +
					"variables.podMeta.annotations[k] == '' || variables.podMeta.annotations[k] == 'runtime/default' || variables.podMeta.annotations[k].startsWith('localhost/'))",
				message: "AppArmor must not be Unconfined: appArmorProfile.type and the container.apparmor.security.beta.kubernetes.io annotations must be RuntimeDefault or Localhost",
			},
			{
				expression: "!variables.podSpec.?securityContext.?seLinuxOptions.?type.orValue('').matches(variables.forbiddenSELinux) && " +
					"variables.containers.all(c, !c.?securityContext.?seLinuxOptions.?type.orValue('').matches(variables.forbiddenSELinux))",
				message: "seLinuxOptions.type must not be an unconfined or super-privileged type such as spc_t or unconfined_t",
			},
		}},
		{check: "WKL-011", minLevel: benchmarks.L2, validations: []validation{{
			expression: notWindows + "variables.containers.all(c, c.?securityContext.?readOnlyRootFilesystem.orValue(false) == true)",
			message:    "every container must set securityContext.readOnlyRootFilesystem: true",
		}}},
		{check: "WKL-012", minLevel: benchmarks.L2, validations: []validation{{
			// LimitRange defaults are applied by the LimitRanger admission plugin before
			// validation, so a pod that relies on them passes; pod templates must set them.
			expression: "(variables.podSpec.?containers.orValue([]) + variables.podSpec.?initContainers.orValue([])).all(c, " +
				"['cpu', 'memory'].all(r, " +
				"(r in c.?resources.?limits.orValue({}) || r in variables.podSpec.?resources.?limits.orValue({})) && " +
				"(r in c.?resources.?requests.orValue({}) || r in c.?resources.?limits.orValue({}) || r in variables.podSpec.?resources.?requests.orValue({}))))",
			message: "every container and init container must set resources.limits and resources.requests for cpu and memory (or inherit them from pod-level resources)",
		}}},
		{check: "WKL-013", minLevel: benchmarks.L1, validations: []validation{{
			expression: "!variables.podSpec.?hostNetwork.orValue(false) && !variables.podSpec.?hostPID.orValue(false) && !variables.podSpec.?hostIPC.orValue(false)",
			message:    "the pod must not set hostNetwork, hostPID or hostIPC",
		}}},
		{check: "WKL-014", minLevel: benchmarks.L1, params: profileParams, validations: []validation{
			{
				expression: "variables.hostPaths.all(p, !variables.sensitivePaths.exists(s, " +
					"p == s || (s != '/' && (p.startsWith(s + '/') || p == '/' || s.startsWith(p + '/')))))",
				message: "no hostPath volume may mount a sensitive host path (/, /etc, /boot, /root, /proc, /sys, /dev, /var/lib/kubelet, " +
					"/var/lib/containerd, /var/lib/docker), anything beneath one or a directory above one",
			},
			{
				expression: "variables.hostPaths.all(p, variables.sensitivePaths.exists(s, " +
					"p == s || (s != '/' && (p.startsWith(s + '/') || p == '/' || s.startsWith(p + '/')))) || " +
					"variables.socketNames.exists(n, p.matches(n)) || variables.socketPaths.exists(s, s == p) || " +
					"variables.hostPathAllowlist.exists(e, " +
					"(e.substring(0, e.indexOf('=')) == '' || request.namespace.matches(e.substring(0, e.indexOf('=')))) && " +
					"(e.substring(e.indexOf('=') + 1) == '' || e.substring(e.indexOf('=') + 1) == '/' || " +
					"p == e.substring(e.indexOf('=') + 1) || p.startsWith(e.substring(e.indexOf('=') + 1) + '/'))))",
				message: "every hostPath volume must be allowlisted for its namespace in spec.parameters.hostPathAllowlist",
			},
			{
				expression: "variables.containers.all(c, c.?volumeMounts.orValue([]).all(m, m.?mountPropagation.orValue('') != 'Bidirectional'))",
				message:    "no volume may be mounted with mountPropagation: Bidirectional",
			},
		}},
		{check: "WKL-023", minLevel: benchmarks.L1, namespaces: true, namespacesOnly: true, params: profileParams, validations: []validation{{
			expression: labelPresent("object.metadata", "params.data.classificationLabel"),
			message:    "every namespace must carry the data-classification label with a reviewed value (not the placeholder)",
		}}},
		{check: "WKL-023", minLevel: benchmarks.L2, namespaces: true, params: profileParams, validations: []validation{
			{
				expression: "object.kind != 'Namespace' || (" + labelPresent("object.metadata", "params.data.classificationLabel") + " && " +
					labelPresent("object.metadata", "params.data.ownerLabel") + " && " + labelPresent("object.metadata", "params.data.exposureLabel") + ")",
				message: "every namespace must carry the data-classification, owner and exposure labels with reviewed values (not the placeholder)",
			},
			{
				expression: workloadOnly + "variables.podMeta.?labels[?params.data.appLabel].orValue('') != '' || " +
					"object.metadata.?labels[?params.data.appLabel].orValue('') != ''",
				message: "the workload or its pod template must carry the app identity label",
			},
		}},
		{check: "NET-007", minLevel: benchmarks.L1,
			partial: "the host ports of Pods and pod controllers; Services (NodePort, LoadBalancer, externalIPs) are judged by the audit only",
			validations: []validation{
				{
					expression: "variables.containers.all(c, c.?ports.orValue([]).all(p, " + hostPort + " == 0 || " + hostPort + " >= 1024))",
					message:    "no container may publish a host port below 1024 (on the host network every container port is a host port), whatever the approval",
				},
				{
					expression: exposureApproved("object.metadata") + " || " + exposureApproved("variables.podMeta") + " || " +
						"variables.containers.all(c, c.?ports.orValue([]).all(p, " + hostPort + " < 1024))",
					message: "a workload that publishes host ports must carry the annotation " + check.AnnotationExposureApproved +
						" (a ticket or reason) on itself or its pod template",
				},
			}},
		{check: "IMG-001", minLevel: benchmarks.L2, validations: []validation{{
			expression: "variables.images.all(i, i.contains('@') || " +
				"(i.lastIndexOf(':') > i.lastIndexOf('/') && i.substring(i.lastIndexOf(':') + 1) != 'latest'))",
			message: "every image must have an explicit tag other than latest, or a digest",
		}}},
		{check: "IMG-002", minLevel: benchmarks.L3, validations: []validation{{
			// As github.com/distribution/reference parses it in the audit: a lower-case repository
			// (the registry host may have capitals) and a digest valid for its algorithm.
			expression: "variables.images.all(i, i.matches('^([^/@]*[.:][^/@]*/|localhost/)?[^A-Z@]+@(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$'))",
			message:    "every image must be pinned by a valid digest (image@sha256: and 64 lower-case hex digits)",
		}}},
		{check: "IMG-003", minLevel: benchmarks.L2, params: profileParams, validations: []validation{{
			expression: "variables.imageNames.all(n, variables.trustedRegistries.exists(r, n.matches(r)))",
			message:    "every image must come from a registry listed in spec.parameters.trustedRegistries",
		}}},
		{check: "RBAC-009", minLevel: benchmarks.L2, params: defaultServiceAccount, validations: []validation{{
			expression: "variables.podSpec.?serviceAccountName.orValue(variables.podSpec.?serviceAccount.orValue('')) in ['', 'default'] ? " +
				"variables.podSpec.?automountServiceAccountToken.orValue(params.?automountServiceAccountToken.orValue(true)) == false : true",
			message: "a pod that runs as the default ServiceAccount must not mount its token: set automountServiceAccountToken: false on the pod or on the namespace's default ServiceAccount",
		}}},
	}
}

// hostPort is the host port a container port p publishes: every container port on the host
// network (where the API server requires hostPort to equal containerPort when set), otherwise
// its hostPort.
const hostPort = "(variables.podSpec.?hostNetwork.orValue(false) ? p.containerPort : p.?hostPort.orValue(0))"

// exposureApproved is a CEL expression saying the metadata carries the exposure approval
// annotation with a value other than empty or "false", as the audit reads it.
func exposureApproved(meta string) string {
	v := meta + ".?annotations[?" + celString(check.AnnotationExposureApproved) + "].orValue('').trim()"
	return "(" + v + " != '' && " + v + ".lowerAscii() != 'false')"
}

// labelPresent is a CEL expression saying the object's label (key from params) is set to a
// value other than the placeholder.
func labelPresent(meta, key string) string {
	return "(" + meta + ".?labels[?" + key + "].orValue('') != '' && " +
		meta + ".?labels[?" + key + "].orValue('') != params.data.placeholder)"
}
