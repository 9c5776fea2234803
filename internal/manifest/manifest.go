package manifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// Object is one decoded manifest with where it came from.
type Object struct {
	Object runtime.Object
	// Line is the first content line of the object's document, 1-based.
	// GVK is the apiVersion and kind the document declared (typed objects lose their TypeMeta
	// when decoded).
	GVK  schema.GroupVersionKind
	File string
	Line int
}

// Error is a manifest that could not be read, with its file and line.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

var decoder = serializer.NewCodecFactory(scheme.Scheme).UniversalDeserializer()

// ReadPaths reads every .yaml, .yml and .json file under the given files and directories, in
// lexical order.
func ReadPaths(paths []string) ([]Object, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(files)
	var out []Object
	for _, f := range files {
		objs, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// ReadFile reads one file of YAML documents separated by "---" (or one JSON document).
func ReadFile(path string) ([]Object, error) {
	data, err := os.ReadFile(path) //nolint:gosec // reading the manifests the user named is the point
	if err != nil {
		return nil, err
	}
	return Read(path, data)
}

// Read decodes the documents of data; name is used in errors.
func Read(name string, data []byte) ([]Object, error) {
	var out []Object
	for _, doc := range splitDocuments(data) {
		if len(bytes.TrimSpace(stripComments(doc.body))) == 0 {
			continue
		}
		obj, gvk, err := decode(doc.body)
		if err != nil {
			return nil, &Error{File: name, Line: doc.line + lineOf(err), Err: err}
		}
		line := doc.line + leadingNonContent(doc.body)
		if list, ok := obj.(*unstructured.UnstructuredList); ok {
			for i := range list.Items {
				out = append(out, Object{Object: &list.Items[i], GVK: list.Items[i].GroupVersionKind(), File: name, Line: line})
			}
			continue
		}
		out = append(out, Object{Object: obj, GVK: gvk, File: name, Line: line})
	}
	return out, nil
}

func decode(body []byte) (runtime.Object, schema.GroupVersionKind, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	var gvk schema.GroupVersionKind
	if kinds, _, err := scheme.Scheme.ObjectKinds(obj); err == nil && len(kinds) > 0 {
		gvk = kinds[0]
	} else {
		gvk = obj.GetObjectKind().GroupVersionKind()
	}
	return obj, gvk, nil
}

func decodeObject(body []byte) (runtime.Object, error) {
	jsonBody, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, err
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(jsonBody, &meta); err != nil {
		return nil, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	if meta.Kind == "" || meta.APIVersion == "" {
		return nil, errors.New("not a Kubernetes object: apiVersion and kind are required")
	}
	obj, _, err := decoder.Decode(jsonBody, nil, nil)
	if err == nil {
		return obj, nil
	}
	if !runtime.IsNotRegisteredError(err) {
		return nil, fmt.Errorf("%s %s: %w", meta.APIVersion, meta.Kind, err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(jsonBody); err != nil {
		return nil, err
	}
	return u, nil
}

type document struct {
	body []byte
	line int // first line of the document, 1-based
}

func splitDocuments(data []byte) []document {
	var docs []document
	var cur bytes.Buffer
	start, n := 1, 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimLeft(line, "-")) == "" {
			docs = append(docs, document{body: append([]byte(nil), cur.Bytes()...), line: start})
			cur.Reset()
			start = n + 1
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	docs = append(docs, document{body: cur.Bytes(), line: start})
	return docs
}

func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) == 0 || t[0] == '#' {
			continue
		}
		out.Write(l)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// leadingNonContent counts the blank and comment lines before a document's first content line.
func leadingNonContent(doc []byte) int {
	n := 0
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) != 0 && t[0] != '#' {
			break
		}
		n++
	}
	return n
}

// lineOf extracts the "line N" a YAML error names, as an offset within its document.
func lineOf(err error) int {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		if _, scanErr := fmt.Sscanf(msg[i:], "line %d", &line); scanErr == nil && line > 0 {
			return line - 1
		}
	}
	return 0
}
