package openreports

import (
	"sort"
	"strings"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

const (
	// Source names kubeposture as the reports' engine.
	Source = "kubeposture"
	// MaxResults bounds the results of one report; its summary still counts every finding.
	MaxResults = 100
	// maxMessage bounds a result's message, as the profile's status bounds its messages.
	maxMessage = 1024

	// LabelManagedBy and LabelProfile mark the reports the operator wrote for a profile.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelProfile   = "security.kubeposture.io/profile"
	managedBy      = "kubeposture"
)

// Reports is what one audit publishes.
type Reports struct {
	// Namespaced holds one Report per namespace with failures, sorted by namespace.
	Namespaced []*reportsv1alpha1.Report
	// Cluster holds the cluster-scoped failures and the whole audit's summary.
	Cluster *reportsv1alpha1.ClusterReport
}

// Name is the name of a profile's reports.
func Name(profile string) string { return "kubeposture-" + profile }

// Build turns an audit report into OpenReports. It is pure: now stamps results that have no
// earlier timestamp, and earlier (the reports currently stored, may be nil) keeps the
// timestamp of each result that was already reported, so an unchanged audit yields unchanged
// reports.
func Build(profile string, owner metav1.OwnerReference, rep *benchmarks.Report, now time.Time, earlier *Reports) *Reports {
	seen := timestamps(earlier)
	ts := metav1.Timestamp{Seconds: now.Unix()}
	byNS := map[string][]reportsv1alpha1.ReportResult{}
	nsSummary := map[string]*reportsv1alpha1.ReportSummary{}
	var cluster []reportsv1alpha1.ReportResult
	clusterSummary := reportsv1alpha1.ReportSummary{}
	count := func(ns string, r benchmarks.Result) {
		s := nsSummary[ns]
		if s == nil {
			s = &reportsv1alpha1.ReportSummary{}
			nsSummary[ns] = s
		}
		switch r {
		case benchmarks.Fail:
			s.Fail++
		case benchmarks.Error:
			s.Error++
		case benchmarks.Exempted:
			s.Skip++
		}
	}
	for i := range rep.Checks {
		c := &rep.Checks[i]
		switch c.Result {
		case benchmarks.Pass:
			clusterSummary.Pass++
		case benchmarks.Fail:
			clusterSummary.Fail++
		case benchmarks.Error:
			clusterSummary.Error++
		case benchmarks.Manual:
			clusterSummary.Warn++
		default:
			clusterSummary.Skip++
		}
		objects := false
		for _, f := range c.Findings {
			if f.Result != benchmarks.Fail && f.Result != benchmarks.Error {
				if f.Object.Namespace != "" {
					count(f.Object.Namespace, f.Result)
				}
				continue
			}
			if f.Object.Name == "" {
				continue
			}
			objects = true
			res := result(c, f.Result, f.Message, &f.Object, ts)
			if f.Object.Namespace == "" {
				cluster = append(cluster, res)
				continue
			}
			count(f.Object.Namespace, f.Result)
			byNS[f.Object.Namespace] = append(byNS[f.Object.Namespace], res)
		}
		if !objects && (c.Result == benchmarks.Fail || c.Result == benchmarks.Error) {
			// A check that fails as a whole (a missing control, a cluster setting) names no object.
			cluster = append(cluster, result(c, c.Result, c.Message, nil, ts))
		}
	}
	out := &Reports{}
	var namespaces []string
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		r := &reportsv1alpha1.Report{
			TypeMeta:   metav1.TypeMeta{APIVersion: reportsv1alpha1.GroupVersion.String(), Kind: "Report"},
			ObjectMeta: objectMeta(profile, ns, owner),
			Source:     Source,
			Scope:      &corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: ns},
			Summary:    *nsSummary[ns],
			Results:    bounded(byNS[ns], seen),
		}
		r.Configuration = configuration()
		out.Namespaced = append(out.Namespaced, r)
	}
	out.Cluster = &reportsv1alpha1.ClusterReport{
		TypeMeta:      metav1.TypeMeta{APIVersion: reportsv1alpha1.GroupVersion.String(), Kind: "ClusterReport"},
		ObjectMeta:    objectMeta(profile, "", owner),
		Source:        Source,
		Configuration: configuration(),
		Summary:       clusterSummary,
		Results:       bounded(cluster, seen),
	}
	return out
}

func objectMeta(profile, ns string, owner metav1.OwnerReference) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: Name(profile), Namespace: ns,
		Labels:          map[string]string{LabelManagedBy: managedBy, LabelProfile: profile},
		OwnerReferences: []metav1.OwnerReference{owner},
	}
}

func configuration() *reportsv1alpha1.ReportConfiguration {
	return &reportsv1alpha1.ReportConfiguration{Limits: reportsv1alpha1.Limits{
		MaxResults: MaxResults, StatusFilter: []reportsv1alpha1.StatusFilter{"fail", "error"},
	}}
}

func result(c *benchmarks.CheckReport, r benchmarks.Result, msg string, obj *benchmarks.ObjectRef, ts metav1.Timestamp) reportsv1alpha1.ReportResult {
	out := reportsv1alpha1.ReportResult{
		Source:      Source,
		Policy:      c.Check.ID,
		Rule:        c.Check.Title,
		Category:    string(c.Check.Domain),
		Severity:    reportsv1alpha1.ResultSeverity(strings.ToLower(string(c.Check.Severity))),
		Timestamp:   ts,
		Result:      "fail",
		Scored:      true,
		Description: benchmarks.Truncate(msg, maxMessage),
		Properties:  map[string]string{"level": c.Check.Level.String()},
	}
	if r == benchmarks.Error {
		out.Result = "error"
	}
	if obj != nil {
		out.Subjects = []corev1.ObjectReference{{Kind: obj.Kind, Namespace: obj.Namespace, Name: obj.Name}}
	}
	return out
}

// bounded sorts results by severity, check and object, keeps the first MaxResults, and gives
// each result reported before its earlier timestamp.
func bounded(results []reportsv1alpha1.ReportResult, seen map[string]metav1.Timestamp) []reportsv1alpha1.ReportResult {
	weight := map[reportsv1alpha1.ResultSeverity]int{"critical": 4, "high": 3, "medium": 2, "low": 1}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if weight[a.Severity] != weight[b.Severity] {
			return weight[a.Severity] > weight[b.Severity]
		}
		if a.Policy != b.Policy {
			return a.Policy < b.Policy
		}
		return subject(a) < subject(b)
	})
	if len(results) > MaxResults {
		results = results[:MaxResults]
	}
	for i := range results {
		if t, ok := seen[key(results[i])]; ok {
			results[i].Timestamp = t
		}
	}
	return results
}

func subject(r reportsv1alpha1.ReportResult) string {
	if len(r.Subjects) == 0 {
		return ""
	}
	s := r.Subjects[0]
	return s.Kind + "/" + s.Namespace + "/" + s.Name
}

// key identifies a result across audits: the same check, object, verdict and message.
func key(r reportsv1alpha1.ReportResult) string {
	return r.Policy + "\x00" + subject(r) + "\x00" + string(r.Result) + "\x00" + r.Description
}

func timestamps(earlier *Reports) map[string]metav1.Timestamp {
	out := map[string]metav1.Timestamp{}
	if earlier == nil {
		return out
	}
	add := func(rs []reportsv1alpha1.ReportResult) {
		for _, r := range rs {
			out[key(r)] = r.Timestamp
		}
	}
	for _, r := range earlier.Namespaced {
		add(r.Results)
	}
	if earlier.Cluster != nil {
		add(earlier.Cluster.Results)
	}
	return out
}
