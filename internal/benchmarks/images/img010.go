package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	corev1 "k8s.io/api/core/v1"
)

func img010() check.Check {
	return check.Check{
		ID:         "IMG-010",
		Title:      "Containers are always started from a freshly pulled image",
		Domain:     check.DomainImages,
		Level:      check.L1,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S5.4"}, CIS: []string{"1.2.11"}},
		Rationale: "With IfNotPresent a node starts whatever image it cached under that name, possibly a " +
			"stale or tampered one, and a pod can use a private image pulled by another tenant without " +
			"credentials. imagePullPolicy Always or the AlwaysPullImages admission plugin prevents both.",
		Remediation: "Set imagePullPolicy: Always on every container, or enable AlwaysPullImages in the " +
			"kube-apiserver --enable-admission-plugins.",
		Evaluate: imgAlwaysPull,
	}
}

// IMG-010.
func imgAlwaysPull(s *check.Snapshot, env *check.Env) []check.Finding {
	plugin := "AlwaysPullImages cannot be seen on a managed control plane"
	if servers := cpflags.KubeAPIServer(s); len(servers) > 0 {
		all := true
		for _, srv := range servers {
			all = all && imgListContains(srv.Flags["enable-admission-plugins"], "AlwaysPullImages")
		}
		if all {
			return nil
		}
		plugin = "AlwaysPullImages is not in every kube-apiserver's --enable-admission-plugins"
	}
	var out []check.Finding
	workloads := env.Workloads(s)
	for i := range workloads {
		w := &workloads[i]
		var problems []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			policy, defaulted := imgPullPolicy(c)
			if policy == corev1.PullAlways {
				return
			}
			how := ""
			if defaulted {
				how = " (the default for a tagged or digest reference)"
			}
			problems = append(problems, fmt.Sprintf("%s has imagePullPolicy %s%s", check.ContainerRef(c, kind), policy, how))
		})
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s (%s)", strings.Join(problems, "; "), plugin))
		}
	}
	return out
}

// imgPullPolicy returns the container's pull policy, applying the API server's default when it
// is unset (as in manifests): Always for an untagged or :latest reference, else IfNotPresent.
func imgPullPolicy(c *corev1.Container) (corev1.PullPolicy, bool) {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy, false
	}
	ref, err := imageref.Parse(c.Image)
	if err == nil && ref.Digest == "" && (ref.Tag == "" || ref.Tag == "latest") {
		return corev1.PullAlways, true
	}
	return corev1.PullIfNotPresent, true
}
