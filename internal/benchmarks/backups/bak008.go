package backups

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

func bak008() check.Check {
	return check.Check{
		ID:       "BAK-008",
		Title:    "Production data is on production-ready storage",
		Domain:   check.DomainBackups,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S8.1", "S8.3"},
		},
		Rationale: "Node-local storage (hostPath, local-path, no-provisioner) dies with its node, and a " +
			"Delete reclaim policy destroys the data when a PVC is removed by mistake. A default " +
			"StorageClass must exist and use a replicated provisioner; PVCs in namespaces labelled " +
			check.LabelCritical + "=true must also keep their volumes on release (reclaimPolicy Retain).",
		Remediation: "Install a replicated CSI driver, mark its StorageClass as default " +
			"(storageclass.kubernetes.io/is-default-class: \"true\"), give production data a StorageClass " +
			"with reclaimPolicy: Retain, and patch existing PersistentVolumes with " +
			"persistentVolumeReclaimPolicy: Retain.",
		Evaluate: bakProductionStorage,
	}
}

const (
	bakDefaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	bakBetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

func bakProductionStorage(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("storage classes and volumes are cluster-wide facts that manifests do not show")}
	}
	classes := map[string]*storagev1.StorageClass{}
	var defaultClass *storagev1.StorageClass
	for _, sc := range s.StorageClasses {
		classes[sc.Name] = sc
		if sc.Annotations[bakDefaultClassAnnotation] == "true" || sc.Annotations[bakBetaDefaultClassAnnotation] == "true" {
			if defaultClass == nil || sc.CreationTimestamp.After(defaultClass.CreationTimestamp.Time) {
				defaultClass = sc // the API server picks the newest default
			}
		}
	}
	var out []check.Finding
	if defaultClass == nil {
		out = append(out, check.Failf(check.ObjectRef{Kind: "StorageClass"}, "no StorageClass is annotated %s=true, so PVCs without a class get no production storage", bakDefaultClassAnnotation))
	} else if why := bakProvisionerProblem(s, env, defaultClass.Provisioner); why != "" {
		out = append(out, check.Failf(check.ObjectRef{Kind: "StorageClass", Name: defaultClass.Name}, "the default StorageClass %s", why))
	}

	volumes := map[string]*corev1.PersistentVolume{}
	for _, pv := range s.PersistentVolumes {
		volumes[pv.Name] = pv
	}
	for _, pvc := range s.PersistentVolumeClaims {
		ns := s.Namespace(pvc.Namespace)
		if ns == nil || !env.Scope.InScope(s, ns.Name) || ns.Labels[check.LabelCritical] != "true" {
			continue
		}
		if problems := bakClaimStorageProblems(s, env, pvc, volumes[pvc.Spec.VolumeName], classes, defaultClass); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name},
				"production data (namespace labelled %s=true): %s", check.LabelCritical, strings.Join(problems, "; ")))
		}
	}
	return out
}

// bakClaimStorageProblems judges the storage of one production PVC from its volume when bound,
// else from the class it will be provisioned from.
func bakClaimStorageProblems(s *check.Snapshot, env *check.Env, pvc *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume,
	classes map[string]*storagev1.StorageClass, defaultClass *storagev1.StorageClass) []string {
	className := ""
	switch {
	case pv != nil:
		className = pv.Spec.StorageClassName
	case pvc.Spec.StorageClassName != nil:
		className = *pvc.Spec.StorageClassName
	case defaultClass != nil:
		className = defaultClass.Name
	}
	sc := classes[className]
	var problems []string
	if sc != nil {
		if why := bakProvisionerProblem(s, env, sc.Provisioner); why != "" {
			problems = append(problems, fmt.Sprintf("StorageClass %s %s", sc.Name, why))
		}
	}
	if pv != nil {
		switch {
		case pv.Spec.HostPath != nil:
			problems = append(problems, fmt.Sprintf("PersistentVolume %s is a hostPath volume on one node", pv.Name))
		case pv.Spec.Local != nil:
			problems = append(problems, fmt.Sprintf("PersistentVolume %s is a local volume on one node", pv.Name))
		}
		if policy := pv.Spec.PersistentVolumeReclaimPolicy; policy != corev1.PersistentVolumeReclaimRetain {
			problems = append(problems, fmt.Sprintf("PersistentVolume %s has persistentVolumeReclaimPolicy %s, not Retain", pv.Name, cmp.Or(string(policy), "unset")))
		}
	} else if sc != nil && (sc.ReclaimPolicy == nil || *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimRetain) {
		policy := "Delete (default)"
		if sc.ReclaimPolicy != nil {
			policy = string(*sc.ReclaimPolicy)
		}
		problems = append(problems, fmt.Sprintf("StorageClass %s has reclaimPolicy %s, not Retain", sc.Name, policy))
	}
	return problems
}

// bakProvisionerProblem says why a provisioner is not production-ready, or returns "".
func bakProvisionerProblem(s *check.Snapshot, env *check.Env, provisioner string) string {
	p := env.Params.Backups
	for _, pat := range p.ProvisionerDenylist {
		if glob.Wildcard(pat, provisioner) {
			return fmt.Sprintf("uses provisioner %s, which keeps data on a single node", provisioner)
		}
	}
	if len(p.ProvisionerAllowlist) == 0 {
		return ""
	}
	for _, pat := range p.ProvisionerAllowlist {
		if glob.Wildcard(pat, provisioner) {
			return ""
		}
	}
	return fmt.Sprintf("uses provisioner %s, which is not on the provisioner allowlist", provisioner)
}
