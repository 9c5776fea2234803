// Command image builds the operator's OCI image (see internal/ociimage) and writes it as an OCI
// image layout and as a tarball, then prints its digest.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kubeposture/kubeposture/internal/ociimage"
)

func main() {
	var o ociimage.Options
	var repo, layoutDir, tarPath string
	flag.StringVar(&o.Binary, "binary", "", "the static manager binary")
	flag.StringVar(&o.CABundle, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA bundle")
	flag.StringVar(&o.Source, "source", "https://github.com/kubeposture/kubeposture", "source repository label")
	flag.StringVar(&o.Version, "version", "", "version label")
	flag.StringVar(&o.Revision, "revision", "", "revision label (a commit)")
	flag.StringVar(&o.Arch, "arch", "amd64", "the binary's architecture")
	flag.StringVar(&repo, "repository", "ghcr.io/kubeposture/kubeposture", "image repository")
	flag.StringVar(&layoutDir, "layout", "dist/image", "OCI image layout directory to write")
	flag.StringVar(&tarPath, "tarball", "dist/kubeposture-image.tar", "image tarball to write")
	flag.Parse()
	if err := run(o, repo, layoutDir, tarPath); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(o ociimage.Options, repo, layoutDir, tarPath string) error {
	if o.Binary == "" || o.Version == "" || o.Revision == "" {
		return fmt.Errorf("-binary, -version and -revision are required")
	}
	img, err := ociimage.Build(o)
	if err != nil {
		return err
	}
	ref, err := name.NewTag(repo + ":" + o.Version)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(layoutDir); err != nil {
		return err
	}
	p, err := layout.Write(layoutDir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref.String()})); err != nil {
		return err
	}
	if err := tarball.WriteToFile(tarPath, ref, img); err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Println(d.String())
	return nil
}
