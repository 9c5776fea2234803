package chart

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
	"github.com/kubeposture/kubeposture/internal/options"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// shippedProfile is the SecurityProfile the chart creates with its default values.
func shippedProfile(t *testing.T) *securityv1alpha1.SecurityProfile {
	t.Helper()
	for _, u := range find(render(t, nil), "SecurityProfile") {
		p := &securityv1alpha1.SecurityProfile{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, p, true); err != nil {
			t.Fatalf("the shipped profile: %v", err)
		}
		return p
	}
	t.Fatal("the default rendering creates no SecurityProfile")
	return nil
}

// scanL3 runs the project's manifest scan on the objects at L3 with the chart's shipped
// profile, and requires the L3 achieved: every check a manifest can decide passes or is exempted
// with a reason.
func scanL3(t *testing.T, objs []runtime.Object) {
	t.Helper()
	profile := shippedProfile(t)
	spec := profile.Spec.DeepCopy()
	spec.Level = securityv1alpha1.LevelL3
	opts, params, scope, err := options.ForProfile(spec)
	if err != nil {
		t.Fatal(err)
	}
	snap := &benchmarks.Snapshot{Source: benchmarks.SourceManifests}
	for _, o := range objs {
		snap.Add(o)
	}
	rep := benchmarks.Evaluate(snap, benchmarks.Env{Now: time.Now(), Params: params, Scope: scope}, benchmarks.All(), opts)
	exempted := 0
	for _, c := range rep.Checks {
		switch c.Result {
		case benchmarks.Fail, benchmarks.Error:
			t.Errorf("%s (%s, %s) %s: %s", c.Check.ID, c.Check.Level, c.Check.Severity, c.Result, c.Message)
		case benchmarks.Exempted:
			exempted++
			t.Logf("%s Exempted: %s", c.Check.ID, c.Message)
		}
	}
	if rep.Achieved != benchmarks.L3 {
		t.Errorf("achieved %v at L3, want L3 (%d checks, %d exempted)", rep.Achieved, len(rep.Checks), exempted)
	}
}

// TestChartAchievesL3 scans the chart's default rendering.
func TestChartAchievesL3(t *testing.T) {
	scanL3(t, renderTyped(t, nil))
}

// TestInstallerAchievesL3 builds dist/install.yaml with `make build-installer`, scans it with
// the chart's shipped profile, and requires the build to leave the tree unchanged.
func TestInstallerAchievesL3(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	before := gitStatus(t, root)
	cmd := exec.Command("make", "--no-print-directory", "build-installer")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build-installer: %v\n%s", err, out)
	}
	if after := gitStatus(t, root); after != before {
		t.Errorf("make build-installer changed the tree:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	path := filepath.Join(root, "dist", "install.yaml")
	objs, err := manifest.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var typed []runtime.Object
	for _, o := range objs {
		typed = append(typed, o.Object)
	}
	scanL3(t, typed)
}

func gitStatus(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command("git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
