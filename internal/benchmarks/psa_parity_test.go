package benchmarks_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/policy"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
)

// psaTestData returns the directory of the Pod Security library's own test pods for the
// newest Kubernetes version, from the module cache.
func psaTestData(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("locating k8s.io/pod-security-admission: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
}

func psaSnapshot(t *testing.T, path string) *benchmarks.Snapshot {
	t.Helper()
	objs, err := manifest.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := &benchmarks.Snapshot{Source: benchmarks.SourceCluster, ServerVersion: "v1.37.2", SecretsRead: true}
	for _, o := range objs {
		if pod, ok := o.Object.(*corev1.Pod); ok {
			pod.Namespace = "psa"
			pod.Status.Phase = corev1.PodRunning
			// The API server defaults a volume without a source to emptyDir; the library's pods
			// are written for admission, after defaulting.
			for i := range pod.Spec.Volumes {
				if v := &pod.Spec.Volumes[i]; v.VolumeSource == (corev1.VolumeSource{}) {
					v.EmptyDir = &corev1.EmptyDirVolumeSource{}
				}
			}
		}
		s.Add(o.Object)
	}
	return s
}

// TestPodSecurityParity runs the Pod Security library's own failing and passing pods through the
// catalog: every failing pod must fail the control's dedicated check or WKL-031, and no passing
// pod may fail WKL-031.
func TestPodSecurityParity(t *testing.T) {
	dir := psaTestData(t)
	checks := map[string]benchmarks.Check{}
	for _, c := range benchmarks.All() {
		checks[c.ID] = c
	}
	controls := map[string]policy.CheckID{}
	// overriding maps a control to the restricted control that replaces it at restricted.
	overriding := map[policy.CheckID]policy.CheckID{}
	for _, c := range policy.DefaultChecks() {
		controls[strings.ToLower(string(c.ID))] = c.ID
		if _, ok := overriding[c.ID]; !ok {
			overriding[c.ID] = c.ID
		}
		for _, o := range c.Versions[len(c.Versions)-1].OverrideCheckIDs {
			overriding[o] = c.ID
		}
	}
	for _, level := range []struct {
		dir string
		lvl benchmarks.Level
	}{{"baseline", benchmarks.L1}, {"restricted", benchmarks.L2}} {
		versions, _ := filepath.Glob(filepath.Join(dir, level.dir, "v1.*"))
		if len(versions) == 0 {
			t.Fatalf("no test data under %s", filepath.Join(dir, level.dir))
		}
		newest := filepath.Join(dir, level.dir, "v1.37")
		fails, _ := filepath.Glob(filepath.Join(newest, "fail", "*.yaml"))
		passes, _ := filepath.Glob(filepath.Join(newest, "pass", "*.yaml"))
		if len(fails) == 0 || len(passes) == 0 {
			t.Fatalf("no pods in %s", newest)
		}
		for _, path := range fails {
			name := strings.TrimRightFunc(strings.TrimSuffix(filepath.Base(path), ".yaml"), unicode.IsDigit)
			t.Run(level.dir+"/fail/"+filepath.Base(path), func(t *testing.T) {
				id, ok := controls[name]
				if !ok {
					t.Fatalf("no Pod Security control named %q", name)
				}
				if level.dir == "restricted" {
					id = overriding[id]
				}
				checkID := "WKL-031"
				if dedicated, ok := benchmarks.PSADedicatedCheck(id); ok && checks[dedicated].Level <= level.lvl {
					checkID = dedicated
				}
				rep := benchmarks.Evaluate(psaSnapshot(t, path), testEnv(), []benchmarks.Check{checks[checkID]}, benchmarks.Options{Level: level.lvl})
				if got := rep.Checks[0]; got.Result != benchmarks.Fail {
					t.Errorf("control %s: %s at %s is %s, want Fail: %s", id, checkID, level.lvl, got.Result, got.Message)
				}
			})
		}
		for _, path := range passes {
			t.Run(level.dir+"/pass/"+filepath.Base(path), func(t *testing.T) {
				rep := benchmarks.Evaluate(psaSnapshot(t, path), testEnv(), []benchmarks.Check{checks["WKL-031"]}, benchmarks.Options{Level: level.lvl})
				if got := rep.Checks[0]; got.Result != benchmarks.Pass {
					t.Errorf("WKL-031 at %s is %s, want Pass: %s", level.lvl, got.Result, got.Message)
				}
			})
		}
	}
}

// TestPodSecurityChecksStateTheirScope keeps docs/checks.md honest: every check that judges a
// Pod Security control says how its scope compares with the control.
func TestPodSecurityChecksStateTheirScope(t *testing.T) {
	byID := map[string]benchmarks.Check{}
	for _, c := range benchmarks.All() {
		byID[c.ID] = c
	}
	ids := []string{"WKL-031"}
	for _, c := range policy.DefaultChecks() {
		if id, ok := benchmarks.PSADedicatedCheck(c.ID); ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		c, ok := byID[id]
		if !ok {
			t.Errorf("%s is not in the registry", id)
			continue
		}
		if c.Scope == "" {
			t.Errorf("%s judges a Pod Security control but states no Scope", id)
		}
	}
}
