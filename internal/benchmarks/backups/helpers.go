package backups

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Velero kinds, as keys of Snapshot.Extra.
const (
	bakScheduleKind = "Schedule.velero.io"
	bakBackupKind   = "Backup.velero.io"
	bakRestoreKind  = "Restore.velero.io"
	bakLocationKind = "BackupStorageLocation.velero.io"
)

// bakBackupSpec is the part of a Velero BackupSpec (also a Schedule's template) the checks read.
type bakBackupSpec struct {
	IncludedNamespaces               []string                `json:"includedNamespaces"`
	ExcludedNamespaces               []string                `json:"excludedNamespaces"`
	IncludedResources                []string                `json:"includedResources"`
	ExcludedResources                []string                `json:"excludedResources"`
	IncludedClusterScopedResources   []string                `json:"includedClusterScopedResources"`
	IncludedNamespaceScopedResources []string                `json:"includedNamespaceScopedResources"`
	ExcludedNamespaceScopedResources []string                `json:"excludedNamespaceScopedResources"`
	IncludeClusterResources          *bool                   `json:"includeClusterResources"`
	LabelSelector                    *metav1.LabelSelector   `json:"labelSelector"`
	OrLabelSelectors                 []*metav1.LabelSelector `json:"orLabelSelectors"`
	SnapshotVolumes                  *bool                   `json:"snapshotVolumes"`
	DefaultVolumesToFsBackup         *bool                   `json:"defaultVolumesToFsBackup"`
	DefaultVolumesToRestic           *bool                   `json:"defaultVolumesToRestic"`
}

// bakSchedule is a Velero Schedule.
type bakSchedule struct {
	Ref  check.ObjectRef `json:"-"`
	Spec struct {
		Schedule string        `json:"schedule"`
		Paused   bool          `json:"paused"`
		Template bakBackupSpec `json:"template"`
	} `json:"spec"`
	Status struct {
		Phase            string   `json:"phase"`
		ValidationErrors []string `json:"validationErrors"`
	} `json:"status"`
}

// bakRun is a Velero Backup or Restore: both report a phase and a completion time.
type bakRun struct {
	Ref      check.ObjectRef   `json:"-"`
	Metadata metav1.ObjectMeta `json:"metadata"`
	Status   struct {
		Phase               string       `json:"phase"`
		StartTimestamp      *metav1.Time `json:"startTimestamp"`
		CompletionTimestamp *metav1.Time `json:"completionTimestamp"`
		FailureReason       string       `json:"failureReason"`
	} `json:"status"`
}

// finished is when the run completed, falling back to its start and creation times, which an
// object restored from elsewhere may be missing.
func (r *bakRun) finished() time.Time {
	switch {
	case r.Status.CompletionTimestamp != nil:
		return r.Status.CompletionTimestamp.Time
	case r.Status.StartTimestamp != nil:
		return r.Status.StartTimestamp.Time
	}
	return r.Metadata.CreationTimestamp.Time
}

// bakSchedules decodes the Velero Schedules; an undecodable one becomes an Error finding.
func bakSchedules(s *check.Snapshot) ([]*bakSchedule, []check.Finding) {
	var out []*bakSchedule
	var errs []check.Finding
	for _, u := range s.ExtraObjects(bakScheduleKind) {
		sch := &bakSchedule{Ref: unstruct.Ref(u)}
		if err := unstruct.Decode(u, sch); err != nil {
			errs = append(errs, check.Errorf(sch.Ref, "cannot read the Schedule: %v", err))
			continue
		}
		out = append(out, sch)
	}
	return out, errs
}

// bakActiveSchedules returns the schedules that produce backups: not paused and accepted by Velero.
func bakActiveSchedules(all []*bakSchedule) []*bakSchedule {
	var out []*bakSchedule
	for _, sch := range all {
		if !sch.Spec.Paused && sch.Status.Phase != "FailedValidation" {
			out = append(out, sch)
		}
	}
	return out
}

func bakRuns(s *check.Snapshot, kind string) ([]*bakRun, []check.Finding) {
	var out []*bakRun
	var errs []check.Finding
	for _, u := range s.ExtraObjects(kind) {
		r := &bakRun{Ref: unstruct.Ref(u)}
		if err := unstruct.Decode(u, r); err != nil {
			errs = append(errs, check.Errorf(r.Ref, "cannot read the %s: %v", u.GetKind(), err))
			continue
		}
		out = append(out, r)
	}
	return out, errs
}

// bakNoBackupSystem returns the failure for a cluster that does not serve the Velero kind.
func bakNoBackupSystem(s *check.Snapshot, groupKind string) (check.Finding, bool) {
	if s.HasExtra(groupKind) {
		return check.Finding{}, false
	}
	kind, _, _ := strings.Cut(groupKind, ".")
	return check.Failf(check.ObjectRef{Kind: kind}, "no backup system found: the cluster does not serve Velero's %s kind "+
		"(velero.io), and the standard requires backups at least weekly from L1 (S11.1)", kind), true
}

// bakVeleroPrelude handles what every Velero check decides before reading objects: manifests
// hold no backup state (though checks of Schedule specs can judge Schedules written in them, when
// specOnly), and a cluster without Velero has no backup system.
func bakVeleroPrelude(s *check.Snapshot, groupKind string, specOnly bool) ([]check.Finding, bool) {
	if s.Source == check.SourceManifests {
		if specOnly && len(s.ExtraObjects(groupKind)) > 0 {
			return nil, false
		}
		return []check.Finding{check.NotApplicablef("backups are state of a live cluster that manifests do not show")}, true
	}
	if f, missing := bakNoBackupSystem(s, groupKind); missing {
		return []check.Finding{f}, true
	}
	return nil, false
}

// bakGapText renders a schedule gap; the longest gap bakScheduleGap can see means "hardly ever".
func bakGapText(gap time.Duration) string {
	if gap >= bakCronHorizon {
		return fmt.Sprintf("more than %d years (it runs at most once in that time)", bakCronHorizon/(366*24*time.Hour))
	}
	return check.ApproxDuration(gap)
}

// bakResourceNames are the spellings Velero's resource filters accept for the resources the
// checks look for.
var bakResourceNames = map[string][]string{
	"persistentvolumeclaims": {"persistentvolumeclaims", "persistentvolumeclaim", "pvc"},
	"configmaps":             {"configmaps", "configmap", "cm"},
	"secrets":                {"secrets", "secret"},
}

func bakListsResource(list []string, resource string) bool {
	for _, v := range list {
		v = strings.TrimSuffix(strings.ToLower(v), ".")
		if v == "*" || (resource != "" && check.ContainsFold(bakResourceNames[resource], v)) {
			return true
		}
	}
	return false
}

// bakIncludesResource reports whether the old-style (includedResources/excludedResources) and
// new-style (namespace-scoped) filters of spec keep the namespaced resource.
func bakIncludesResource(spec *bakBackupSpec, resource string) bool {
	if len(spec.IncludedResources) > 0 && !bakListsResource(spec.IncludedResources, resource) {
		return false
	}
	if len(spec.IncludedNamespaceScopedResources) > 0 && !bakListsResource(spec.IncludedNamespaceScopedResources, resource) {
		return false
	}
	for _, ex := range [][]string{spec.ExcludedResources, spec.ExcludedNamespaceScopedResources} {
		for _, v := range ex {
			if v != "*" && bakListsResource([]string{v}, resource) {
				return false
			}
		}
	}
	return true
}
