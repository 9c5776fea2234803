package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
	yaml "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// Object is one decoded manifest with where it came from.
type Object struct {
	Object runtime.Object
	// GVK is the apiVersion and kind of the decoded object (after any conversion from a
	// deprecated apiVersion).
	GVK schema.GroupVersionKind
	// Declared is the apiVersion and kind the document declared; it differs from GVK when the
	// object was converted from a deprecated apiVersion.
	Declared schema.GroupVersionKind
	File     string
	// Line is the first content line of the object, 1-based.
	Line int
}

// Converted reports whether the object was read from a deprecated apiVersion.
func (o *Object) Converted() bool { return o.Declared != o.GVK }

// Error is a manifest that could not be read, with its file and line.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// errNotKubernetes marks a document without apiVersion and kind.
var errNotKubernetes = errors.New("not a Kubernetes object: apiVersion and kind are required")

// Options control how documents become objects.
type Options struct {
	// Namespace is given to namespaced objects that name none, as `kubectl apply -f` does;
	// empty means "default".
	Namespace string
}

func (o Options) namespace() string {
	if o.Namespace == "" {
		return metav1.NamespaceDefault
	}
	return o.Namespace
}

// Read decodes every document of one file with the default Options; name is used in objects
// and errors.
func Read(name string, data []byte) ([]Object, error) { return ReadWith(name, data, Options{}) }

// ReadFile reads one file of YAML documents or JSON objects with the default Options.
func ReadFile(path string) ([]Object, error) {
	data, err := os.ReadFile(path) //nolint:gosec // reading the manifests the caller named is the point
	if err != nil {
		return nil, err
	}
	return Read(path, data)
}

// ReadPaths reads the files and directories as a Loader with the default Options does, and
// returns their objects in order.
func ReadPaths(paths []string) ([]Object, error) {
	var out []Object
	err := (&Loader{}).ReadPaths(paths, func(o Object) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// ReadWith decodes every document of one file; name is used in objects and errors. A file none
// of whose documents is a Kubernetes object (a kustomization, a CI workflow, Helm values)
// returns a *NotKubernetesError; any other bad document is an *Error naming its line.
func ReadWith(name string, data []byte, opts Options) ([]Object, error) {
	var out []Object
	err := Decode(name, data, opts, func(o Object) error {
		out = append(out, o)
		return nil
	})
	return out, err
}

// NotKubernetesError is a file that holds YAML or JSON but no Kubernetes object.
type NotKubernetesError struct {
	File   string
	Reason string
}

func (e *NotKubernetesError) Error() string {
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// Decode calls fn for every object of one file, in order, without keeping them.
func Decode(name string, data []byte, opts Options, fn func(Object) error) error {
	if first := firstByte(data); first == '{' || first == '[' {
		return decodeJSON(name, data, opts, fn)
	}
	return decodeYAML(name, data, opts, fn)
}

func firstByte(data []byte) byte {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// decodeYAML reads a stream of YAML documents with go.yaml.in/yaml/v3, which knows the
// document markers (including "--- # comment"), has no line-length limit and gives every node
// its line.
func decodeYAML(name string, data []byte, opts Options, fn func(Object) error) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var notKube *Error
	objects := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &Error{File: name, Line: yamlErrorLine(err), Err: yamlErrorText(err)}
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document
		}
		n, err := decodeNode(name, root, opts, fn)
		objects += n
		if errors.Is(err, errNotKubernetes) {
			if notKube == nil {
				notKube = &Error{File: name, Line: root.Line, Err: err}
			}
			continue
		}
		if err != nil {
			return err
		}
		if notKube != nil {
			return notKube
		}
	}
	if notKube != nil {
		if objects == 0 {
			return &NotKubernetesError{File: name, Reason: "no document is a Kubernetes object"}
		}
		return notKube
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func yamlErrorLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func yamlErrorText(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringIndex(msg); m != nil {
		return errors.New(msg[m[1]:])
	}
	return err
}

// decodeNode decodes one YAML document (or, for a List, each of its items) and reports how
// many objects it passed to fn.
func decodeNode(name string, root *yaml.Node, opts Options, fn func(Object) error) (int, error) {
	if n, ok, err := decodeDirect(name, root, opts, fn); ok {
		return n, err
	}
	return decodeGeneral(name, root, opts, fn)
}

// decodeGeneral decodes any document through nodeValue's JSON-shaped values: lists, deprecated
// apiVersions, anchors and merge keys.
func decodeGeneral(name string, root *yaml.Node, opts Options, fn func(Object) error) (int, error) {
	v, err := nodeValue(root, 0)
	if err != nil {
		return 0, &Error{File: name, Line: root.Line, Err: err}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return 0, errNotKubernetes
	}
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if apiVersion == "" || kind == "" || !isResource(apiVersion, kind) {
		return 0, errNotKubernetes
	}
	if isList(kind, m) {
		items, _ := m["items"].([]any)
		itemNodes := listItemNodes(root)
		n := 0
		for i, it := range items {
			line := root.Line
			if i < len(itemNodes) {
				line = itemNodes[i].Line
			}
			im, ok := it.(map[string]any)
			if !ok {
				return n, &Error{File: name, Line: line, Err: fmt.Errorf("item %d of the %s is not an object", i, kind)}
			}
			fillListItemType(im, apiVersion, kind)
			if err := emit(name, line, im, opts, fn); err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	if err := emit(name, root.Line, m, opts, fn); err != nil {
		return 0, err
	}
	return 1, nil
}

// bodyBuffers are the buffers documents are written to as JSON, one in use per decoding worker.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// decodeDirect decodes the common document, one object of a current apiVersion without anchors,
// merge keys or repeated keys, by writing its nodes straight to JSON for the typed decoder. It
// reports false, having called nothing, for every other document, which decodeNode reads
// through nodeValue.
func decodeDirect(name string, root *yaml.Node, opts Options, fn func(Object) error) (int, bool, error) {
	if root.Kind != yaml.MappingNode {
		return 0, false, nil
	}
	apiVersion, kind := topLevelString(root, "apiVersion"), topLevelString(root, "kind")
	if apiVersion == "" || kind == "" || strings.HasSuffix(kind, "List") {
		return 0, false, nil
	}
	declared := schema.FromAPIVersionAndKind(apiVersion, kind)
	if _, old := deprecated[declared]; old || declared.Version == "" || !isResource(apiVersion, kind) {
		return 0, false, nil
	}
	buf := bodyBuffers.Get().(*[]byte)
	body, err := appendJSON((*buf)[:0], root, 0)
	defer func() {
		*buf = body[:0]
		bodyBuffers.Put(buf)
	}()
	if err != nil {
		return 0, false, nil
	}
	return 1, true, emitBody(name, root.Line, declared, declared, body, opts, fn)
}

// topLevelString is the string value of a key of the document's top mapping, or "" when it is
// missing or not a string.
func topLevelString(root *yaml.Node, key string) string {
	value := ""
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k, v := root.Content[i], root.Content[i+1]; k.Value == key && k.Kind == yaml.ScalarNode {
			value = ""
			if v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
				if _, isBool := yaml11Bools[v.Value]; !isBool || v.Style != 0 {
					value = v.Value
				}
			}
		}
	}
	return value
}

// isList reports whether the document is a kind: List or a typed list such as DeploymentList.
func isList(kind string, m map[string]any) bool {
	if kind == "List" {
		return true
	}
	if !strings.HasSuffix(kind, "List") {
		return false
	}
	_, ok := m["items"].([]any)
	return ok
}

// fillListItemType gives an item of a typed list (as the API returns them, without their own
// apiVersion and kind) the list's type.
func fillListItemType(item map[string]any, apiVersion, listKind string) {
	if listKind == "List" {
		return
	}
	if _, ok := item["apiVersion"]; !ok {
		item["apiVersion"] = apiVersion
	}
	if _, ok := item["kind"]; !ok {
		item["kind"] = strings.TrimSuffix(listKind, "List")
	}
}

func listItemNodes(root *yaml.Node) []*yaml.Node {
	if root.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "items" && root.Content[i+1].Kind == yaml.SequenceNode {
			return root.Content[i+1].Content
		}
	}
	return nil
}

// decodeJSON reads one or more concatenated JSON objects.
func decodeJSON(name string, data []byte, opts Options, fn func(Object) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	objects := 0
	for {
		start := dec.InputOffset()
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		line := lineAt(data, skipSpace(data, int(start)))
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				line = lineAt(data, int(se.Offset))
			}
			return &Error{File: name, Line: line, Err: err}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return &NotKubernetesError{File: name, Reason: "a JSON document that is not an object"}
		}
		apiVersion, _ := m["apiVersion"].(string)
		kind, _ := m["kind"].(string)
		if apiVersion == "" || kind == "" || !isResource(apiVersion, kind) {
			if objects == 0 {
				return &NotKubernetesError{File: name, Reason: "no document has apiVersion and kind"}
			}
			return &Error{File: name, Line: line, Err: errNotKubernetes}
		}
		if isList(kind, m) {
			items, _ := m["items"].([]any)
			for i, it := range items {
				im, ok := it.(map[string]any)
				if !ok {
					return &Error{File: name, Line: line, Err: fmt.Errorf("item %d of the %s is not an object", i, kind)}
				}
				fillListItemType(im, apiVersion, kind)
				if err := emit(name, line, im, opts, fn); err != nil {
					return err
				}
				objects++
			}
			continue
		}
		if err := emit(name, line, m, opts, fn); err != nil {
			return err
		}
		objects++
	}
	return nil
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

func lineAt(data []byte, offset int) int {
	if offset > len(data) {
		offset = len(data)
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// emit converts one object's fields to its typed form and passes it to fn.
func emit(name string, line int, m map[string]any, opts Options, fn func(Object) error) error {
	declared := schema.FromAPIVersionAndKind(m["apiVersion"].(string), m["kind"].(string))
	if declared.Kind == "" || declared.Version == "" {
		return &Error{File: name, Line: line, Err: errNotKubernetes}
	}
	gvk := declared
	if conv, ok := deprecated[declared.GroupKind().WithVersion(declared.Version)]; ok {
		gvk = conv.to.WithKind(declared.Kind)
		m["apiVersion"] = gvk.GroupVersion().String()
		if conv.fix != nil {
			conv.fix(m)
		}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return &Error{File: name, Line: line, Err: err}
	}
	return emitBody(name, line, declared, gvk, body, opts, fn)
}

// emitBody decodes one object's JSON into the type of gvk and passes it to fn.
func emitBody(name string, line int, declared, gvk schema.GroupVersionKind, body []byte, opts Options, fn func(Object) error) error {
	obj, err := decodeObject(gvk, body)
	if err != nil {
		return &Error{File: name, Line: line, Err: fmt.Errorf("%s %s: %w", declared.GroupVersion(), declared.Kind, err)}
	}
	if mo, ok := obj.(metav1.Object); ok && mo.GetNamespace() == "" && !ClusterScoped(gvk.GroupKind()) {
		mo.SetNamespace(opts.namespace())
	}
	return fn(Object{Object: obj, GVK: gvk, Declared: declared, File: name, Line: line})
}

// typedOptions read JSON into the registered API types as the API server's decoder
// (sigs.k8s.io/json) does: encoding/json's semantics, with member names matched exactly. The
// v2 implementation of encoding/json (go-json-experiment/json, the mirror of
// encoding/json/v2) gives them at a fraction of the cost of the v1 decoder. The API types have
// no interface-typed fields, so sigs.k8s.io/json's integer preservation has nothing to do there.
var typedOptions = jsonv2.JoinOptions(jsonv1.DefaultOptionsV1(), jsonv2.MatchCaseInsensitiveNames(false), jsonv1.MatchCaseSensitiveDelimiter(false))

// decodeTyped decodes body into the API object obj.
func decodeTyped(body []byte, obj runtime.Object) error {
	return jsonv2.Unmarshal(body, obj, typedOptions)
}

// decodeObject decodes body into the registered type of gvk, or an Unstructured object when no
// type is registered. The type is known from the document, so the body is read once.
func decodeObject(gvk schema.GroupVersionKind, body []byte) (runtime.Object, error) {
	if obj, err := scheme.Scheme.New(gvk); err == nil {
		if err := decodeTyped(body, obj); err != nil {
			return nil, err
		}
		obj.GetObjectKind().SetGroupVersionKind(gvk)
		return obj, nil
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return u, nil
}
