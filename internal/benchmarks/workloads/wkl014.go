package workloads

import (
	"fmt"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
)

func wkl014() check.Check {
	return check.Check{
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
		AutoRemediation:     securityv1alpha1.ActionPodSecurityLabels,
		AutoRemediationNote: "(warn/audit baseline; enforce when enabled)",
		Evaluate: eachWorkload(func(s *check.Snapshot, env *check.Env, w *check.Workload) []string {
			return hostPathProblems(&env.Params.Workload, w)
		}),
	}
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
