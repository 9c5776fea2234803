package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// TestRunIsReproducible: the same binaries give the same archives and manifest, which names
// each platform from the binary's file name.
func TestRunIsReproducible(t *testing.T) {
	dir := t.TempDir()
	var bins []string
	for _, name := range []string{"kubectl-posture_linux_amd64", "kubectl-posture_windows_amd64.exe"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("binary "+name), 0o600); err != nil {
			t.Fatal(err)
		}
		bins = append(bins, p)
	}
	var manifests []string
	for i := range 2 {
		m := filepath.Join(dir, "posture.yaml")
		if err := run("v1.2.3", m, "https://example.com/releases", filepath.Join(dir, "out", string(rune('a'+i))), bins); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		manifests = append(manifests, string(data))
	}
	if manifests[0] != manifests[1] {
		t.Errorf("two runs on the same binaries differ:\n%s\n%s", manifests[0], manifests[1])
	}
	var p index.Plugin
	if err := yaml.UnmarshalStrict([]byte(manifests[0]), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.Platforms) != 2 || p.Spec.Platforms[1].Bin != "kubectl-posture.exe" ||
		!strings.HasSuffix(p.Spec.Platforms[1].URI, "/v1.2.3/kubectl-posture_v1.2.3_windows_amd64.zip") ||
		p.Spec.Platforms[0].Selector.MatchLabels["os"] != "linux" {
		t.Errorf("platforms = %+v", p.Spec.Platforms)
	}
}
