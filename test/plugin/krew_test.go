package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// TestKrewManifest reads plugins/posture.yaml into krew's own index types, rejecting unknown
// fields, and checks what krew needs to install the plugin: the name, the release's version
// (the Makefile's VERSION), and for each platform an os/arch selector, an https archive of that
// version with a sha256, and the kubectl-posture binary. When `make plugin` has built the
// archives, their sha256 must be the manifest's.
func TestKrewManifest(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "plugins", "posture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var p index.Plugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatalf("plugins/posture.yaml: %v", err)
	}
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" || p.Name != "posture" {
		t.Errorf("apiVersion %q, kind %q, name %q; want a krew v1alpha2 Plugin named posture", p.APIVersion, p.Kind, p.Name)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^VERSION \?= (\S+)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile sets no VERSION")
	}
	version := "v" + string(m[1])
	if p.Spec.Version != version {
		t.Errorf("spec.version %q; want %q, the Makefile's VERSION (run `make plugin`)", p.Spec.Version, version)
	}
	if p.Spec.ShortDescription == "" || len(p.Spec.ShortDescription) > 64 || p.Spec.Homepage == "" || p.Spec.Description == "" {
		t.Errorf("shortDescription %q (at most 64 characters), homepage %q and description are required", p.Spec.ShortDescription, p.Spec.Homepage)
	}
	if len(p.Spec.Platforms) == 0 {
		t.Fatal("no platforms")
	}
	seen := map[string]bool{}
	hexSum := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for i, pl := range p.Spec.Platforms {
		if pl.Selector == nil || pl.Selector.MatchLabels["os"] == "" || pl.Selector.MatchLabels["arch"] == "" {
			t.Errorf("platforms[%d]: the selector must match os and arch: %+v", i, pl.Selector)
			continue
		}
		goos, goarch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		key := goos + "/" + goarch
		if seen[key] {
			t.Errorf("platforms[%d]: %s is listed twice", i, key)
		}
		seen[key] = true
		bin := "kubectl-posture"
		if goos == "windows" {
			bin += ".exe"
		}
		if pl.Bin != bin || len(pl.Files) != 1 || pl.Files[0].From != bin {
			t.Errorf("platforms[%d] (%s): bin %q, files %+v; want %s installed from the archive", i, key, pl.Bin, pl.Files, bin)
		}
		if !strings.HasPrefix(pl.URI, "https://") || !strings.Contains(pl.URI, "/"+version+"/") || !strings.Contains(pl.URI, "_"+goos+"_"+goarch+".") {
			t.Errorf("platforms[%d] (%s): uri %q is not the https archive of %s for that platform", i, key, pl.URI, version)
		}
		if !hexSum.MatchString(pl.Sha256) {
			t.Errorf("platforms[%d] (%s): sha256 %q", i, key, pl.Sha256)
		}
		archive, err := os.ReadFile(filepath.Join(root, "dist", "plugin", path.Base(pl.URI)))
		if err == nil {
			sum := sha256.Sum256(archive)
			if hex.EncodeToString(sum[:]) != pl.Sha256 {
				t.Errorf("platforms[%d] (%s): dist/plugin/%s has another sha256 than the manifest (run `make plugin`)", i, key, path.Base(pl.URI))
			}
		}
	}
	if !seen["linux/amd64"] {
		t.Error("no linux/amd64 platform")
	}
}
