package manifest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/getter"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// ReadKustomization renders the kustomization in dir as `kustomize build dir` does and passes
// on its objects. Each object is located at the kustomization file, line 1: the rendered
// stream has no lines of its own in the repository.
func (l *Loader) ReadKustomization(dir string, fn func(Object) error) error {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	name := kustomizationFile(dir)
	l.Files++
	for _, r := range resources.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			return fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
		err = Decode(name, data, l.Options, func(o Object) error {
			o.Line = 1
			return fn(o)
		})
		if err != nil {
			return fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
	}
	return nil
}

func kustomizationFile(dir string) string {
	for _, n := range konfigFileNames {
		if f := filepath.Join(dir, n); fileExists(f) {
			return f
		}
	}
	return filepath.Join(dir, "kustomization.yaml")
}

var konfigFileNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// ReleaseName is the release name charts are rendered with, as `helm template` uses.
const ReleaseName = "release-name"

// ReadChart renders the Helm chart in dir with the values files (later ones win), as
// `helm template` does with the Loader's namespace, and passes on its objects. Each object is
// located at the template that produced it, line 1 (Helm names the template, not the line);
// the chart's CRDs are read from crds/.
func (l *Loader) ReadChart(dir string, valueFiles []string, fn func(Object) error) error {
	chrt, err := loader.Load(dir)
	if err != nil {
		return fmt.Errorf("loading the chart %s: %w", dir, err)
	}
	vals, err := (&values.Options{ValueFiles: valueFiles}).MergeValues(getter.Providers{})
	if err != nil {
		return fmt.Errorf("chart %s: %w", dir, err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return fmt.Errorf("chart %s: %w", dir, err)
	}
	opts := chartutil.ReleaseOptions{Name: ReleaseName, Namespace: l.namespace(), Revision: 1, IsInstall: true}
	rv, err := chartutil.ToRenderValues(chrt, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return fmt.Errorf("chart %s: %w", dir, err)
	}
	rendered, err := engine.Render(chrt, rv)
	if err != nil {
		return fmt.Errorf("rendering the chart %s: %w", dir, err)
	}
	for _, crd := range chrt.CRDObjects() {
		name := filepath.Join(dir, strings.TrimPrefix(crd.Filename, chrt.Name()+"/"))
		if err := l.readRendered(name, crd.File.Data, fn); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(rendered))
	for n := range rendered {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		base := filepath.Base(n)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(base, "NOTES.txt") || strings.TrimSpace(rendered[n]) == "" {
			continue
		}
		name := filepath.Join(dir, strings.TrimPrefix(n, chrt.Name()+"/"))
		if err := l.readRendered(name, []byte(rendered[n]), fn); err != nil {
			return err
		}
	}
	return nil
}

func (l *Loader) readRendered(name string, data []byte, fn func(Object) error) error {
	l.Files++
	err := Decode(name, data, l.Options, func(o Object) error {
		o.Line = 1
		return fn(o)
	})
	if err != nil {
		return fmt.Errorf("rendered %w", err)
	}
	return nil
}
