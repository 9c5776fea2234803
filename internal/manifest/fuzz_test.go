package manifest

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	yaml "go.yaml.in/yaml/v3"
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

// FuzzDirectDecoding checks that documents written straight to JSON decode to the same objects
// as through nodeValue's generic values.
func FuzzDirectDecoding(f *testing.F) {
	for _, seed := range directSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) { compareDirect(t, data) })
}

var directSeeds = []string{
	"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {x: \"1\", y: \"yes\", z: 2030-01-01}\nspec:\n  replicas: 3\n  template:\n    spec:\n      hostNetwork: on\n      containers:\n      - name: c\n        image: nginx\n        securityContext: {privileged: True, runAsUser: 0x10, runAsGroup: +7}\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"quo\\\"te\", annotations: {\"a\\tb\": \"line\\nbreak \\u0001 \\u2028 ü\"}}\ndata: {n: ~, e: ''}\n",
	"apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\nspec: {f: 1.5e3, g: 1e400, big: 123456789012345678901234567890, i: 9007199254740993, neg: -0, oct: 0o17, y: yes, n: NO}\n",
	"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3, ratio: 0.5, list: [1, -2, 003, 1.0], nested: {~: null, 1: one, true: t}}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, name: q}\n",
	"apiVersion: v1\nkind: Pod\nmetadata: &m {name: p}\nspec: {containers: [{name: a, image: x}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: *m\n",
	"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80, targetPort: http}, {port: 443, targetPort: 8443}]}\n",
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: many}\n",
	"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: !!binary aGVsbG8=}\nstringData: {t: !custom value}\n",
}

func TestDirectDecodingMatchesGeneral(t *testing.T) {
	for _, seed := range directSeeds {
		compareDirect(t, []byte(seed))
	}
}

func compareDirect(t *testing.T, data []byte) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		var direct, general []Object
		_, ok, derr := decodeDirect("in.yaml", root, Options{}, func(o Object) error { direct = append(direct, o); return nil })
		if !ok {
			continue
		}
		_, gerr := decodeGeneral("in.yaml", root, Options{}, func(o Object) error { general = append(general, o); return nil })
		if (derr == nil) != (gerr == nil) {
			t.Fatalf("direct decoding error %v, general %v, for\n%s", derr, gerr, data)
		}
		if !reflect.DeepEqual(direct, general) {
			t.Fatalf("direct decoding gives\n%+v\ngeneral\n%+v\nfor\n%s", direct, general, data)
		}
	}
}
