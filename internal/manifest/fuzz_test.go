package manifest

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the manifest reader: it never panics, an error names the
// file and a line inside it, and every object it returns is located on a line of the file.
func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ns\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
		"---\n# comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n",
		"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n",
		"kind: Pod\nmetadata: [\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n\tname: tab\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"}}",
		"\xef\xbb\xbfapiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: crlf\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Read("in.yaml", data)
		lines := bytes.Count(data, []byte("\n")) + 1
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("error %v (%T) does not locate the problem", err, err)
			}
			if me.File != "in.yaml" || me.Line < 1 || me.Line > lines {
				t.Fatalf("error at %s:%d, want in.yaml and a line in 1..%d", me.File, me.Line, lines)
			}
			return
		}
		for _, o := range objs {
			if o.File != "in.yaml" || o.Line < 1 || o.Line > lines {
				t.Fatalf("object %s located at %s:%d, want in.yaml and a line in 1..%d", o.GVK, o.File, o.Line, lines)
			}
		}
	})
}
