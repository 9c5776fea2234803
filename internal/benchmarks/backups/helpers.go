package backups

import (
	"fmt"
	"strconv"
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
