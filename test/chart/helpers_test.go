package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/kubeposture/kubeposture/test/envtest"
)

const (
	releaseName      = "kubeposture"
	releaseNamespace = "kubeposture-system"
)

// chartDir is the chart's directory in the repository.
func chartDir(t testing.TB) string {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "charts", "kubeposture")
}

// rendered is one manifest of a rendering, with the template it came from.
type rendered struct {
	Template string
	Object   *unstructured.Unstructured
}

// renderYAML renders the chart with the values (merged over values.yaml) the way
// `helm template` does, and returns the manifests by template name.
func renderYAML(t testing.TB, values map[string]any) map[string]string {
	t.Helper()
	ch, err := loader.Load(chartDir(t))
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{
		Name: releaseName, Namespace: releaseNamespace, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatalf("values: %v", err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatalf("rendering the chart: %v", err)
	}
	return out
}

// render renders the chart and decodes every manifest, in template order.
func render(t testing.TB, values map[string]any) []rendered {
	t.Helper()
	out := renderYAML(t, values)
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var objs []rendered
	for _, name := range names {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(out[name])), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s: %v", name, err)
			}
			if len(u.Object) == 0 {
				continue
			}
			if u.GetKind() == "" || u.GetName() == "" {
				t.Fatalf("%s: a manifest without kind or name: %v", name, u.Object)
			}
			objs = append(objs, rendered{Template: name, Object: u})
		}
	}
	return objs
}

// joined is a rendering as one multi-document YAML stream.
func joined(objs []rendered) []byte {
	var b bytes.Buffer
	for _, o := range objs {
		data, err := o.Object.MarshalJSON()
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "---\n%s\n", data)
	}
	return b.Bytes()
}

// find returns the rendered objects of a kind.
func find(objs []rendered, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.Object.GetKind() == kind {
			out = append(out, o.Object)
		}
	}
	return out
}
