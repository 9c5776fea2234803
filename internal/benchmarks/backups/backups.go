package backups

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Velero kinds, as keys of Snapshot.Extra.
const (
	bakScheduleKind = "Schedule.velero.io"
	bakBackupKind   = "Backup.velero.io"
	bakRestoreKind  = "Restore.velero.io"
	bakLocationKind = "BackupStorageLocation.velero.io"
)

// Checks returns the BAK- checks: backups and disaster recovery.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:         "BAK-001",
			Title:      "A backup system is installed and its storage location is reachable",
			Domain:     check.DomainBackups,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S11.1", "S8.5"}},
			Rationale: "Backups are only as good as the place they are written to: a Velero " +
				"BackupStorageLocation that is Unavailable or no longer validated makes every scheduled " +
				"backup fail quietly. The check recognises Velero; another backup tool needs an exemption.",
			Remediation: "Install Velero with a BackupStorageLocation in object storage outside the cluster, " +
				"and fix credentials, bucket or network until `velero backup-location get` shows it Available.",
			Evaluate: bakStorageLocations,
		},
		{
			ID:         "BAK-002",
			Title:      "An active backup schedule runs at least weekly",
			Domain:     check.DomainBackups,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S11.1"}},
			Rationale: "The standard requires a backup at least once a week. The check computes the longest " +
				"gap between two runs of each Velero Schedule's cron expression (in UTC), so a monthly or " +
				"weekday-only schedule with a long weekend gap is caught; paused schedules do not count.",
			Remediation: "Create a Velero Schedule (velero schedule create) whose cron runs at least every 7 " +
				"days, e.g. \"0 2 * * *\", and unpause schedules that should run.",
			Evaluate: bakScheduleFrequency,
		},
		{
			ID:         "BAK-003",
			Title:      "Every backup schedule has a recent completed backup",
			Domain:     check.DomainBackups,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S11.1", "S8.5"}},
			Rationale: "A schedule proves intent, not a usable backup: runs can fail or only partly succeed. " +
				"The newest Completed backup of each active schedule must be no older than the backup " +
				"threshold, and failed runs after it are reported.",
			Remediation: "Look at `velero backup describe --details` and `velero backup logs` for the failed " +
				"runs, fix the cause (storage location, volume snapshotter, node agent), and trigger a backup " +
				"with `velero backup create --from-schedule`.",
			Evaluate: bakRecentBackups,
		},
		{
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
			Evaluate: bakVolumeCoverage,
		},
		{
			ID:       "BAK-005",
			Title:    "A backup schedule captures cluster resources and configuration",
			Domain:   check.DomainBackups,
			Level:    check.L1,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S12.9", "S2.9"},
			},
			Rationale: "Restoring every service after a complete failure needs the cluster-scoped objects " +
				"(CRDs, ClusterRoles, StorageClasses, namespaces) as well as the namespaced ones. L2 adds " +
				"that ConfigMaps and Secrets are not filtered out, so configuration can be restored (S2.9).",
			Remediation: "Give one Schedule includeClusterResources: true (or leave it unset and back up all " +
				"namespaces), and remove configmaps and secrets from its excluded resources.",
			LevelDependent: true,
			Evaluate:       bakFullRestoreCoverage,
		},
		{
			ID:         "BAK-006",
			Title:      "etcd is snapshotted at least weekly",
			Domain:     check.DomainBackups,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S11.1", "S12.9"}},
			Rationale: "An etcd snapshot is the only way back from a lost or corrupted control plane on a " +
				"self-managed cluster. The check finds the snapshot CronJob by label or name and reads its " +
				"schedule and last successful run; that the snapshot files exist and are intact needs access " +
				"to where they are stored. A managed control plane is the provider's job and needs an attestation.",
			Remediation: "Run `etcdctl snapshot save` from a CronJob at least weekly (label it " +
				"app.kubernetes.io/component=etcd-backup), copy the snapshot off the control-plane nodes, or " +
				"record an exemption if snapshots are taken by a node timer.",
			Evaluate: bakEtcdSnapshots,
		},
		{
			ID:         "BAK-007",
			Title:      "Restores are tested regularly",
			Domain:     check.DomainBackups,
			Level:      check.L1,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S11.2", "S8.5", "S12.9"}},
			Rationale: "A backup that has never been restored is a hope, not a recovery plan. A Completed " +
				"Velero Restore within the restore-test window is evidence; restore tests run in another " +
				"cluster are not visible here and need an attestation.",
			Remediation: "Restore a recent backup into a scratch namespace or a DR cluster (velero restore " +
				"create --from-backup … --namespace-mappings …), check the application, and repeat within the " +
				"restore-test window; attest tests done elsewhere.",
			Evaluate: bakRestoreTests,
		},
		{
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
		},
	}
}

// --- Velero objects ---

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
	for _, u := range s.Extra[bakScheduleKind] {
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
	for _, u := range s.Extra[kind] {
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
		if specOnly && len(s.Extra[groupKind]) > 0 {
			return nil, false
		}
		return []check.Finding{check.NotApplicablef("backups are state of a live cluster that manifests do not show")}, true
	}
	if f, missing := bakNoBackupSystem(s, groupKind); missing {
		return []check.Finding{f}, true
	}
	return nil, false
}

// --- BAK-001 ---

func bakStorageLocations(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakLocationKind, false); done {
		return out
	}
	if len(s.Extra[bakLocationKind]) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "BackupStorageLocation"},
			"Velero is installed but has no BackupStorageLocation, so no backup can be written")}
	}
	maxAge := s.Params.Backups.StorageLocationValidationMaxAge
	var out []check.Finding
	for _, u := range s.Extra[bakLocationKind] {
		ref := unstruct.Ref(u)
		var bsl struct {
			Status struct {
				Phase              string       `json:"phase"`
				LastValidationTime *metav1.Time `json:"lastValidationTime"`
				Message            string       `json:"message"`
			} `json:"status"`
		}
		if err := unstruct.Decode(u, &bsl); err != nil {
			out = append(out, check.Errorf(ref, "cannot read the BackupStorageLocation: %v", err))
			continue
		}
		st := bsl.Status
		switch {
		case st.Phase != "Available":
			phase := st.Phase
			if phase == "" {
				phase = "not reported"
			}
			msg := fmt.Sprintf("phase is %s, not Available", phase)
			if st.Message != "" {
				msg += ": " + check.Truncate(st.Message, 200)
			}
			out = append(out, check.Failf(ref, "%s", msg))
		case st.LastValidationTime == nil:
			out = append(out, check.Failf(ref, "phase is Available but the location has never been validated"))
		case s.Now.Sub(st.LastValidationTime.Time) > maxAge:
			out = append(out, check.Failf(ref, "last validated %s ago (at most %s allowed): validation is off or the Velero server is not running",
				check.ApproxDuration(s.Now.Sub(st.LastValidationTime.Time)), check.ApproxDuration(maxAge)))
		}
	}
	return out
}

// --- BAK-002 ---

func bakScheduleFrequency(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	schedules, out := bakSchedules(s)
	if len(schedules) == 0 && len(out) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "Schedule"}, "Velero is installed but no Schedule exists, so nothing is backed up regularly")}
	}
	maxAge := s.Params.BackupMaxAge
	good := 0
	var paused []check.Finding
	for _, sch := range schedules {
		switch {
		case sch.Spec.Paused:
			paused = append(paused, check.Failf(sch.Ref, "the schedule is paused"))
			continue
		case sch.Status.Phase == "FailedValidation":
			out = append(out, check.Failf(sch.Ref, "Velero rejected the schedule: %s", strings.Join(sch.Status.ValidationErrors, "; ")))
			continue
		}
		gap, err := bakScheduleGap(sch.Spec.Schedule, s.Now)
		switch {
		case err != nil:
			out = append(out, check.Errorf(sch.Ref, "cannot read schedule %q: %v", sch.Spec.Schedule, err))
		case gap > maxAge:
			out = append(out, check.Failf(sch.Ref, "schedule %q leaves up to %s between backups (at most %s allowed)",
				sch.Spec.Schedule, bakGapText(gap), check.ApproxDuration(maxAge)))
		default:
			good++
		}
	}
	if good == 0 {
		out = append(out, paused...)
	}
	return out
}

// bakGapText renders a schedule gap; the longest gap bakScheduleGap can see means "hardly ever".
func bakGapText(gap time.Duration) string {
	if gap >= bakCronHorizon {
		return fmt.Sprintf("more than %d years (it runs at most once in that time)", bakCronHorizon/(366*24*time.Hour))
	}
	return check.ApproxDuration(gap)
}

// --- BAK-003 ---

func bakRecentBackups(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, false); done {
		return out
	}
	if f, missing := bakNoBackupSystem(s, bakBackupKind); missing {
		return []check.Finding{f}
	}
	schedules, out := bakSchedules(s)
	backups, errs := bakRuns(s, bakBackupKind)
	out = append(out, errs...)
	active := bakActiveSchedules(schedules)
	if len(active) == 0 {
		return append(out, check.Failf(check.ObjectRef{Kind: "Schedule"}, "no active Velero Schedule, so no backup is taken regularly"))
	}
	bySchedule := map[string][]*bakRun{}
	for _, b := range backups {
		if name := b.Metadata.Labels["velero.io/schedule-name"]; name != "" {
			key := b.Ref.Namespace + "/" + name
			bySchedule[key] = append(bySchedule[key], b)
		}
	}
	maxAge := s.Params.BackupMaxAge
	for _, sch := range active {
		runs := bySchedule[sch.Ref.Namespace+"/"+sch.Ref.Name]
		sort.Slice(runs, func(i, j int) bool { return runs[i].finished().After(runs[j].finished()) })
		var newest *bakRun
		var failedSince []string
		for _, b := range runs {
			if b.Status.Phase == "Completed" {
				newest = b
				break
			}
			if b.Status.Phase == "Failed" || b.Status.Phase == "PartiallyFailed" || b.Status.Phase == "FailedValidation" {
				why := b.Status.Phase
				if b.Status.FailureReason != "" {
					why += ": " + check.Truncate(b.Status.FailureReason, 120)
				}
				failedSince = append(failedSince, fmt.Sprintf("%s (%s)", b.Ref.Name, why))
			}
		}
		var problems []string
		switch {
		case newest == nil:
			problems = append(problems, "no backup of this schedule has completed")
		case s.Now.Sub(newest.finished()) > maxAge:
			problems = append(problems, fmt.Sprintf("newest completed backup %s finished %s ago (at most %s allowed)",
				newest.Ref.Name, check.ApproxDuration(s.Now.Sub(newest.finished())), check.ApproxDuration(maxAge)))
		}
		if len(failedSince) > 0 {
			problems = append(problems, "later runs did not complete: "+check.ContainerNames(failedSince))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(sch.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}

// --- BAK-004 ---

func bakVolumeCoverage(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	byNamespace := map[string][]*corev1.PersistentVolumeClaim{}
	for _, pvc := range s.PersistentVolumeClaims {
		if pvc.Status.Phase == corev1.ClaimBound && s.InScope(pvc.Namespace) {
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

// --- BAK-005 ---

func bakFullRestoreCoverage(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakScheduleKind, true); done {
		return out
	}
	schedules, out := bakSchedules(s)
	active := bakActiveSchedules(schedules)
	if len(active) == 0 {
		return append(out, check.Failf(check.ObjectRef{Kind: "Schedule"}, "no active Velero Schedule, so neither cluster resources nor configuration are backed up"))
	}
	var gaps []check.Finding
	for _, sch := range active {
		t := &sch.Spec.Template
		var problems []string
		if !bakIncludesClusterResources(t) {
			problems = append(problems, "it leaves out cluster-scoped resources (includeClusterResources is false, or unset while namespaces are filtered)")
		}
		if s.Level >= check.L2 {
			for _, res := range []string{"configmaps", "secrets"} {
				if !bakIncludesResource(t, res) {
					problems = append(problems, res+" are filtered out")
				}
			}
		}
		if len(problems) == 0 {
			return out
		}
		gaps = append(gaps, check.Failf(sch.Ref, "not a full-restore schedule: %s", strings.Join(problems, "; ")))
	}
	return append(out, gaps...)
}

// bakIncludesClusterResources follows Velero: unset means cluster resources are backed up only
// when every namespace is.
func bakIncludesClusterResources(t *bakBackupSpec) bool {
	if t.IncludeClusterResources != nil {
		return *t.IncludeClusterResources
	}
	if bakListsResource(t.IncludedClusterScopedResources, "") {
		return true
	}
	all := len(t.IncludedNamespaces) == 0
	for _, ns := range t.IncludedNamespaces {
		all = all || ns == "*"
	}
	return all && len(t.ExcludedNamespaces) == 0
}

// --- BAK-006 ---

func bakEtcdSnapshots(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("etcd snapshots are state of a live control plane that manifests do not show")}
	}
	etcdPods := 0
	for _, p := range s.Pods {
		if p.Namespace == "kube-system" && (p.Labels["component"] == "etcd" || strings.HasPrefix(p.Name, "etcd-")) {
			etcdPods++
		}
	}
	if etcdPods == 0 {
		if len(cpflags.KubeAPIServer(s)) == 0 {
			return []check.Finding{check.Manualf("managed control plane (no etcd or kube-apiserver pods in kube-system): verify with your " +
				"provider that etcd is backed up at least weekly and how it is restored, and attest it")}
		}
		return []check.Finding{check.Manualf("etcd does not run as a pod in kube-system (external etcd or a distribution that embeds it): " +
			"verify that `etcdctl snapshot save` (or the distribution's snapshot command) runs at least weekly and that the " +
			"snapshots are copied off the nodes, and attest it")}
	}
	jobs, err := bakEtcdBackupJobs(s)
	if err != nil {
		return []check.Finding{check.Errorf(check.ObjectRef{Kind: "CronJob"}, "%v", err)}
	}
	if len(jobs) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "CronJob"}, "no etcd snapshot CronJob found (label %s or a name like %s), "+
			"although etcd runs in kube-system", s.Params.Backups.EtcdBackupSelector, strings.Join(s.Params.Backups.EtcdBackupNamePatterns, ", "))}
	}
	maxAge := s.Params.BackupMaxAge
	var out []check.Finding
	for _, cj := range jobs {
		ref := check.ObjectRef{Kind: "CronJob", Namespace: cj.Namespace, Name: cj.Name}
		var problems []string
		if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
			problems = append(problems, "it is suspended")
		}
		gap, err := bakScheduleGap(cj.Spec.Schedule, s.Now)
		switch {
		case err != nil:
			out = append(out, check.Errorf(ref, "cannot read schedule %q: %v", cj.Spec.Schedule, err))
			continue
		case gap > maxAge:
			problems = append(problems, fmt.Sprintf("schedule %q leaves up to %s between snapshots", cj.Spec.Schedule, bakGapText(gap)))
		}
		switch last := cj.Status.LastSuccessfulTime; {
		case last == nil:
			problems = append(problems, "it has never completed successfully")
		case s.Now.Sub(last.Time) > maxAge:
			problems = append(problems, fmt.Sprintf("last successful run was %s ago", check.ApproxDuration(s.Now.Sub(last.Time))))
		}
		if len(problems) == 0 {
			return nil // one healthy snapshot job is enough
		}
		out = append(out, check.Failf(ref, "etcd snapshots are not taken at least every %s: %s", check.ApproxDuration(maxAge), strings.Join(problems, "; ")))
	}
	return out
}

// bakEtcdBackupJobs returns the CronJobs that take etcd snapshots, by label or by name.
func bakEtcdBackupJobs(s *check.Snapshot) ([]*batchv1.CronJob, error) {
	p := s.Params.Backups
	var sel labels.Selector
	if strings.TrimSpace(p.EtcdBackupSelector) != "" {
		var err error
		if sel, err = labels.Parse(p.EtcdBackupSelector); err != nil {
			return nil, fmt.Errorf("parameter EtcdBackupSelector %q is not a label selector: %w", p.EtcdBackupSelector, err)
		}
	}
	var out []*batchv1.CronJob
	for _, cj := range s.CronJobs {
		byLabel := sel != nil && !sel.Empty() && sel.Matches(labels.Set(cj.Labels))
		byName := false
		for _, pat := range p.EtcdBackupNamePatterns {
			byName = byName || glob.Wildcard(pat, cj.Name)
		}
		if byLabel || byName {
			out = append(out, cj)
		}
	}
	return out, nil
}

// --- BAK-007 ---

func bakRestoreTests(s *check.Snapshot) []check.Finding {
	if out, done := bakVeleroPrelude(s, bakRestoreKind, false); done {
		return out
	}
	restores, out := bakRuns(s, bakRestoreKind)
	window := s.Params.RestoreTestMaxAge
	var newest *bakRun
	var failed []string
	for _, r := range restores {
		age := s.Now.Sub(r.finished())
		switch r.Status.Phase {
		case "Completed":
			if age <= window {
				return nil
			}
			if newest == nil || r.finished().After(newest.finished()) {
				newest = r
			}
		case "Failed", "PartiallyFailed", "FailedValidation":
			if age <= window {
				failed = append(failed, fmt.Sprintf("%s (%s)", r.Ref.Name, r.Status.Phase))
			}
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		return append(out, check.Failf(check.ObjectRef{Kind: "Restore"}, "no restore completed within %s; restore attempts in that time did not succeed: %s",
			check.ApproxDuration(window), check.ContainerNames(failed)))
	}
	last := "no Velero Restore exists in this cluster"
	if newest != nil {
		last = fmt.Sprintf("the newest completed Velero Restore, %s, finished %s ago", newest.Ref.Name, check.ApproxDuration(s.Now.Sub(newest.finished())))
	}
	return append(out, check.Manualf("%s (a restore test is due every %s): run a test restore, or attest a restore test done in another cluster",
		last, check.ApproxDuration(window)))
}

// --- BAK-008 ---

const (
	bakDefaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	bakBetaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

func bakProductionStorage(s *check.Snapshot) []check.Finding {
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
	} else if why := bakProvisionerProblem(s, defaultClass.Provisioner); why != "" {
		out = append(out, check.Failf(check.ObjectRef{Kind: "StorageClass", Name: defaultClass.Name}, "the default StorageClass %s", why))
	}

	volumes := map[string]*corev1.PersistentVolume{}
	for _, pv := range s.PersistentVolumes {
		volumes[pv.Name] = pv
	}
	for _, pvc := range s.PersistentVolumeClaims {
		ns := s.Namespace(pvc.Namespace)
		if ns == nil || !s.InScope(ns.Name) || ns.Labels[check.LabelCritical] != "true" {
			continue
		}
		if problems := bakClaimStorageProblems(s, pvc, volumes[pvc.Spec.VolumeName], classes, defaultClass); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name},
				"production data (namespace labelled %s=true): %s", check.LabelCritical, strings.Join(problems, "; ")))
		}
	}
	return out
}

// bakClaimStorageProblems judges the storage of one production PVC from its volume when bound,
// else from the class it will be provisioned from.
func bakClaimStorageProblems(s *check.Snapshot, pvc *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume,
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
		if why := bakProvisionerProblem(s, sc.Provisioner); why != "" {
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
func bakProvisionerProblem(s *check.Snapshot, provisioner string) string {
	p := s.Params.Backups
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

// --- cron schedules ---

// bakCronHorizon is how far ahead bakScheduleGap looks: eight years cover the leap-year cycle,
// so a schedule on 29 February is seen to run.
const bakCronHorizon = 8 * 366 * 24 * time.Hour

var bakCronDescriptors = map[string]string{
	"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}

var (
	bakMonthNames = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}
	bakDayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
)

// bakCronField is the set of values one cron field allows; star records an unrestricted field,
// which changes how day-of-month and day-of-week combine.
type bakCronField struct {
	bits uint64
	star bool
}

func (f bakCronField) has(v int) bool { return f.bits&(1<<uint(v)) != 0 }

// bakScheduleGap returns the longest time between two consecutive runs of a cron schedule as
// Velero and Kubernetes CronJobs read it: five fields, the @ descriptors and @every. Runs are
// laid out in UTC; a CRON_TZ or TZ prefix moves them but changes gaps by a DST hour at most.
// A schedule that runs fewer than twice in bakCronHorizon gets the horizon as its gap.
func bakScheduleGap(schedule string, from time.Time) (time.Duration, error) {
	spec := strings.TrimSpace(schedule)
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		_, rest, ok := strings.Cut(spec, " ")
		if !ok {
			return 0, fmt.Errorf("a time zone but no schedule")
		}
		spec = strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err == nil && d < time.Second {
			err = fmt.Errorf("@every needs a duration of at least 1s")
		}
		return d, err
	}
	if d, ok := bakCronDescriptors[strings.ToLower(spec)]; ok {
		spec = d
	}
	fields, err := bakParseCron(spec)
	if err != nil {
		return 0, err
	}
	return bakCronLongestGap(fields, from), nil
}

// bakParseCron parses the five fields of a cron expression: minute, hour, day of month, month
// and day of week.
func bakParseCron(spec string) ([5]bakCronField, error) {
	var parsed [5]bakCronField
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return parsed, fmt.Errorf("want 5 fields (minute hour day-of-month month day-of-week), got %d", len(fields))
	}
	bounds := []struct {
		name     string
		min, max int
		names    map[string]int
	}{{"minute", 0, 59, nil}, {"hour", 0, 23, nil}, {"day-of-month", 1, 31, nil}, {"month", 1, 12, bakMonthNames}, {"day-of-week", 0, 7, bakDayNames}}
	for i, b := range bounds {
		f, err := bakParseCronField(fields[i], b.min, b.max, b.names)
		if err != nil {
			return parsed, fmt.Errorf("%s field %q: %w", b.name, fields[i], err)
		}
		parsed[i] = f
	}
	if parsed[4].has(7) {
		parsed[4].bits |= 1 // 7 is Sunday too
	}
	return parsed, nil
}

// bakCronLongestGap lays the runs of a parsed schedule out over bakCronHorizon from the day of
// from and returns the longest gap between two of them.
func bakCronLongestGap(f [5]bakCronField, from time.Time) time.Duration {
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	var times []int // minutes after midnight at which a matching day has a run
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			if hour.has(h) && minute.has(m) {
				times = append(times, h*60+m)
			}
		}
	}
	longest := 0
	for i := 1; i < len(times); i++ {
		longest = max(longest, times[i]-times[i-1])
	}
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	horizonDays := int(bakCronHorizon / (24 * time.Hour))
	prev, runDays := -1, 0
	for i := 0; i < horizonDays; i++ {
		d := day.AddDate(0, 0, i)
		if !month.has(int(d.Month())) || !bakCronDayMatches(dom, dow, d) {
			continue
		}
		if prev >= 0 {
			longest = max(longest, (i-prev)*24*60+times[0]-times[len(times)-1])
		}
		prev = i
		runDays++
	}
	if runDays < 2 {
		return bakCronHorizon
	}
	return time.Duration(longest) * time.Minute
}

// bakCronDayMatches follows cron: when both day fields are restricted, either may match.
func bakCronDayMatches(dom, dow bakCronField, d time.Time) bool {
	domMatch, dowMatch := dom.has(d.Day()), dow.has(int(d.Weekday()))
	if dom.star || dow.star {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}

func bakParseCronField(expr string, lo, hi int, names map[string]int) (bakCronField, error) {
	var f bakCronField
	value := func(s string) (int, error) {
		if v, ok := names[strings.ToLower(s)]; ok {
			return v, nil
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", s)
		}
		return v, nil
	}
	for _, item := range strings.Split(expr, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			var err error
			if step, err = strconv.Atoi(stepText); err != nil || step < 1 {
				return f, fmt.Errorf("step %q is not a positive number", stepText)
			}
		}
		var from, to int
		if rng == "*" || rng == "?" {
			from, to = lo, hi
			f.star = f.star || step == 1
		} else {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if from, err = value(a); err != nil {
				return f, err
			}
			to = from
			switch {
			case isRange:
				if to, err = value(b); err != nil {
					return f, err
				}
			case hasStep:
				to = hi
			}
		}
		if from < lo || to > hi || from > to {
			return f, fmt.Errorf("%q is outside %d-%d", item, lo, hi)
		}
		for v := from; v <= to; v += step {
			f.bits |= 1 << uint(v)
		}
	}
	return f, nil
}
