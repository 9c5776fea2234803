package workloads

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/admission"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	psaapi "k8s.io/pod-security-admission/api"
)

// lifecycleChecks returns the WKL- checks about how workloads are run and operated.
func lifecycleChecks() []check.Check {
	return []check.Check{
		{
			ID:         "WKL-016",
			Title:      "No container offers a remote-login service",
			Domain:     check.DomainWorkloads,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S3.12"}, NIST: []string{"4.1.2"}},
			Rationale: "An SSH or RDP daemon in a container is a second, unaudited way in that bypasses " +
				"Kubernetes RBAC and audit logging and usually carries long-lived credentials. The check " +
				"looks for the ports and for the daemon in command and args; a daemon started by the image's " +
				"own entrypoint is only visible to a process listing on the node.",
			Remediation: "Remove the SSH/RDP daemon and its port from the image and the pod spec, and delete " +
				"Services that publish port 22 or 3389; use kubectl exec or debug, which RBAC controls and the " +
				"audit log records.",
			Evaluate: lcRemoteLogin,
		},
		{
			ID:         "WKL-017",
			Title:      "Troubleshooting containers are removed after use",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S3.10"}},
			Rationale: "Ephemeral debug containers cannot be removed from a pod, so a debugged pod keeps the " +
				"debug image and its tools until it is replaced; node-debugger pods share the node's " +
				"namespaces and root filesystem. A privileged debug container is full control of the node.",
			Remediation: "Delete node-debugger pods when done and recreate pods that carry ephemeral containers " +
				"(for controller-owned pods, delete the pod or run kubectl rollout restart). Never debug with " +
				"--profile=sysadmin outside an incident.",
			Evaluate: lcDebugContainers,
		},
		{
			ID:         "WKL-018",
			Title:      "Containers that are no longer needed are removed",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S4.8"}},
			Rationale: "Terminated and evicted pods keep their specs, logs and volumes around, clutter audits " +
				"and hide real failures; finished Jobs without a TTL keep their pods forever, and bare pods " +
				"tend to be forgotten one-offs.",
			Remediation: "Delete terminated pods, set spec.ttlSecondsAfterFinished on Jobs that no CronJob " +
				"owns, and replace bare pods with a Deployment, StatefulSet or Job.",
			AutoRemediation: "DeleteTerminatedPods",
			Evaluate:        lcUnneededPods,
		},
		{
			ID:         "WKL-019",
			Title:      "Every pod is recreated automatically by a controller",
			Domain:     check.DomainWorkloads,
			Level:      check.L1,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S11.4", "S11.5", "S12.3"}, MLPS: []string{"G7a"}},
			Rationale: "A pod without a controller is not recreated when it is deleted, evicted or its node " +
				"fails, and cannot be rebuilt from a declared spec; the S12.3 part (L2) asks for nothing more " +
				"than the controller ownership already required at L1. Static pods are managed by the kubelet " +
				"and are left out.",
			Remediation: "Run the pod from a Deployment, StatefulSet, DaemonSet or Job, and keep " +
				"restartPolicy: Always on long-running workloads.",
			Evaluate: lcSelfHealing,
		},
		{
			ID:         "WKL-020",
			Title:      "Long-running containers have liveness and readiness probes",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S9.4"}, MLPS: []string{"G7a"}},
			Rationale: "Without a liveness probe a hung container is never restarted, and without a readiness " +
				"probe traffic reaches pods that cannot serve it, including during rollouts.",
			Remediation: "Add a livenessProbe and a readinessProbe to every container of each Deployment, " +
				"StatefulSet and DaemonSet.",
			Evaluate: lcProbes,
		},
		{
			ID:         "WKL-021",
			Title:      "Critical workloads survive the loss of a node",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S12.8"}, MLPS: []string{"G7a"}},
			Rationale: "A single replica, or replicas packed onto one node, go down with that node; without a " +
				"PodDisruptionBudget a node drain can evict every replica at once. Only namespaces labelled " +
				check.LabelCritical + "=true are held to this.",
			Remediation: "In critical namespaces run at least 2 replicas, add a PodDisruptionBudget selecting " +
				"the pods, and spread them with pod anti-affinity or topologySpreadConstraints on " +
				"kubernetes.io/hostname.",
			Evaluate: lcNodeLossTolerance,
		},
		{
			ID:         "WKL-022",
			Title:      "Workloads roll out gradually and can be rolled back",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S2.8", "S12.5"}},
			Rationale: "Recreate and OnDelete strategies take the whole workload down or leave updates to " +
				"chance, and a revision history of 0 removes the rollback target. Canary tooling (Argo " +
				"Rollouts, Flagger) is welcome but not required; a Deployment driven by an Argo Rollout is left out.",
			Remediation: "Use strategy RollingUpdate on Deployments (or justify Recreate with the configured " +
				"annotation), updateStrategy RollingUpdate on StatefulSets and DaemonSets, and keep " +
				"revisionHistoryLimit at 1 or more.",
			Evaluate: lcRollout,
		},
		{
			ID:         "WKL-023",
			Title:      "Namespaces and workloads carry the required identification labels",
			Domain:     check.DomainWorkloads,
			Level:      check.L1,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S1.3", "S4.7"}, NIST: []string{"4.3.4", "6.4"}},
			Rationale: "Placement, exposure and incident response all start from knowing what data a " +
				"namespace holds and who owns it. L1 requires the data-classification label on namespaces; " +
				"L2 adds owner and exposure labels on namespaces and an app identity label on workloads.",
			Remediation: "Label every namespace with the classification label (and at L2 the owner and " +
				"exposure labels), replacing any placeholder value, and give every pod template the app " +
				"identity label.",
			AutoRemediation: "LabelNamespaces",
			LevelDependent:  true,
			Evaluate:        lcRequiredLabels,
		},
		{
			ID:         "WKL-024",
			Title:      "Pods on one node share a single data classification",
			Domain:     check.DomainWorkloads,
			Level:      check.L3,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S4.9"}, NIST: []string{"4.3.4", "4.5.2"}},
			Rationale: "Containers share the node's kernel, so a breakout from a low-classification pod reaches " +
				"the data of every pod beside it. Classification comes from the pod's label, else its " +
				"namespace's; DaemonSet pods run everywhere by design and are left out.",
			Remediation: "Give each classification its own node pool: taint the pool, and add a nodeSelector " +
				"or node affinity plus the matching toleration to the workloads of that classification.",
			Evaluate: lcClassificationColocation,
		},
		{
			ID:         "WKL-025",
			Title:      "Exposed pods do not share nodes with internal pods",
			Domain:     check.DomainWorkloads,
			Level:      check.L3,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S4.10"}, NIST: []string{"4.3.4"}},
			Rationale: "Pods behind LoadBalancer or NodePort Services, external IPs, Ingresses or Gateway routes " +
				"are the first to be attacked; on a shared node a breakout from them lands next to internal " +
				"workloads. DaemonSet pods run everywhere by design and are left out.",
			Remediation: "Schedule exposed workloads onto a dedicated, tainted node pool (nodeSelector or node " +
				"affinity plus a toleration) and keep internal workloads off it.",
			Evaluate: lcExposureColocation,
		},
		{
			ID:         "WKL-026",
			Title:      "Strongly isolated namespaces run pods in a sandboxed runtime",
			Domain:     check.DomainWorkloads,
			Level:      check.L3,
			Severity:   check.SeverityMedium,
			References: check.References{MLPS: []string{"G2e"}},
			Rationale: "A sandboxed runtime (Kata Containers, gVisor) gives each pod its own kernel or a " +
				"user-space kernel, so a kernel exploit does not reach the node. The cluster must offer such a " +
				"RuntimeClass, and namespaces labelled for strong isolation must use it.",
			Remediation: "Install a sandboxed runtime on a node pool, create a RuntimeClass for its handler, " +
				"and set spec.runtimeClassName to it on every workload of namespaces labelled for strong isolation.",
			Evaluate: lcSandboxRuntime,
		},
		{
			ID:       "WKL-027",
			Title:    "Every namespace has Pod Security Admission labels at the required level",
			Domain:   check.DomainWorkloads,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S3.5", "S3.1", "S3.9"}, CIS: []string{"5.2.1"},
			},
			Rationale: "Pod Security Admission rejects privileged and otherwise unsafe pods before they run; " +
				"namespace labels are the visible, auditable way to switch it on (cluster-wide defaults in the " +
				"admission configuration file cannot be read through the API). L1 requires enforce at " +
				"baseline or stricter, L2 and L3 restricted; warn and audit must be at least as strict.",
			Scope: "Judges the namespace labels that switch on Pod Security Admission, not the pods: CIS 5.2.1 asks for at least one active policy control mechanism. The pods themselves are judged by WKL-001 to WKL-014 and WKL-031.",
			Remediation: "Label each namespace pod-security.kubernetes.io/enforce, warn and audit with baseline " +
				"(L1) or restricted (L2/L3); start with warn and audit to find violators, then enforce. Record " +
				"exceptions as exemptions of this check.",
			AutoRemediation: "PodSecurityLabels (warn/audit restricted; enforce when enabled)",
			LevelDependent:  true,
			Evaluate:        lcPSALabels,
		},
		{
			ID:       "WKL-028",
			Title:    "An admission policy layer enforces pod policies",
			Domain:   check.DomainWorkloads,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S1.6"}, NIST: []string{"4.1.2", "4.4.5"}, MLPS: []string{"G3b", "G4f"},
				CIS: []string{"5.2.1"},
			},
			Rationale: "Registry, signature and privilege rules only hold if admission rejects violating pods; " +
				"policies in audit mode or behind a fail-open webhook let them through when it matters. The " +
				"check needs one layer that denies, fails closed and applies to pods or their controllers.",
			Remediation: "Bind a ValidatingAdmissionPolicy with validationActions [Deny], or run Kyverno " +
				"(policies with failureAction Enforce) or Gatekeeper (constraints with enforcementAction deny) " +
				"with webhook failurePolicy Fail, covering privileged pods, image registries and signatures.",
			Evaluate: lcAdmissionLayer,
		},
		{
			ID:         "WKL-029",
			Title:      "Stateful software keeps its data on persistent volumes",
			Domain:     check.DomainWorkloads,
			Level:      check.L1,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S8.4"}, NIST: []string{"2.1"}},
			Rationale: "A container's writable layer is lost whenever the pod is replaced, so a database " +
				"without a persistent volume loses its data on the next reschedule. Recognising databases " +
				"by image name is a heuristic; a cache that may lose its data is a case for an exemption.",
			Remediation: "Give StatefulSets volumeClaimTemplates, and mount a PersistentVolumeClaim at the data " +
				"directory of every workload running stateful software.",
			Evaluate: lcDataOnVolumes,
		},
		{
			ID:         "WKL-030",
			Title:      "Every namespace has a quarantine NetworkPolicy",
			Domain:     check.DomainWorkloads,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{NIST: []string{"7.3.2"}, MLPS: []string{"G4i", "G5b"}},
			Rationale: "Isolating a compromised pod must take one label, not an improvised policy during an " +
				"incident. Because NetworkPolicies add up, other policies that allow traffic should exclude " +
				"pods labelled " + check.LabelQuarantine + "=true for the quarantine to be complete.",
			Remediation: "In each namespace create a NetworkPolicy whose podSelector matches " + check.LabelQuarantine +
				"=true, with policyTypes [Ingress, Egress] and no rules; add " + check.LabelQuarantine +
				" NotIn [\"true\"] to the podSelector of the namespace's allow policies.",
			AutoRemediation: "QuarantineNetworkPolicy",
			Evaluate:        lcQuarantinePolicy,
		},
	}
}

// WKL-016.
func lcRemoteLogin(s *check.Snapshot) []check.Finding {
	if len(s.Workloads()) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope workload")}
	}
	p := s.Params.Lifecycle
	var out []check.Finding
	for _, w := range s.Workloads() {
		var problems []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, port := range c.Ports {
				if lcContainsPort(p.RemoteLoginPorts, port.ContainerPort) {
					problems = append(problems, fmt.Sprintf("%s %q declares containerPort %d (%s)", kind, c.Name, port.ContainerPort, lcPortService(port.ContainerPort)))
				}
			}
			if daemon := lcRemoteLoginDaemon(c, p.RemoteLoginDaemons); daemon != "" {
				problems = append(problems, fmt.Sprintf("%s %q starts %s in its command/args", kind, c.Name, daemon))
			}
		})
		out = lcAppendProblems(out, w.Ref, problems)
	}
	for _, svc := range s.Services {
		if !s.InScope(svc.Namespace) || len(svc.Spec.Selector) == 0 {
			continue
		}
		targets := lcSelectedWorkloads(s, svc.Namespace, svc.Spec.Selector)
		if len(targets) == 0 {
			continue
		}
		var problems []string
		for _, sp := range svc.Spec.Ports {
			switch target := lcResolveTargetPort(sp, targets); {
			case lcContainsPort(p.RemoteLoginPorts, target):
				problems = append(problems, fmt.Sprintf("port %d forwards to %s port %d of %s", sp.Port, lcPortService(target), target, targets[0].Ref))
			case lcContainsPort(p.RemoteLoginPorts, sp.Port):
				problems = append(problems, fmt.Sprintf("port %d (%s) leads to %s", sp.Port, lcPortService(sp.Port), targets[0].Ref))
			}
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, problems)
	}
	return out
}

// lcRemoteLoginDaemon returns the daemon that the container's command or args start, or "". Shell
// scripts are split on separators so that `sh -c "/usr/sbin/sshd -D"` is recognised.
func lcRemoteLoginDaemon(c *corev1.Container, daemons []string) string {
	isSep := func(r rune) bool { return strings.ContainsRune(" \t\n;&|()'\"`", r) }
	for _, arg := range append(append([]string{}, c.Command...), c.Args...) {
		for _, tok := range strings.FieldsFunc(arg, isSep) {
			base := path.Base(tok)
			for _, d := range daemons {
				if d != "" && glob.Match(d, base) {
					return base
				}
			}
		}
	}
	return ""
}

func lcContainsPort(ports []int32, port int32) bool {
	for _, p := range ports {
		if p == port && port != 0 {
			return true
		}
	}
	return false
}

func lcPortService(port int32) string {
	switch port {
	case 22:
		return "SSH"
	case 3389:
		return "RDP"
	}
	return "remote login"
}

// lcSelectedWorkloads returns the in-scope workloads of ns whose pods the Service selector matches.
func lcSelectedWorkloads(s *check.Snapshot, ns string, selector map[string]string) []check.Workload {
	sel := labels.SelectorFromSet(selector)
	var out []check.Workload
	for _, w := range s.Workloads() {
		if w.Ref.Namespace == ns && !lcEphemeralOnly(w) && sel.Matches(labels.Set(w.Template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// lcResolveTargetPort returns the container port number a Service port forwards to, looking up a
// named targetPort in the selected workloads; 0 when it cannot be resolved.
func lcResolveTargetPort(sp corev1.ServicePort, targets []check.Workload) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, w := range targets {
			for _, c := range w.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return cp.ContainerPort
					}
				}
			}
		}
		return 0
	}
	return sp.Port // an unset targetPort defaults to port
}

// lcEphemeralOnly reports whether w is a controller-owned pod that Workloads lists only for its
// ephemeral containers; its controller stands for the rest of it.
func lcEphemeralOnly(w check.Workload) bool { return w.Pod != nil && len(w.Spec.Containers) == 0 }

// WKL-017.
func lcDebugContainers(s *check.Snapshot) []check.Finding {
	maxAge := s.Params.DebugContainerMaxAge
	var out []check.Finding
	inspected := 0
	for _, p := range s.Pods {
		if !s.InScope(p.Namespace) {
			continue
		}
		inspected++
		var problems []string
		for i := range p.Spec.EphemeralContainers {
			ec := &p.Spec.EphemeralContainers[i]
			if lcIsPrivileged(ec.SecurityContext) {
				problems = append(problems, fmt.Sprintf("ephemeralContainer %q (image %s) is privileged", ec.Name, ec.Image))
				continue
			}
			if started, ok := lcEphemeralStartedAt(p, ec.Name); ok && s.Now.Sub(started) > maxAge {
				problems = append(problems, fmt.Sprintf("ephemeralContainer %q (image %s) was started %s ago (limit %s)",
					ec.Name, ec.Image, check.ApproxDuration(s.Now.Sub(started)), check.ApproxDuration(maxAge)))
			}
		}
		if strings.HasPrefix(p.Name, "node-debugger-") {
			privileged := false
			for i := range p.Spec.Containers {
				if lcIsPrivileged(p.Spec.Containers[i].SecurityContext) {
					privileged = true
					problems = append(problems, fmt.Sprintf("node debugger container %q is privileged", p.Spec.Containers[i].Name))
				}
			}
			if age := s.Now.Sub(p.CreationTimestamp.Time); !privileged && !p.CreationTimestamp.IsZero() && age > maxAge {
				problems = append(problems, fmt.Sprintf("node debugger pod on node %q was created %s ago (limit %s)",
					p.Spec.NodeName, check.ApproxDuration(age), check.ApproxDuration(maxAge)))
			}
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod")}
	}
	return out
}

func lcIsPrivileged(sc *corev1.SecurityContext) bool {
	return sc != nil && sc.Privileged != nil && *sc.Privileged
}

// lcEphemeralStartedAt returns when the named ephemeral container started, running or since
// terminated; false when it has not started or its status is unknown.
func lcEphemeralStartedAt(p *corev1.Pod, name string) (time.Time, bool) {
	for _, st := range p.Status.EphemeralContainerStatuses {
		if st.Name != name {
			continue
		}
		switch {
		case st.State.Running != nil && !st.State.Running.StartedAt.IsZero():
			return st.State.Running.StartedAt.Time, true
		case st.State.Terminated != nil && !st.State.Terminated.StartedAt.IsZero():
			return st.State.Terminated.StartedAt.Time, true
		}
	}
	return time.Time{}, false
}

// WKL-018.
func lcUnneededPods(s *check.Snapshot) []check.Finding {
	maxAge := s.Params.TerminatedPodMaxAge
	var out []check.Finding
	inspected := 0
	for _, p := range s.Pods {
		if !s.InScope(p.Namespace) || lcIsStaticPod(p) {
			continue
		}
		inspected++
		ref := check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
		owner := metav1.GetControllerOf(p)
		switch {
		case check.PodTerminated(p):
			if owner != nil && owner.Kind == "Job" {
				continue // a Job's pods go with the Job; the Job is judged below
			}
			finished, ok := lcPodFinishedAt(p)
			if ok && s.Now.Sub(finished) > maxAge {
				out = append(out, check.Failf(ref, "pod is %s since %s, %s ago (limit %s)",
					lcPodPhaseReason(p), finished.UTC().Format(time.DateOnly), check.ApproxDuration(s.Now.Sub(finished)), check.ApproxDuration(maxAge)))
			}
		case owner == nil:
			out = append(out, check.Failf(ref, "bare pod with no controller ownerReference: nothing recreates or removes it"))
		}
	}
	for _, j := range s.Jobs {
		if !s.InScope(j.Namespace) {
			continue
		}
		inspected++
		if j.Spec.TTLSecondsAfterFinished != nil || !lcJobFinished(j) {
			continue
		}
		if owner := metav1.GetControllerOf(j); owner != nil && owner.Kind == "CronJob" {
			continue // the CronJob's history limits remove it
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Job", Namespace: j.Namespace, Name: j.Name},
			"finished Job has no spec.ttlSecondsAfterFinished, so it and its pods are kept forever"))
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod or Job")}
	}
	return out
}

// lcIsStaticPod reports whether p is the API mirror of a kubelet static pod, which only the node's
// manifest directory controls.
func lcIsStaticPod(p *corev1.Pod) bool {
	if _, ok := p.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return true
	}
	owner := metav1.GetControllerOf(p)
	return owner != nil && owner.Kind == "Node"
}

func lcPodPhaseReason(p *corev1.Pod) string {
	if p.Status.Reason != "" {
		return fmt.Sprintf("%s (%s)", p.Status.Phase, p.Status.Reason)
	}
	return string(p.Status.Phase)
}

// lcPodFinishedAt returns when a terminated pod finished: its last container's finishedAt, else
// its last condition change (evicted pods often have no container state), else its start.
func lcPodFinishedAt(p *corev1.Pod) (time.Time, bool) {
	var t time.Time
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
				t = term.FinishedAt.Time
			}
		}
	}
	if t.IsZero() {
		for _, c := range p.Status.Conditions {
			if c.LastTransitionTime.After(t) {
				t = c.LastTransitionTime.Time
			}
		}
	}
	if t.IsZero() && p.Status.StartTime != nil {
		t = p.Status.StartTime.Time
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t, !t.IsZero()
}

func lcJobFinished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// WKL-019.
func lcSelfHealing(s *check.Snapshot) []check.Finding {
	if len(s.Workloads()) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope workload")}
	}
	var out []check.Finding
	for _, w := range s.Workloads() {
		switch w.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController":
			if rp := w.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
				out = append(out, check.Failf(w.Ref, "pod template has restartPolicy %s; long-running workloads need Always", rp))
			}
		case "Pod":
			p := w.Pod
			if lcEphemeralOnly(w) || lcIsStaticPod(p) || check.PodTerminated(p) || metav1.GetControllerOf(p) != nil {
				continue // not bare: static, finished, or owned by a controller (an operator's resource counts)
			}
			msg := "pod has no controller ownerReference: it is not recreated when deleted, evicted or its node fails"
			if rp := p.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
				msg += fmt.Sprintf(", and restartPolicy %s does not restart its containers", rp)
			}
			out = append(out, check.Failf(w.Ref, "%s", msg))
		}
	}
	return out
}

// WKL-020.
func lcProbes(s *check.Snapshot) []check.Finding {
	var out []check.Finding
	inspected := 0
	for _, w := range s.Workloads() {
		switch w.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
		default:
			continue
		}
		inspected++
		var problems []string
		for _, c := range w.Spec.Containers {
			var missing []string
			if c.LivenessProbe == nil {
				missing = append(missing, "livenessProbe")
			}
			if c.ReadinessProbe == nil {
				missing = append(missing, "readinessProbe")
			}
			if len(missing) > 0 {
				problems = append(problems, fmt.Sprintf("container %q has no %s", c.Name, strings.Join(missing, " and no ")))
			}
		}
		out = lcAppendProblems(out, w.Ref, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope Deployment, StatefulSet or DaemonSet")}
	}
	return out
}

// WKL-021.
func lcNodeLossTolerance(s *check.Snapshot) []check.Finding {
	critical := map[string]bool{}
	for _, ns := range s.ScopedNamespaces() {
		if ns.Labels[check.LabelCritical] == "true" {
			critical[ns.Name] = true
		}
	}
	if len(critical) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace is labelled %s=true", check.LabelCritical)}
	}
	type replicated struct {
		ref      check.ObjectRef
		replicas *int32
		tmpl     *corev1.PodTemplateSpec
	}
	var targets []replicated
	for _, d := range s.Deployments {
		if critical[d.Namespace] {
			targets = append(targets, replicated{check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}, d.Spec.Replicas, &d.Spec.Template})
		}
	}
	for _, st := range s.StatefulSets {
		if critical[st.Namespace] {
			targets = append(targets, replicated{check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}, st.Spec.Replicas, &st.Spec.Template})
		}
	}
	if len(targets) == 0 {
		return []check.Finding{check.NotApplicablef("no Deployment or StatefulSet runs in the critical namespaces")}
	}
	keys := s.Params.Lifecycle.SpreadTopologyKeys
	var out []check.Finding
	for _, t := range targets {
		replicas := int32(1)
		if t.replicas != nil {
			replicas = *t.replicas
		}
		if replicas == 0 {
			continue // scaled down on purpose: nothing runs that a node loss could take down
		}
		var problems []string
		if replicas < 2 {
			problems = append(problems, fmt.Sprintf("replicas is %d (want at least 2)", replicas))
		}
		if !lcHasPDB(s, t.ref.Namespace, t.tmpl.Labels) {
			problems = append(problems, "no PodDisruptionBudget selects its pods")
		}
		if !lcSpreadsAcrossNodes(&t.tmpl.Spec, t.tmpl.Labels, keys) {
			problems = append(problems, fmt.Sprintf("no pod anti-affinity or topologySpreadConstraints on %s selects its own pods", strings.Join(keys, " or ")))
		}
		out = lcAppendProblems(out, t.ref, problems)
	}
	return out
}

func lcHasPDB(s *check.Snapshot, ns string, podLabels map[string]string) bool {
	for _, pdb := range s.PodDisruptionBudgets {
		if pdb.Namespace == ns && labelsel.Matches(pdb.Spec.Selector, podLabels) {
			return true
		}
	}
	return false
}

// lcSpreadsAcrossNodes reports whether the pod spec keeps its own replicas apart on one of keys,
// by required or preferred pod anti-affinity or by a topology spread constraint.
func lcSpreadsAcrossNodes(spec *corev1.PodSpec, podLabels map[string]string, keys []string) bool {
	selectsSelf := func(sel *metav1.LabelSelector, matchLabelKeys []string) bool {
		// matchLabelKeys adds the incoming pod's own values to the selector, so it selects itself.
		return labelsel.Matches(sel, podLabels) || (sel == nil && len(matchLabelKeys) > 0)
	}
	if a := spec.Affinity; a != nil && a.PodAntiAffinity != nil {
		terms := append([]corev1.PodAffinityTerm{}, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
		for _, t := range terms {
			if slices.Contains(keys, t.TopologyKey) && selectsSelf(t.LabelSelector, t.MatchLabelKeys) {
				return true
			}
		}
	}
	for _, c := range spec.TopologySpreadConstraints {
		if slices.Contains(keys, c.TopologyKey) && selectsSelf(c.LabelSelector, c.MatchLabelKeys) {
			return true
		}
	}
	return false
}

// WKL-022.
func lcRollout(s *check.Snapshot) []check.Finding {
	rolloutManaged := lcArgoRolloutWorkloads(s)
	annotation := s.Params.Lifecycle.RecreateStrategyAnnotation
	var out []check.Finding
	inspected := 0
	for _, d := range s.Deployments {
		ref := check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
		if !s.InScope(d.Namespace) || rolloutManaged[ref] {
			continue
		}
		inspected++
		var problems []string
		if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType && (annotation == "" || d.Annotations[annotation] == "") {
			problems = append(problems, fmt.Sprintf("strategy.type is Recreate without a %s annotation explaining why", annotation))
		}
		problems = append(problems, lcHistoryProblem(d.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, ref, problems)
	}
	for _, st := range s.StatefulSets {
		if !s.InScope(st.Namespace) {
			continue
		}
		inspected++
		var problems []string
		if st.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
			problems = append(problems, "updateStrategy.type is OnDelete: updates wait for pods to be deleted by hand")
		}
		problems = append(problems, lcHistoryProblem(st.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}, problems)
	}
	for _, ds := range s.DaemonSets {
		if !s.InScope(ds.Namespace) {
			continue
		}
		inspected++
		var problems []string
		if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
			problems = append(problems, "updateStrategy.type is OnDelete: updates wait for pods to be deleted by hand")
		}
		problems = append(problems, lcHistoryProblem(ds.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, check.ObjectRef{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope Deployment, StatefulSet or DaemonSet")}
	}
	return out
}

func lcHistoryProblem(limit *int32) []string {
	if limit != nil && *limit < 1 {
		return []string{fmt.Sprintf("revisionHistoryLimit is %d: there is no revision to roll back to", *limit)}
	}
	return nil
}

func lcAppendProblems(out []check.Finding, ref check.ObjectRef, problems []string) []check.Finding {
	if len(problems) == 0 {
		return out
	}
	return append(out, check.Failf(ref, "%s", strings.Join(problems, "; ")))
}

// lcArgoRolloutWorkloads returns the Deployments an Argo Rollout runs through spec.workloadRef;
// the Rollout, not the Deployment's strategy, decides how they roll out.
func lcArgoRolloutWorkloads(s *check.Snapshot) map[check.ObjectRef]bool {
	out := map[check.ObjectRef]bool{}
	for _, r := range s.Extra["Rollout.argoproj.io"] {
		kind, _, _ := unstructured.NestedString(r.Object, "spec", "workloadRef", "kind")
		name, _, _ := unstructured.NestedString(r.Object, "spec", "workloadRef", "name")
		if kind == "Deployment" && name != "" {
			out[check.ObjectRef{Kind: kind, Namespace: r.GetNamespace(), Name: name}] = true
		}
	}
	return out
}

// WKL-023.
func lcRequiredLabels(s *check.Snapshot) []check.Finding {
	p := s.Params
	nsKeys := []string{p.ClassificationLabel}
	if s.Level >= check.L2 {
		nsKeys = append(nsKeys, p.OwnerLabel, p.ExposureLabel)
	}
	var out []check.Finding
	namespaces := s.ScopedNamespaces()
	for _, ns := range namespaces {
		if problems := lcMissingLabels(ns.Labels, nsKeys, p.Lifecycle.PlaceholderLabelValue); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "namespace %s", strings.Join(problems, "; ")))
		}
	}
	inspected := len(namespaces)
	if s.Level >= check.L2 && p.AppLabel != "" {
		for _, w := range s.Workloads() {
			if lcEphemeralOnly(w) {
				continue
			}
			inspected++
			switch {
			case w.Template.Labels[p.AppLabel] != "" || w.Object.Labels[p.AppLabel] != "":
			case w.Pod != nil:
				out = append(out, check.Failf(w.Ref, "pod has no %s label", p.AppLabel))
			default:
				out = append(out, check.Failf(w.Ref, "neither the %s nor its pod template has the label %s", w.Ref.Kind, p.AppLabel))
			}
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace or workload to inspect")}
	}
	return out
}

// lcMissingLabels describes the keys that are absent, empty or still at the placeholder value.
func lcMissingLabels(set map[string]string, keys []string, placeholder string) []string {
	var absent, placeholders []string
	for _, k := range keys {
		if k == "" {
			continue
		}
		switch v := set[k]; {
		case v == "":
			absent = append(absent, k)
		case placeholder != "" && v == placeholder:
			placeholders = append(placeholders, k)
		}
	}
	var out []string
	if len(absent) > 0 {
		noun := "label"
		if len(absent) > 1 {
			noun = "labels"
		}
		out = append(out, fmt.Sprintf("lacks the %s %s", noun, strings.Join(absent, ", ")))
	}
	if len(placeholders) > 0 {
		out = append(out, fmt.Sprintf("has the placeholder value %q in %s, which needs review", placeholder, strings.Join(placeholders, ", ")))
	}
	return out
}

// WKL-024.
func lcClassificationColocation(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("pod placement on nodes is only known in a live cluster")}
	}
	byNode := lcPlacedPodsByNode(s)
	if len(byNode) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod is scheduled on a node")}
	}
	key := s.Params.ClassificationLabel
	var out []check.Finding
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		examples := map[string]string{} // classification -> first pod
		for _, p := range byNode[node] {
			class := p.Labels[key]
			if class == "" {
				if ns := s.Namespace(p.Namespace); ns != nil {
					class = ns.Labels[key]
				}
			}
			if class == "" {
				class = "(none)"
			}
			if _, ok := examples[class]; !ok {
				examples[class] = p.Namespace + "/" + p.Name
			}
		}
		if len(examples) > 1 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: node}, "node runs pods of %d data classifications: %s",
				len(examples), lcDescribeGroups(examples)))
		}
	}
	return out
}

// lcPlacedPodsByNode groups the in-scope application pods that run on a node. DaemonSet pods are
// left out because they run on every node by design, and so are static and finished pods.
func lcPlacedPodsByNode(s *check.Snapshot) map[string][]*corev1.Pod {
	out := map[string][]*corev1.Pod{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || !s.InScope(p.Namespace) || check.PodTerminated(p) || lcIsStaticPod(p) {
			continue
		}
		if owner := metav1.GetControllerOf(p); owner != nil && owner.Kind == "DaemonSet" {
			continue
		}
		out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p)
	}
	return out
}

// lcDescribeGroups renders "a (e.g. ns/pod), b (e.g. ns/pod)" in a stable order.
func lcDescribeGroups(examples map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(examples)) {
		parts = append(parts, fmt.Sprintf("%s (e.g. %s)", k, examples[k]))
	}
	return strings.Join(parts, ", ")
}

// WKL-025.
func lcExposureColocation(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("pod placement on nodes is only known in a live cluster")}
	}
	byNode := lcPlacedPodsByNode(s)
	if len(byNode) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope pod is scheduled on a node")}
	}
	exposers := lcExposingServices(s)
	var out []check.Finding
	for _, node := range slices.Sorted(maps.Keys(byNode)) {
		var exposed, internal string
		for _, p := range byNode[node] {
			name := p.Namespace + "/" + p.Name
			if via := lcPodExposedBy(p, exposers[p.Namespace]); via != "" {
				if exposed == "" {
					exposed = name + " via " + via
				}
			} else if internal == "" {
				internal = name
			}
		}
		if exposed != "" && internal != "" {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: node},
				"node runs exposed pods (e.g. %s) beside internal pods (e.g. %s)", exposed, internal))
		}
	}
	return out
}

// lcExposedService is a Service whose pods are reachable from outside the cluster, and why.
type lcExposedService struct {
	selector labels.Selector
	via      string
}

// lcExposingServices returns, per namespace, the Services that are externally reachable: of type
// LoadBalancer or NodePort, with external IPs, or the backend of an Ingress or Gateway API route.
func lcExposingServices(s *check.Snapshot) map[string][]lcExposedService {
	backends := lcRoutedServices(s)
	out := map[string][]lcExposedService{}
	for _, svc := range s.Services {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		via := backends[svc.Namespace][svc.Name]
		switch {
		case svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort:
			via = fmt.Sprintf("%s Service %s", svc.Spec.Type, svc.Name)
		case len(svc.Spec.ExternalIPs) > 0:
			via = fmt.Sprintf("Service %s with externalIPs", svc.Name)
		case via != "":
			via = fmt.Sprintf("Service %s behind %s", svc.Name, via)
		default:
			continue
		}
		out[svc.Namespace] = append(out[svc.Namespace], lcExposedService{selector: labels.SelectorFromSet(svc.Spec.Selector), via: via})
	}
	return out
}

// lcRoutedServices returns, per namespace and Service name, the first Ingress or Gateway API route
// that sends outside traffic to the Service.
func lcRoutedServices(s *check.Snapshot) map[string]map[string]string {
	backends := map[string]map[string]string{}
	add := func(ns, svc, via string) {
		if backends[ns] == nil {
			backends[ns] = map[string]string{}
		}
		if _, ok := backends[ns][svc]; !ok {
			backends[ns][svc] = via
		}
	}
	for _, ing := range s.Ingresses {
		via := "Ingress " + ing.Namespace + "/" + ing.Name
		if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
			add(ing.Namespace, b.Service.Name, via)
		}
		for _, r := range ing.Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, p := range r.HTTP.Paths {
				if p.Backend.Service != nil {
					add(ing.Namespace, p.Backend.Service.Name, via)
				}
			}
		}
	}
	for _, kind := range []string{"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"} {
		for _, route := range s.Extra[kind+".gateway.networking.k8s.io"] {
			via := kind + " " + route.GetNamespace() + "/" + route.GetName()
			for _, ref := range lcRouteServiceBackends(route) {
				add(ref.Namespace, ref.Name, via)
			}
		}
	}
	return backends
}

// lcRouteServiceBackends returns the Services a Gateway API route forwards to.
func lcRouteServiceBackends(route *unstructured.Unstructured) []check.ObjectRef {
	var out []check.ObjectRef
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			continue
		}
		refs, _, _ := unstructured.NestedSlice(rule, "backendRefs")
		for _, b := range refs {
			ref, ok := b.(map[string]any)
			if !ok {
				continue
			}
			group, _, _ := unstructured.NestedString(ref, "group")
			kind, _, _ := unstructured.NestedString(ref, "kind")
			name, _, _ := unstructured.NestedString(ref, "name")
			ns, _, _ := unstructured.NestedString(ref, "namespace")
			if group != "" || (kind != "" && kind != "Service") || name == "" {
				continue
			}
			if ns == "" {
				ns = route.GetNamespace()
			}
			out = append(out, check.ObjectRef{Kind: "Service", Namespace: ns, Name: name})
		}
	}
	return out
}

func lcPodExposedBy(p *corev1.Pod, services []lcExposedService) string {
	for _, svc := range services {
		if svc.selector.Matches(labels.Set(p.Labels)) {
			return svc.via
		}
	}
	return ""
}

// WKL-026.
func lcSandboxRuntime(s *check.Snapshot) []check.Finding {
	p := s.Params.Lifecycle
	sandboxed := map[string]bool{}
	known := map[string]string{} // RuntimeClass name -> handler
	for _, rc := range s.RuntimeClasses {
		known[rc.Name] = rc.Handler
		sandboxed[rc.Name] = glob.MatchAny(p.SandboxRuntimeHandlers, rc.Handler)
	}
	anySandbox := false
	for _, ok := range sandboxed {
		anySandbox = anySandbox || ok
	}
	var out []check.Finding
	if !anySandbox && s.Source == check.SourceCluster {
		out = append(out, check.Failf(check.ObjectRef{Kind: "RuntimeClass"}, "no RuntimeClass has a sandboxed handler (%s)", strings.Join(p.SandboxRuntimeHandlers, ", ")))
	}
	isolated := 0
	for _, w := range s.Workloads() {
		ns := s.Namespace(w.Ref.Namespace)
		if lcEphemeralOnly(w) || ns == nil || p.IsolationLabel == "" || ns.Labels[p.IsolationLabel] != p.IsolationLabelValue {
			continue
		}
		isolated++
		rc := ""
		if w.Spec.RuntimeClassName != nil {
			rc = *w.Spec.RuntimeClassName
		}
		_, defined := known[rc]
		switch {
		case rc == "":
			out = append(out, check.Failf(w.Ref, "namespace is labelled %s=%s but the pod spec sets no runtimeClassName", p.IsolationLabel, p.IsolationLabelValue))
		case sandboxed[rc], s.Source == check.SourceManifests && !defined:
			// Sandboxed, or a manifest scan that cannot see the RuntimeClass.
		case !defined:
			out = append(out, check.Failf(w.Ref, "runtimeClassName %q names no RuntimeClass", rc))
		default:
			out = append(out, check.Failf(w.Ref, "runtimeClassName %q uses handler %q, which is not a sandboxed runtime", rc, known[rc]))
		}
	}
	if s.Source == check.SourceManifests && isolated == 0 {
		return []check.Finding{check.NotApplicablef("the manifests hold no workload in a namespace labelled %s=%s", p.IsolationLabel, p.IsolationLabelValue)}
	}
	return out
}

// WKL-027.
func lcPSALabels(s *check.Snapshot) []check.Finding {
	required := psaapi.LevelBaseline
	if s.Level >= check.L2 {
		required = psaapi.LevelRestricted
	}
	namespaces := s.ScopedNamespaces()
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace to inspect")}
	}
	var out []check.Finding
	for _, ns := range namespaces {
		var missing, weak, invalid []string
		for _, l := range []struct{ mode, key string }{
			{"enforce", psaapi.EnforceLevelLabel}, {"warn", psaapi.WarnLevelLabel}, {"audit", psaapi.AuditLevelLabel},
		} {
			mode := l.mode
			v, ok := ns.Labels[l.key]
			if !ok {
				missing = append(missing, mode)
				continue
			}
			lvl, err := psaapi.ParseLevel(v)
			switch {
			case err != nil:
				invalid = append(invalid, fmt.Sprintf("%s=%q", mode, v))
			case psaapi.CompareLevels(lvl, required) < 0:
				weak = append(weak, fmt.Sprintf("%s=%s", mode, v))
			}
		}
		var problems []string
		if len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("no Pod Security label for %s (want %s)", strings.Join(missing, ", "), required))
		}
		if len(weak) > 0 {
			problems = append(problems, fmt.Sprintf("Pod Security level weaker than %s: %s", required, strings.Join(weak, ", ")))
		}
		if len(invalid) > 0 {
			problems = append(problems, fmt.Sprintf("invalid Pod Security level: %s", strings.Join(invalid, ", ")))
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Namespace", Name: ns.Name}, problems)
	}
	return out
}

// WKL-028.
func lcAdmissionLayer(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission configuration is a cluster-wide fact a manifest scan cannot see")}
	}
	var gaps, manual []check.Finding
	for _, layer := range []func(*check.Snapshot) (bool, []check.Finding){lcVAPLayer, lcKyvernoLayer, lcGatekeeperLayer} {
		enforcing, findings := layer(s)
		if enforcing {
			return nil
		}
		for _, f := range findings {
			if f.Result == check.Manual {
				manual = append(manual, f)
			} else {
				gaps = append(gaps, f)
			}
		}
	}
	if len(manual) > 0 {
		return manual
	}
	if len(gaps) > 0 {
		return gaps
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "ValidatingAdmissionPolicy"},
		"no admission policy layer: no ValidatingAdmissionPolicy is bound with Deny, and no Kyverno or Gatekeeper webhook is registered")}
}

// lcVAPLayer reports whether a ValidatingAdmissionPolicy that applies to pods is bound with Deny
// and fails closed, else the bindings and policies that fall short.
func lcVAPLayer(s *check.Snapshot) (bool, []check.Finding) {
	policies := map[string]*admissionregistrationv1.ValidatingAdmissionPolicy{}
	for _, p := range s.ValidatingAdmissionPolicies {
		policies[p.Name] = p
	}
	var gaps []check.Finding
	for _, b := range s.ValidatingAdmissionPolicyBindings {
		ref := check.ObjectRef{Kind: "ValidatingAdmissionPolicyBinding", Name: b.Name}
		p := policies[b.Spec.PolicyName]
		deny := false
		for _, a := range b.Spec.ValidationActions {
			deny = deny || a == admissionregistrationv1.Deny
		}
		switch {
		case p == nil:
			gaps = append(gaps, check.Failf(ref, "binds policy %q, which does not exist", b.Spec.PolicyName))
		case !admission.VAPCoversPods(p):
			continue // a policy about other resources is no pod policy layer, and no gap either
		case !deny:
			gaps = append(gaps, check.Failf(ref, "validationActions %v has no Deny: policy %q only warns or audits", b.Spec.ValidationActions, p.Name))
		case !admission.FailClosed(p.Spec.FailurePolicy):
			gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "ValidatingAdmissionPolicy", Name: p.Name}, "failurePolicy is Ignore: pods are admitted when the policy cannot be evaluated"))
		default:
			return true, nil
		}
	}
	return false, gaps
}

// lcEngineWebhooks reports whether a policy engine registers validating webhooks (recognised by
// its lower-case name in the configuration or webhook name) and whether any fails closed, with a
// finding for each that fails open.
func lcEngineWebhooks(s *check.Snapshot, engine string) (found, closed bool, open []check.Finding) {
	marker := strings.ToLower(engine)
	for _, vwc := range s.ValidatingWebhookConfigurations {
		for _, wh := range vwc.Webhooks {
			if !strings.Contains(vwc.Name, marker) && !strings.Contains(wh.Name, marker) {
				continue
			}
			found = true
			if admission.FailClosed(wh.FailurePolicy) {
				closed = true
			} else {
				open = append(open, check.Failf(check.ObjectRef{Kind: "ValidatingWebhookConfiguration", Name: vwc.Name},
					"webhook %q has failurePolicy Ignore: pods are admitted unchecked when %s is unavailable", wh.Name, engine))
			}
		}
	}
	return found, closed, open
}

// lcKyvernoLayer reports whether a fail-closed Kyverno webhook and a policy that enforces on pods
// are both present, else what falls short.
func lcKyvernoLayer(s *check.Snapshot) (bool, []check.Finding) {
	found, closed, open := lcEngineWebhooks(s, "Kyverno")
	if !found {
		return false, nil
	}
	if !closed {
		return false, open
	}
	kinds := []string{"ClusterPolicy.kyverno.io", "Policy.kyverno.io", "ValidatingPolicy.policies.kyverno.io"}
	seen := false
	var gaps []check.Finding
	for _, gk := range kinds {
		seen = seen || s.HasExtra(gk)
		for _, pol := range s.Extra[gk] {
			enforcing, applies := lcKyvernoPolicyEnforces(pol)
			if enforcing {
				return true, nil
			}
			if applies {
				gaps = append(gaps, check.Failf(check.ObjectRef{Kind: pol.GetKind(), Namespace: pol.GetNamespace(), Name: pol.GetName()},
					"policy applies to pods but only audits (validationFailureAction/failureAction is not Enforce)"))
			}
		}
	}
	if !seen {
		return false, []check.Finding{check.Manualf("a fail-closed Kyverno webhook is registered but Kyverno policies were not gathered: verify that a policy in Enforce mode covers pods")}
	}
	if len(gaps) == 0 {
		gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "Kyverno is installed but no policy validates pods or their controllers"))
	}
	return false, gaps
}

// lcKyvernoPolicyEnforces reports whether a Kyverno policy denies violating pods, and whether it
// applies to pods at all.
func lcKyvernoPolicyEnforces(pol *unstructured.Unstructured) (enforcing, applies bool) {
	if pol.GetKind() == "ValidatingPolicy" {
		actions, _, _ := unstructured.NestedStringSlice(pol.Object, "spec", "validationActions")
		rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "matchConstraints", "resourceRules")
		for _, r := range rules {
			res, _, _ := unstructured.NestedStringSlice(unstruct.Map(r), "resources")
			for _, x := range res {
				applies = applies || admission.PodResources[x]
			}
		}
		return applies && check.ContainsFold(actions, "Deny"), applies
	}
	policyAction, _, _ := unstructured.NestedString(pol.Object, "spec", "validationFailureAction")
	rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "rules")
	for _, r := range rules {
		rule := unstruct.Map(r)
		if !admission.KyvernoRuleMatchesPods(rule) {
			continue
		}
		var actions []string
		if v, ok := rule["validate"]; ok {
			a, _, _ := unstructured.NestedString(unstruct.Map(v), "failureAction")
			actions = append(actions, a)
		}
		verify, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, v := range verify {
			a, _, _ := unstructured.NestedString(unstruct.Map(v), "failureAction")
			actions = append(actions, a)
		}
		for _, a := range actions {
			applies = true
			if a == "" {
				a = policyAction // the rule inherits the policy's action; Kyverno's default is Audit
			}
			if strings.EqualFold(a, "Enforce") {
				return true, true
			}
		}
	}
	return false, applies
}

// lcGatekeeperLayer reports whether a fail-closed Gatekeeper webhook and a denying constraint that
// applies to pods are both present, else what falls short.
func lcGatekeeperLayer(s *check.Snapshot) (bool, []check.Finding) {
	found, closed, open := lcEngineWebhooks(s, "Gatekeeper")
	if !found {
		return false, nil
	}
	if !closed {
		return false, open
	}
	seen := false
	var gaps []check.Finding
	for _, gk := range slices.Sorted(maps.Keys(s.Extra)) {
		if !strings.HasSuffix(gk, ".constraints.gatekeeper.sh") {
			continue
		}
		seen = true
		for _, c := range s.Extra[gk] {
			if !admission.GatekeeperConstraintAppliesToPods(c) {
				continue
			}
			action, _, _ := unstructured.NestedString(c.Object, "spec", "enforcementAction")
			if action == "" || action == "deny" || (action == "scoped" && admission.GatekeeperScopedDeny(c)) {
				return true, nil
			}
			gaps = append(gaps, check.Failf(check.ObjectRef{Kind: c.GetKind(), Name: c.GetName()},
				"constraint applies to pods with enforcementAction %s, so it does not deny", action))
		}
	}
	if !seen {
		return false, []check.Finding{check.Manualf("a fail-closed Gatekeeper webhook is registered but no constraints were gathered: verify that a constraint with enforcementAction deny covers pods")}
	}
	if len(gaps) == 0 {
		gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "Constraint"}, "Gatekeeper is installed but no constraint applies to pods or their controllers"))
	}
	return false, gaps
}

// WKL-029.
func lcDataOnVolumes(s *check.Snapshot) []check.Finding {
	statefulSets := map[check.ObjectRef]*appsv1.StatefulSet{}
	for _, st := range s.StatefulSets {
		statefulSets[check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}] = st
	}
	patterns := s.Params.Lifecycle.StatefulImages
	var out []check.Finding
	inspected := 0
	for _, w := range s.Workloads() {
		if lcEphemeralOnly(w) || w.Ref.Kind == "Job" || w.Ref.Kind == "CronJob" {
			continue // run-to-completion pods, such as database clients and backups, keep no data
		}
		inspected++
		st := statefulSets[w.Ref]
		if (st != nil && len(st.Spec.VolumeClaimTemplates) > 0) || lcHasPersistentVolume(w.Spec) {
			continue
		}
		var problems []string
		if st != nil {
			problems = append(problems, "StatefulSet has no volumeClaimTemplates and no persistent volume")
		}
		for _, c := range w.Spec.Containers {
			if name := imageref.BaseName(c.Image); glob.MatchAny(patterns, name) {
				problems = append(problems, fmt.Sprintf("container %q runs stateful software %q (image %s) without a persistent volume", c.Name, name, c.Image))
			}
		}
		out = lcAppendProblems(out, w.Ref, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope long-running workload")}
	}
	return out
}

// lcHasPersistentVolume reports whether the pod spec mounts storage that outlives the pod.
func lcHasPersistentVolume(spec *corev1.PodSpec) bool {
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim != nil || v.NFS != nil || v.ISCSI != nil || v.RBD != nil || v.CephFS != nil ||
			v.FC != nil || v.AzureDisk != nil || v.AzureFile != nil || v.GCEPersistentDisk != nil || v.AWSElasticBlockStore != nil {
			return true
		}
	}
	return false
}

// WKL-030.
func lcQuarantinePolicy(s *check.Snapshot) []check.Finding {
	namespaces := s.ScopedNamespaces()
	if len(namespaces) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace to inspect")}
	}
	have := map[string]bool{}
	nearMisses := map[string][]string{} // namespace -> why its quarantine-selecting policies fall short
	for _, np := range s.NetworkPolicies {
		selects, gap := lcQuarantineGap(&np.Spec)
		switch {
		case !selects:
		case gap == "":
			have[np.Namespace] = true
		default:
			nearMisses[np.Namespace] = append(nearMisses[np.Namespace], fmt.Sprintf("policy %q %s", np.Name, gap))
		}
	}
	var out []check.Finding
	for _, ns := range namespaces {
		if have[ns.Name] {
			continue
		}
		msg := fmt.Sprintf("no NetworkPolicy selects pods labelled %s=true and denies all their ingress and egress", check.LabelQuarantine)
		if misses := nearMisses[ns.Name]; len(misses) > 0 {
			msg += ": " + strings.Join(misses, "; ")
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "%s", msg))
	}
	return out
}

// lcQuarantineGap reports whether the policy selects quarantined pods, and only those rather than
// every pod, and if so what keeps it from cutting off all their traffic ("" when nothing does).
func lcQuarantineGap(spec *networkingv1.NetworkPolicySpec) (selects bool, gap string) {
	sel, err := metav1.LabelSelectorAsSelector(&spec.PodSelector)
	if err != nil || !sel.Matches(labels.Set{check.LabelQuarantine: "true"}) || sel.Matches(labels.Set{}) {
		return false, ""
	}
	var ingress, egress bool
	for _, t := range spec.PolicyTypes {
		ingress = ingress || t == networkingv1.PolicyTypeIngress
		egress = egress || t == networkingv1.PolicyTypeEgress
	}
	var gaps []string
	if !ingress || !egress {
		gaps = append(gaps, "does not list both Ingress and Egress in policyTypes")
	}
	if len(spec.Ingress) > 0 {
		gaps = append(gaps, "allows some ingress")
	}
	if len(spec.Egress) > 0 {
		gaps = append(gaps, "allows some egress")
	}
	return true, strings.Join(gaps, " and ")
}
