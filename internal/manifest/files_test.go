package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestLoaderObjectsOutliveTheirFilesBytes reads a directory of files of different lengths and
// kinds (YAML, JSON, typed and unregistered kinds, lists) through the Loader, which reuses its
// file buffers, and checks that every object equals the one read from its file alone.
func TestLoaderObjectsOutliveTheirFilesBytes(t *testing.T) {
	dir := t.TempDir()
	for i := range 60 {
		long := strings.Repeat(fmt.Sprintf("x%d", i), 1+(59-i)*20)
		var doc string
		switch i % 4 {
		case 0:
			doc = fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d, annotations: {a: %s}}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: \"registry/%s:1\"}]\n", i, long, long)
		case 1:
			doc = fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c%d"},"data":{"k":%q}}`, i, long)
		case 2:
			doc = fmt.Sprintf("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w%d}\nspec: {text: %s, list: [%s, b]}\n", i, long, long)
		default:
			doc = fmt.Sprintf("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s%d}\n  stringData: {k: %s}\n- apiVersion: extensions/v1beta1\n  kind: Deployment\n  metadata: {name: old%d, labels: {l: %s}}\n", i, long, i, long)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.yaml", i)), []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var want []Object
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		objs, err := ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, objs...)
	}
	if len(got) != len(want) || len(got) < 60 {
		t.Fatalf("the Loader read %d objects, the files alone %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("object %d of the Loader\n%+v\ndiffers from the file read alone\n%+v", i, got[i].Object, want[i].Object)
		}
	}
}
