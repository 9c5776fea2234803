package manifest

import (
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type located struct {
	file string
	line int
}

func locationsOf(t *testing.T, objs []Object, root string) map[string]located {
	t.Helper()
	out := map[string]located{}
	for _, o := range objs {
		m := o.Object.(metav1.Object)
		rel, err := filepath.Rel(root, o.File)
		if err != nil {
			t.Fatal(err)
		}
		out[o.GVK.Kind+"/"+m.GetName()] = located{rel, o.Line}
	}
	return out
}

// Objects rendered by kustomize are located at the resource file and line they came from, or
// at the kustomization whose generator made them; the origin annotation that records this is
// not left on the objects unless the kustomization asks for it.
func TestKustomizationObjectsAreLocatedAtTheirSource(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"base/kustomization.yaml": "resources: [app.yaml, svc.yaml]\n",
		"base/app.yaml": "# the app\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n" +
			"  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n" +
			"    spec: {containers: [{name: app, image: nginx}]}\n---\n" +
			"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-canary}\nspec:\n" +
			"  selector: {matchLabels: {app: canary}}\n  template:\n    metadata: {labels: {app: canary}}\n" +
			"    spec: {containers: [{name: app, image: nginx}]}\n",
		"base/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n",
		"prod/kustomization.yaml": "namePrefix: prod-\nnamespace: shop\nresources: [../base]\n" +
			"configMapGenerator:\n- name: settings\n  literals: [mode=prod]\n",
	})
	var objs []Object
	if err := (&Loader{}).ReadKustomization(filepath.Join(dir, "prod"), func(o Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := locationsOf(t, objs, dir)
	for id, want := range map[string]located{
		"Deployment/prod-web":        {"base/app.yaml", 2},
		"Deployment/prod-web-canary": {"base/app.yaml", 11},
		"Service/prod-web":           {"base/svc.yaml", 1},
	} {
		if got[id] != want {
			t.Errorf("%s located at %+v, want %+v", id, got[id], want)
		}
	}
	var cm located
	for id, l := range got {
		if len(id) > len("ConfigMap/") && id[:len("ConfigMap/")] == "ConfigMap/" {
			cm = l
		}
	}
	if cm != (located{"prod/kustomization.yaml", 1}) {
		t.Errorf("generated ConfigMap located at %+v, want the kustomization that generates it", cm)
	}
	for _, o := range objs {
		if _, ok := o.Object.(metav1.Object).GetAnnotations()["config.kubernetes.io/origin"]; ok {
			t.Errorf("%s keeps the origin annotation the kustomization did not ask for", o.GVK.Kind)
		}
	}

	// A kustomization that asks for origin annotations keeps them.
	if err := os.WriteFile(filepath.Join(dir, "base/kustomization.yaml"), []byte("resources: [svc.yaml]\nbuildMetadata: [originAnnotations]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	objs = nil
	if err := (&Loader{}).ReadKustomization(filepath.Join(dir, "base"), func(o Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Object.(metav1.Object).GetAnnotations()["config.kubernetes.io/origin"] == "" {
		t.Errorf("the asked-for origin annotation is gone: %+v", objs)
	}
}

// Objects rendered from a chart are located at their template, at their line in its rendered
// output.
func TestChartObjectsAreLocatedAtTheirTemplate(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
		"values.yaml": "image: nginx\n",
		"templates/app.yaml": "{{- /* the app and its settings */ -}}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\n" +
			"data: {mode: prod}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n" +
			"  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n" +
			"    spec: {containers: [{name: app, image: {{ .Values.image }}}]}\n",
		"templates/svc.yaml": "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-web\nspec: {ports: [{port: 80}]}\n",
	})
	var objs []Object
	if err := (&Loader{}).ReadChart(dir, nil, func(o Object) error {
		objs = append(objs, o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := locationsOf(t, objs, dir)
	for id, want := range map[string]located{
		"ConfigMap/release-name-settings": {"templates/app.yaml", 1},
		"Deployment/release-name-web":     {"templates/app.yaml", 7},
		"Service/release-name-web":        {"templates/svc.yaml", 1},
	} {
		if got[id] != want {
			t.Errorf("%s located at %+v, want %+v", id, got[id], want)
		}
	}
}
