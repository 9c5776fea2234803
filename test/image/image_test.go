// Package image tests the operator's OCI image as `make image` builds it.
package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"sigs.k8s.io/yaml"

	"github.com/kubeposture/kubeposture/internal/ociimage"
	"github.com/kubeposture/kubeposture/test/envtest"
)

var (
	managerOnce sync.Once
	managerBin  string
	managerErr  error
)

// staticManager builds the static manager once, the way `make image` does.
func staticManager(t *testing.T, root string) string {
	t.Helper()
	managerOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kubeposture-image-")
		if err != nil {
			managerErr = err
			return
		}
		managerBin = filepath.Join(dir, "manager")
		fmt.Fprintln(os.Stderr, "image test: building the static manager for linux/amd64")
		build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", managerBin, "./cmd")
		build.Dir = root
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := build.CombinedOutput(); err != nil {
			managerErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if managerErr != nil {
		t.Fatal(managerErr)
	}
	return managerBin
}

// buildImage writes the image's layout into a temporary directory with the project's image
// command, from the static manager.
func buildImage(t *testing.T) (layoutDir, digest string) {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := staticManager(t, root)
	dir := t.TempDir()
	layoutDir = filepath.Join(dir, "layout")
	run := exec.Command("go", "run", "./hack/image", "-binary", bin, "-version", "0.0.0-test", "-revision", "0123456789abcdef",
		"-layout", layoutDir, "-tarball", filepath.Join(dir, "image.tar"))
	run.Dir = root
	out, err := run.Output()
	if err != nil {
		t.Fatalf("hack/image: %v", err)
	}
	return layoutDir, strings.TrimSpace(string(out))
}

// TestImageConfig reads the image from its OCI layout and checks how it runs: a numeric
// non-root user, the manager as entrypoint, the OCI labels, and no shell or other binary.
func TestImageConfig(t *testing.T) {
	dir, digest := buildImage(t)
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Digest.String() != digest {
		t.Fatalf("the layout holds %v, want the one image %s", im.Manifests, digest)
	}
	img, err := p.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	user, group, ok := strings.Cut(cf.Config.User, ":")
	uid, err1 := strconv.Atoi(user)
	_, err2 := strconv.Atoi(group)
	if !ok || err1 != nil || err2 != nil || uid == 0 {
		t.Errorf("user %q, want numeric non-root uid:gid", cf.Config.User)
	}
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != ociimage.Entrypoint {
		t.Errorf("entrypoint %v, want [%s]", cf.Config.Entrypoint, ociimage.Entrypoint)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.source":   "https://github.com/kubeposture/kubeposture",
		"org.opencontainers.image.version":  "0.0.0-test",
		"org.opencontainers.image.revision": "0123456789abcdef",
	} {
		if got := cf.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("platform %s/%s, want linux/amd64", cf.OS, cf.Architecture)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int64{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = h.Mode
		}
		_ = rc.Close()
	}
	for _, name := range []string{"manager", "etc/ssl/certs/ca-certificates.crt", "etc/passwd"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the image lacks /%s", name)
		}
	}
	for name, mode := range files {
		if strings.HasSuffix(name, "/sh") || strings.HasPrefix(name, "bin/") || strings.HasPrefix(name, "usr/bin/") {
			t.Errorf("the image holds /%s", name)
		}
		if mode&0o111 != 0 && !strings.HasSuffix(name, "/") && name != "manager" {
			t.Errorf("the image holds the executable /%s", name)
		}
	}
}

// TestImageIsReproducible assembles the image twice from the same binary: the digests are equal.
func TestImageIsReproducible(t *testing.T) {
	_, a := buildImage(t)
	_, b := buildImage(t)
	if a != b || !strings.HasPrefix(a, "sha256:") {
		t.Errorf("two builds gave %s and %s", a, b)
	}
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// TestManifestsPinTheImageByDigest checks that config/manager and the chart reference the same
// image by digest (`make image` writes both).
func TestManifestsPinTheImageByDigest(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	var kust struct {
		Images []struct {
			Name, NewName, NewTag, Digest string
		} `json:"images"`
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "manager", "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &kust); err != nil {
		t.Fatal(err)
	}
	var values struct {
		Image struct{ Repository, Digest string } `json:"image"`
	}
	data, err = os.ReadFile(filepath.Join(root, "charts", "kubeposture", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	if len(kust.Images) != 1 || !digestRE.MatchString(kust.Images[0].Digest) || kust.Images[0].NewTag != "" {
		t.Fatalf("config/manager pins %+v, want one image by digest (run `make image`)", kust.Images)
	}
	if values.Image.Digest != kust.Images[0].Digest || values.Image.Repository != kust.Images[0].NewName {
		t.Errorf("the chart pins %s@%s, config/manager %s@%s (run `make image`)", values.Image.Repository, values.Image.Digest,
			kust.Images[0].NewName, kust.Images[0].Digest)
	}
}
