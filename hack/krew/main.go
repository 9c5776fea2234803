// Command krew packs kubectl-posture binaries into the archives a krew release publishes
// (tar.gz, or zip for Windows, with fixed timestamps so the same binary gives the same archive)
// and writes the krew plugin manifest with each archive's URL and sha256.
//
//	go run ./hack/krew -version v0.1.0 -manifest plugins/posture.yaml dist/plugin/kubectl-posture_linux_amd64 ...
//
// Each binary's name ends in _OS_ARCH (with .exe on Windows).
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// epoch is the archives' file time.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	version := flag.String("version", "", "the release version (v0.1.0)")
	manifest := flag.String("manifest", "plugins/posture.yaml", "krew manifest to write")
	releases := flag.String("releases", "https://github.com/kubeposture/kubeposture/releases/download", "base URL of the release assets")
	out := flag.String("out", "dist/plugin", "directory for the archives")
	flag.Parse()
	if err := run(*version, *manifest, *releases, *out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "krew:", err)
		os.Exit(1)
	}
}

func run(version, manifest, releases, out string, binaries []string) error {
	if !strings.HasPrefix(version, "v") || len(binaries) == 0 {
		return fmt.Errorf("-version vX.Y.Z and at least one binary are required")
	}
	if err := os.MkdirAll(out, 0o750); err != nil {
		return err
	}
	plugin := index.Plugin{
		TypeMeta:   metav1.TypeMeta{APIVersion: "krew.googlecontainertools.github.com/v1alpha2", Kind: "Plugin"},
		ObjectMeta: metav1.ObjectMeta{Name: "posture"},
		Spec: index.PluginSpec{
			Version:          version,
			Homepage:         "https://github.com/kubeposture/kubeposture",
			ShortDescription: "Audit a cluster or manifests against a security maturity level",
			Description: "kubectl posture runs the container-security maturity checks of the kubeposture operator\n" +
				"once: against the current cluster (kubectl posture audit --level L2) or against manifests,\n" +
				"kustomizations and Helm charts (kubectl posture scan -f DIR). It prints the achieved level,\n" +
				"the failing checks with the objects they name, and exits 0 only when the level is achieved.\n",
		},
	}
	for _, bin := range binaries {
		base := strings.TrimSuffix(filepath.Base(bin), ".exe")
		parts := strings.Split(base, "_")
		if len(parts) < 3 {
			return fmt.Errorf("%s: the binary's name must end in _OS_ARCH", bin)
		}
		goos, goarch := parts[len(parts)-2], parts[len(parts)-1]
		data, err := os.ReadFile(bin) //nolint:gosec // the binaries named on the command line
		if err != nil {
			return err
		}
		exe := "kubectl-posture"
		var archive []byte
		name := fmt.Sprintf("kubectl-posture_%s_%s_%s", version, goos, goarch)
		if goos == "windows" {
			exe += ".exe"
			name += ".zip"
			archive, err = zipOf(exe, data)
		} else {
			name += ".tar.gz"
			archive, err = tarGzOf(exe, data)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), archive, 0o600); err != nil {
			return err
		}
		sum := sha256.Sum256(archive)
		plugin.Spec.Platforms = append(plugin.Spec.Platforms, index.Platform{
			URI:      releases + "/" + version + "/" + name,
			Sha256:   hex.EncodeToString(sum[:]),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"os": goos, "arch": goarch}},
			Files:    []index.FileOperation{{From: exe, To: "."}},
			Bin:      exe,
		})
	}
	doc, err := yaml.Marshal(plugin)
	if err != nil {
		return err
	}
	header := "# The krew manifest of `kubectl posture`, written by `make plugin` (hack/krew) from the\n" +
		"# release archives it builds into dist/plugin; submit it to krew-index with a release.\n"
	return os.WriteFile(manifest, append([]byte(header), bytes.ReplaceAll(doc, []byte("  creationTimestamp: null\n"), nil)...), 0o600)
}

func tarGzOf(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	gz.ModTime = epoch
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func zipOf(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: epoch}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
