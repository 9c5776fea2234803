package backups

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	corev1 "k8s.io/api/core/v1"
)

func bak004() check.Check {
	return check.Check{
		ID:         "BAK-004",
		Title:      "Persistent volumes are backed up with their data",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S8.5", "S12.9"}},
		Rationale: "Backing up a PersistentVolumeClaim object without its data restores an empty volume. " +
			"Every bound PVC must fall under an active Schedule (namespace filters, resource filters and " +
			"label selectors, which Velero applies to each resource) that snapshots volumes or copies " +
			"them with the file-system backup.",
		Remediation: "Add the namespace to a Schedule's includedNamespaces (or remove it from " +
			"excludedNamespaces), make its labelSelector match the PVCs, and leave snapshotVolumes unset " +
			"or set defaultVolumesToFsBackup: true.",
		Reads:    []string{bakScheduleKind},
		Evaluate: bakVolumeCoverage,
	}
}

func bakVolumeCoverage(s *check.Snapshot, env *check.Env) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	byNamespace := map[string][]*corev1.PersistentVolumeClaim{}
	for _, pvc := range s.PersistentVolumeClaims {
		if pvc.Status.Phase == corev1.ClaimBound && env.Scope.InScope(s, pvc.Namespace) {
			byNamespace[pvc.Namespace] = append(byNamespace[pvc.Namespace], pvc)
		}
	}
	if len(byNamespace) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope namespace has a bound PersistentVolumeClaim")}
	}
	schedules, out := bakSchedules(s)
	active := bakActiveSchedules(schedules)
	for _, ns := range slices.Sorted(maps.Keys(byNamespace)) {
		var missing []string
		reasons := map[string]bool{}
		for _, pvc := range byNamespace[ns] {
			captured := false
			for _, sch := range active {
				why := bakVolumeGap(&sch.Spec.Template, pvc)
				if why == "" {
					captured = true
					break
				}
				if why != bakNamespaceFiltered {
					reasons[fmt.Sprintf("%s: %s", sch.Ref.Name, why)] = true
				}
			}
			if !captured {
				missing = append(missing, pvc.Name)
			}
		}
		if len(missing) == 0 {
			continue
		}
		msg := fmt.Sprintf("no active Schedule backs up the volume data of bound PVCs %s", check.ContainerNames(missing))
		if len(active) == 0 {
			msg += " (no active Schedule exists)"
		} else if len(reasons) > 0 {
			msg += " (" + strings.Join(slices.Sorted(maps.Keys(reasons)), "; ") + ")"
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns}, "%s", msg))
	}
	return out
}

// bakNamespaceFiltered is bakVolumeGap's answer when the schedule does not cover the namespace
// at all; that is no news for a person reading about the namespace.
const bakNamespaceFiltered = "namespace filtered out"

// bakVolumeGap says why a backup with spec would not capture the PVC's data, or returns "".
func bakVolumeGap(spec *bakBackupSpec, pvc *corev1.PersistentVolumeClaim) string {
	switch {
	case !bakIncludesNamespace(spec, pvc.Namespace):
		return bakNamespaceFiltered
	case !bakIncludesResource(spec, "persistentvolumeclaims"):
		return "persistentvolumeclaims are filtered out by the resource filters"
	case pvc.Labels["velero.io/exclude-from-backup"] == "true":
		return fmt.Sprintf("PVC %s is labelled velero.io/exclude-from-backup=true", pvc.Name)
	case !bakSelectsLabels(spec, pvc.Labels):
		return fmt.Sprintf("its label selector does not match PVC %s", pvc.Name)
	case !bakCapturesVolumes(spec):
		return "snapshotVolumes is false and defaultVolumesToFsBackup is not set"
	}
	return ""
}

func bakIncludesNamespace(spec *bakBackupSpec, ns string) bool {
	included := len(spec.IncludedNamespaces) == 0
	for _, p := range spec.IncludedNamespaces {
		included = included || glob.Wildcard(p, ns)
	}
	for _, p := range spec.ExcludedNamespaces {
		if glob.Wildcard(p, ns) {
			return false
		}
	}
	return included
}

// bakSelectsLabels applies the backup's labelSelector or orLabelSelectors to one resource's labels.
func bakSelectsLabels(spec *bakBackupSpec, set map[string]string) bool {
	if spec.LabelSelector == nil && len(spec.OrLabelSelectors) == 0 {
		return true
	}
	if spec.LabelSelector != nil && labelsel.Matches(spec.LabelSelector, set) {
		return true
	}
	for _, sel := range spec.OrLabelSelectors {
		if sel != nil && labelsel.Matches(sel, set) {
			return true
		}
	}
	return false
}

func bakCapturesVolumes(spec *bakBackupSpec) bool {
	fsBackup := (spec.DefaultVolumesToFsBackup != nil && *spec.DefaultVolumesToFsBackup) ||
		(spec.DefaultVolumesToRestic != nil && *spec.DefaultVolumesToRestic)
	return fsBackup || spec.SnapshotVolumes == nil || *spec.SnapshotVolumes
}
