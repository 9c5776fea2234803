package workloads

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func wkl015() check.Check {
	return check.Check{
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
		Evaluate: eachWorkload(func(s *check.Snapshot, env *check.Env, w *check.Workload) []string {
			return runtimeSocketProblems(&env.Params.Workload, w)
		}),
	}
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
