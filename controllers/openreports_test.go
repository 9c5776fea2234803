package controllers_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	reportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/openreports"
)

var reportsGV = schema.GroupVersion{Group: reportsv1alpha1.GroupVersion.Group, Version: reportsv1alpha1.GroupVersion.Version}

// openReportsCRDs is the CRD directory of the published github.com/openreports/reports-api
// module, as the Go toolchain downloaded it.
func openReportsCRDs(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openreports/reports-api").Output()
	if err != nil {
		t.Fatalf("locating the reports-api module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd")
}

func getReport(ctx context.Context, kind, ns, name string, into any) error {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(reportsGV.WithKind(kind))
	if err := k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		return err
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)
}

// TestOpenReports runs the operator with reports enabled. While the openreports.io kinds are
// not served, audits succeed and write nothing. Once the published CRDs are installed, the next
// audit writes a Report in the namespace of a privileged pod, naming it, and a ClusterReport
// with the summary, both owned by the profile; fixing the pod removes its failure. A Report of
// the same name that someone else wrote is left untouched and named in a status warning.
func TestOpenReports(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "reports-app", Labels: map[string]string{"reports-test": "yes"}}}
	if err := k8sClient.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	pod := privilegedPod(ns.Name, "root-shell")
	if err := k8sClient.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, pod) })

	p := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "reports"}, Spec: securityv1alpha1.SecurityProfileSpec{
		Level:             securityv1alpha1.LevelL1,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"reports-test": "yes"}},
	}}
	createProfile(t, p)
	waitFor(t, p.Name, 30*time.Second, "an audit without the OpenReports kinds", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionReady, metav1.ConditionTrue, "")
	})
	got := &securityv1alpha1.SecurityProfile{}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
		t.Fatal(err)
	}
	for _, w := range got.Status.Warnings {
		if strings.Contains(w, "OpenReports") {
			t.Errorf("without the OpenReports kinds the status warns: %q", w)
		}
	}
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(reportsGV.WithKind("ReportList"))
	if err := k8sClient.List(ctx, list); !meta.IsNoMatchError(err) {
		t.Fatalf("listing Reports before the CRDs are installed: %v; want no match for the kind", err)
	}

	if _, err := envtest.InstallCRDs(restConfig, envtest.CRDInstallOptions{Paths: []string{openReportsCRDs(t)}, ErrorIfPathMissing: true}); err != nil {
		t.Fatal(err)
	}
	// A change in scope triggers the next audit.
	trigger := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "trigger", Namespace: ns.Name}}
	if err := k8sClient.Create(ctx, trigger); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, trigger) })

	name := openreports.Name(p.Name)
	report := &reportsv1alpha1.Report{}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := getReport(ctx, "Report", ns.Name, name, report)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Report %s/%s after the CRDs were installed: %v", ns.Name, name, err)
		}
		if err := k8sClient.Patch(ctx, trigger, client.RawPatch("application/merge-patch+json",
			[]byte(`{"data":{"at":"`+time.Now().Format(time.RFC3339Nano)+`"}}`))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
		t.Fatal(err)
	}
	owned := func(refs []metav1.OwnerReference) bool {
		return len(refs) == 1 && refs[0].Kind == "SecurityProfile" && refs[0].Name == p.Name && refs[0].UID == got.UID
	}
	if !owned(report.OwnerReferences) {
		t.Errorf("Report owner references %+v; want the profile", report.OwnerReferences)
	}
	var wkl001 *reportsv1alpha1.ReportResult
	for i, r := range report.Results {
		if r.Result != "fail" && r.Result != "error" {
			t.Errorf("result %s on %v is %q; reports hold failures only", r.Policy, r.Subjects, r.Result)
		}
		if r.Policy == "WKL-001" {
			wkl001 = &report.Results[i]
		}
	}
	if wkl001 == nil || len(wkl001.Subjects) != 1 || wkl001.Subjects[0].Name != "root-shell" || wkl001.Severity != "critical" || wkl001.Source != "kubeposture" {
		t.Errorf("Report results %+v; want WKL-001 failing on pod root-shell", report.Results)
	}
	if report.Summary.Fail < 1 || report.Summary.Fail < len(report.Results) {
		t.Errorf("Report summary %+v with %d results", report.Summary, len(report.Results))
	}
	cluster := &reportsv1alpha1.ClusterReport{}
	if err := getReport(ctx, "ClusterReport", "", name, cluster); err != nil {
		t.Fatalf("no ClusterReport %s: %v", name, err)
	}
	if !owned(cluster.OwnerReferences) {
		t.Errorf("ClusterReport owner references %+v; want the profile", cluster.OwnerReferences)
	}
	// The status and the reports are written one after the other by each audit, and audits go
	// on (the trigger above): the two agree once they come from the same audit.
	deadline = time.Now().Add(30 * time.Second)
	for {
		s := got.Status.Summary
		if cluster.Summary.Pass == int(s.Passed) && cluster.Summary.Fail == int(s.Failed) && cluster.Summary.Error == int(s.Errored) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClusterReport summary %+v; want the audit's %+v", cluster.Summary, s)
		}
		time.Sleep(200 * time.Millisecond)
		if err := getReport(ctx, "ClusterReport", "", name, cluster); err != nil {
			t.Fatal(err)
		}
		if err := k8sClient.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
			t.Fatal(err)
		}
	}

	// Fixing the pod removes its failure from the namespace's report.
	if err := k8sClient.Delete(ctx, pod); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		err := getReport(ctx, "Report", ns.Name, name, report)
		gone := apierrors.IsNotFound(err)
		if err == nil {
			gone = true
			for _, r := range report.Results {
				if r.Policy == "WKL-001" {
					gone = false
				}
			}
		}
		if gone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WKL-001 failure of the deleted pod is still reported (err %v): %+v", err, report.Results)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Someone else's Report where the operator would write its own.
	foreign := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "reports-foreign", Labels: map[string]string{"reports-test": "yes"}}}
	if err := k8sClient.Create(ctx, foreign); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	theirs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": reportsGV.String(), "kind": "Report",
		"metadata": map[string]any{"name": name, "namespace": foreign.Name},
		"source":   "someone-else",
	}}
	if err := k8sClient.Create(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, theirs) })
	other := privilegedPod(foreign.Name, "another-shell")
	if err := k8sClient.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, other) })
	waitFor(t, p.Name, 30*time.Second, "a warning naming the foreign Report", func(p *securityv1alpha1.SecurityProfile) bool {
		for _, w := range p.Status.Warnings {
			if strings.Contains(w, "Report reports-foreign/"+name+" exists and was not written by kubeposture") {
				return true
			}
		}
		return false
	})
	if err := getReport(ctx, "Report", foreign.Name, name, report); err != nil {
		t.Fatal(err)
	}
	if report.Source != "someone-else" || len(report.Results) != 0 || len(report.OwnerReferences) != 0 {
		t.Errorf("the foreign Report was changed: %+v", report)
	}
}
