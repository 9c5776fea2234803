package openreports

import (
	"context"
	"fmt"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// groupVersion is the OpenReports API version the operator writes.
var groupVersion = schema.GroupVersion{Group: reportsv1alpha1.GroupVersion.Group, Version: reportsv1alpha1.GroupVersion.Version}

// Writer keeps a profile's OpenReports in line with its last audit.
type Writer struct {
	// Client reads and writes uncached; it needs list, create, patch and delete on reports,
	// and list, create and patch on clusterreports (config/components/openreports): the
	// ClusterReport is owned by its profile and deleted with it by garbage collection.
	Client client.Client
}

// Write replaces the profile's reports with those of the audit: it creates the missing ones,
// applies the changed ones and deletes those of namespaces without failures any more. When the
// openreports.io kinds are not served it writes nothing and returns served=false. An object of
// a report's name that the operator did not write is left untouched and named in the error.
func (w *Writer) Write(ctx context.Context, profile string, owner metav1.OwnerReference, rep *benchmarks.Report, now time.Time) (served bool, err error) {
	current, err := w.current(ctx, profile)
	if notServed(err) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	want := Build(profile, owner, rep, now, current.reports)
	var errs []error
	keep := map[string]bool{}
	for _, r := range want.Namespaced {
		keep[r.Namespace] = true
		var have *reportsv1alpha1.Report
		for _, c := range current.reports.Namespaced {
			if c.Namespace == r.Namespace {
				have = c
			}
		}
		if have != nil && same(have.Summary, r.Summary, have.Results, r.Results) {
			continue
		}
		if err := w.put(ctx, r, have != nil); err != nil {
			errs = append(errs, err)
		}
	}
	for _, u := range current.namespaced {
		if !keep[u.GetNamespace()] {
			if err := client.IgnoreNotFound(w.Client.Delete(ctx, u)); err != nil {
				errs = append(errs, fmt.Errorf("deleting Report %s/%s: %w", u.GetNamespace(), u.GetName(), err))
			}
		}
	}
	have := current.reports.Cluster
	if have == nil || !same(have.Summary, want.Cluster.Summary, have.Results, want.Cluster.Results) {
		if err := w.put(ctx, want.Cluster, have != nil); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return true, fmt.Errorf("writing the OpenReports of SecurityProfile %s: %w", profile, joinErrors(errs))
	}
	return true, nil
}

func same(a, b reportsv1alpha1.ReportSummary, ra, rb []reportsv1alpha1.ReportResult) bool {
	return a == b && equality.Semantic.DeepEqual(ra, rb)
}

type stored struct {
	reports *Reports
	// namespaced are the stored Reports as listed, for deletion.
	namespaced []*unstructured.Unstructured
}

// current lists the profile's stored reports.
func (w *Writer) current(ctx context.Context, profile string) (*stored, error) {
	sel := client.MatchingLabels{LabelManagedBy: managedBy, LabelProfile: profile}
	out := &stored{reports: &Reports{}}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(groupVersion.WithKind("ReportList"))
	if err := w.Client.List(ctx, list, sel); err != nil {
		return nil, fmt.Errorf("listing the Reports of SecurityProfile %s: %w", profile, err)
	}
	for i := range list.Items {
		u := &list.Items[i]
		if u.GetName() != Name(profile) {
			continue
		}
		r := &reportsv1alpha1.Report{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, r); err != nil {
			return nil, err
		}
		out.reports.Namespaced = append(out.reports.Namespaced, r)
		out.namespaced = append(out.namespaced, u)
	}
	clusterList := &unstructured.UnstructuredList{}
	clusterList.SetGroupVersionKind(groupVersion.WithKind("ClusterReportList"))
	if err := w.Client.List(ctx, clusterList, sel); err != nil {
		return nil, fmt.Errorf("listing the ClusterReports of SecurityProfile %s: %w", profile, err)
	}
	for i := range clusterList.Items {
		u := &clusterList.Items[i]
		if u.GetName() != Name(profile) {
			continue
		}
		r := &reportsv1alpha1.ClusterReport{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, r); err != nil {
			return nil, err
		}
		out.reports.Cluster = r
	}
	return out, nil
}

// put creates a report the operator does not have yet (so an object of that name written by
// someone else is never taken over) and server-side applies one it owns.
func (w *Writer) put(ctx context.Context, obj client.Object, owned bool) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	what := u.GetKind() + " " + u.GetName()
	if u.GetNamespace() != "" {
		what = u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
	}
	if !owned {
		err := w.Client.Create(ctx, u, client.FieldOwner(managedBy))
		if apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s exists and was not written by kubeposture for this profile; it is left untouched", what)
		}
		if err != nil {
			return fmt.Errorf("creating %s: %w", what, err)
		}
		return nil
	}
	if err := w.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(managedBy), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s: %w", what, err)
	}
	return nil
}

// notServed reports whether err says the openreports.io kinds do not exist on the API server.
func notServed(err error) bool {
	return err != nil && (meta.IsNoMatchError(err) || apierrors.IsNotFound(err) || isDiscoveryMiss(err))
}
