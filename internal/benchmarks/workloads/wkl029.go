package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func wkl029() check.Check {
	return check.Check{
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
	}
}

// WKL-029.
func lcDataOnVolumes(s *check.Snapshot, env *check.Env) []check.Finding {
	statefulSets := map[check.ObjectRef]*appsv1.StatefulSet{}
	for _, st := range s.StatefulSets {
		statefulSets[check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}] = st
	}
	patterns := env.Params.Lifecycle.StatefulImages
	var out []check.Finding
	inspected := 0
	for _, w := range env.Workloads(s) {
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
