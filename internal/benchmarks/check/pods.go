package check

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ContainerRef names a container in a message, such as `initContainer "migrate"`.
func ContainerRef(c *corev1.Container, kind ContainerKind) string {
	return fmt.Sprintf("%s %q", kind, c.Name)
}

// EffectiveRunAs resolves runAsNonRoot and runAsUser for a container, the container's own
// settings overriding the pod's; level says where runAsUser was set.
func EffectiveRunAs(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) (nonRoot *bool, uid *int64, level string) {
	if pod != nil {
		nonRoot = pod.RunAsNonRoot
		if pod.RunAsUser != nil {
			uid, level = pod.RunAsUser, "pod"
		}
	}
	if c != nil {
		if c.RunAsNonRoot != nil {
			nonRoot = c.RunAsNonRoot
		}
		if c.RunAsUser != nil {
			uid, level = c.RunAsUser, "container"
		}
	}
	return nonRoot, uid, level
}

// ApproxDuration renders d the way a person reads an age: days, hours or minutes.
func ApproxDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}

// PodTerminated reports whether the pod has finished: its phase is Succeeded or Failed.
func PodTerminated(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ContainsFold reports whether list holds want, ignoring case.
func ContainsFold(list []string, want string) bool {
	for _, v := range list {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}

// PodServiceAccount is the service account a pod runs as, "default" when the spec names none.
func PodServiceAccount(spec *corev1.PodSpec) string {
	if spec.ServiceAccountName != "" {
		return spec.ServiceAccountName
	}
	if spec.DeprecatedServiceAccount != "" {
		return spec.DeprecatedServiceAccount
	}
	return "default"
}

// PodSecretRefs lists the Secrets a pod spec mounts or reads into its environment.
func PodSecretRefs(spec *corev1.PodSpec) []string {
	var out []string
	for _, v := range spec.Volumes {
		if v.Secret != nil {
			out = append(out, v.Secret.SecretName)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					out = append(out, src.Secret.Name)
				}
			}
		}
	}
	EachContainer(spec, func(c *corev1.Container, _ ContainerKind) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out = append(out, e.ValueFrom.SecretKeyRef.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				out = append(out, e.SecretRef.Name)
			}
		}
	})
	return out
}
