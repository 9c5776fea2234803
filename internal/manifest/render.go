package manifest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/getter"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// ReadKustomization renders the kustomization in dir as `kustomize build dir` does and passes
// on its objects. Each object is located where kustomize says it came from (its origin, which
// the build records as if the kustomization listed buildMetadata: [originAnnotations]): the
// resource file and the object's line in it, or the kustomization whose generator made it.
func (l *Loader) ReadKustomization(dir string, fn func(Object) error) error {
	kfile := kustomizationFile(dir)
	fsys, keep, err := withOriginAnnotations(filesys.MakeFsOnDisk(), kfile)
	if err != nil {
		return fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(fsys, dir)
	if err != nil {
		return fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	l.Files++
	sources := map[string][]Object{}
	for _, r := range resources.Resources() {
		file, line := kfile, 1
		if origin, err := r.GetOrigin(); err == nil && origin != nil && origin.Repo == "" {
			switch {
			case origin.Path != "":
				file = filepath.Join(dir, origin.Path)
				line = 0
			case origin.ConfiguredIn != "":
				file = filepath.Join(dir, origin.ConfiguredIn)
			}
		}
		if !keep {
			if err := r.SetOrigin(nil); err != nil {
				return fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
			}
		}
		data, err := r.AsYAML()
		if err != nil {
			return fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
		err = Decode(file, data, l.Options, func(o Object) error {
			o.Line = line
			if o.Line == 0 {
				o.Line = lineInSource(sources, file, o)
			}
			return fn(o)
		})
		if err != nil {
			return fmt.Errorf("kustomize build %s: %s: %w", dir, r.CurId(), err)
		}
	}
	return nil
}

// lineInSource finds the line of a rendered object in the resource file it came from: the one
// object of its kind there, or the one whose name the rendered name contains (kustomize adds
// prefixes and suffixes), the longest such. It returns 1, the file, when neither is certain.
func lineInSource(cache map[string][]Object, file string, o Object) int {
	objs, ok := cache[file]
	if !ok {
		objs, _ = ReadFile(file)
		cache[file] = objs
	}
	name := ""
	if m, ok := o.Object.(metav1.Object); ok {
		name = m.GetName()
	}
	line, best, sameKind := 1, -1, 0
	for _, src := range objs {
		if src.GVK.GroupKind() != o.GVK.GroupKind() {
			continue
		}
		sameKind++
		m, ok := src.Object.(metav1.Object)
		if !ok {
			continue
		}
		if n := m.GetName(); n != "" && strings.Contains(name, n) && len(n) > best {
			line, best = src.Line, len(n)
		}
	}
	if sameKind == 1 && best < 0 {
		for _, src := range objs {
			if src.GVK.GroupKind() == o.GVK.GroupKind() {
				return src.Line
			}
		}
	}
	return line
}

// withOriginAnnotations returns a file system on which the kustomization file kfile also asks
// for origin annotations, and whether the kustomization asked for them itself (then they stay
// on the objects).
func withOriginAnnotations(fsys filesys.FileSystem, kfile string) (filesys.FileSystem, bool, error) {
	data, err := fsys.ReadFile(kfile)
	if err != nil {
		return nil, false, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fsys, false, nil //nolint:nilerr // kustomize reports what is wrong with the file
	}
	root := doc.Content[0]
	var meta *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "buildMetadata" {
			meta = root.Content[i+1]
		}
	}
	if meta == nil {
		meta = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"}, meta)
	}
	if meta.Kind != yaml.SequenceNode {
		return fsys, false, nil
	}
	for _, v := range meta.Content {
		if v.Value == kusttypes.OriginAnnotations {
			return fsys, true, nil
		}
	}
	meta.Content = append(meta.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: kusttypes.OriginAnnotations})
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, false, err
	}
	abs, err := filepath.Abs(kfile)
	if err != nil {
		return nil, false, err
	}
	return &rewrittenFile{FileSystem: fsys, path: abs, data: out}, false, nil
}

// rewrittenFile is a file system whose one file reads as data.
type rewrittenFile struct {
	filesys.FileSystem
	path string
	data []byte
}

func (f *rewrittenFile) ReadFile(path string) ([]byte, error) {
	if abs, err := filepath.Abs(path); err == nil && abs == f.path {
		return f.data, nil
	}
	return f.FileSystem.ReadFile(path)
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
// located at the template that produced it (the template `helm template` names in its
// "# Source:" comment), at the object's line in that template's rendered output; the chart's
// CRDs are read from crds/.
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
	if err := Decode(name, data, l.Options, fn); err != nil {
		return fmt.Errorf("rendered %w", err)
	}
	return nil
}
