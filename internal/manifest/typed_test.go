package manifest

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	kjson "sigs.k8s.io/json"
)

// typedKinds are the types every document is also decoded into, whatever it declares, so the
// comparison reaches fields of the other kinds too.
var typedKinds = []schema.GroupVersionKind{
	{Group: "apps", Version: "v1", Kind: "Deployment"},
	{Version: "v1", Kind: "Pod"},
	{Version: "v1", Kind: "Secret"},
	{Version: "v1", Kind: "ConfigMap"},
	{Version: "v1", Kind: "Service"},
	{Group: "batch", Version: "v1", Kind: "CronJob"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"},
	{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "ValidatingAdmissionPolicy"},
}

var typedSeeds = []string{
	`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","creationTimestamp":"2024-01-02T03:04:05Z","labels":{"x":"1"}},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"500m","memory":1e3}},"ports":[{"containerPort":80}],"livenessProbe":{"httpGet":{"port":"http"}}}]}}}}`,
	`{"kind":"Deployment","Kind":"Pod","metadata":{"Name":"upper","name":"lower"},"spec":{"Replicas":4}}`,
	`{"metadata":{"name":"d"},"spec":{"replicas":"3"}}`,
	`{"metadata":{"name":"d"},"spec":{"replicas":1.5}}`,
	`{"metadata":{"name":"d"},"spec":{"replicas":99999999999}}`,
	`{"metadata":{"name":"d"},"spec":{"replicas":null,"template":null}}`,
	`{"metadata":{"name":"d","annotations":{"a":null}},"spec":{"selector":{"matchLabels":{"a":"b"}}}}`,
	`{"data":{"k":"aGVsbG8=","l":"aGVs\nbG8=","bad":"!!"},"stringData":{"t":"v"},"type":"kubernetes.io/dockerconfigjson"}`,
	`{"data":{"k":"aGVsbG8"}}`,
	`{"spec":{"ports":[{"port":80,"targetPort":"http"},{"port":443,"targetPort":8443}]}}`,
	`{"spec":{"containers":[{"name":"a","image":"x","securityContext":{"privileged":true,"runAsUser":0,"capabilities":{"add":["NET_ADMIN"]}}}],"hostNetwork":"yes"}}`,
	`{"metadata":{"name":"x","ownerReferences":[{"apiVersion":"v1","kind":"A","name":"n","uid":"u","controller":true}],"creationTimestamp":"not a time"}}`,
	`{"metadata":{"creationTimestamp":null,"deletionGracePeriodSeconds":-1},"rules":[{"apiGroups":[""],"resources":["*"],"verbs":["*"]}]}`,
	`{"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{"containers":[]}}}}}}`,
	`{"spec":{"containers":{"name":"a"}}}`,
	`{"spec":{"matchConstraints":{"resourceRules":[{"operations":["CREATE"]}]},"validations":[{"expression":"true"}],"paramKind":{"kind":"ConfigMap"}}}`,
	`{"metadata":{"name":"\ufffd\u2028<&>"},"spec":{"containers":[{"name":"a","env":[{"name":"E","value":"v\u0000"}]}]}}`,
	`[1,2]`,
	`"str"`,
	`null`,
	`{"metadata":{"labels":["a"]}}`,
	`{"metadata":{"generation":-0,"resourceVersion":5}}`,
}

// compareTyped decodes body into each of typedKinds with the scan's decoder and with
// sigs.k8s.io/json's, and fails when they disagree on whether it decodes or on what it gives.
func compareTyped(t *testing.T, body []byte) {
	t.Helper()
	for _, gvk := range typedKinds {
		want, err := scheme.Scheme.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := scheme.Scheme.New(gvk)
		werr := kjson.UnmarshalCaseSensitivePreserveInts(body, want)
		gerr := decodeTyped(body, got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: sigs.k8s.io/json error %v, scan's decoder %v, for\n%s", gvk.Kind, werr, gerr, body)
		}
		if werr == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%s: sigs.k8s.io/json gives\n%+v\nscan's decoder\n%+v\nfor\n%s", gvk.Kind, want, got, body)
		}
	}
}

// FuzzTypedDecoding checks that the scan's typed decoder reads arbitrary JSON into the API
// types as sigs.k8s.io/json (the API server's decoder) does.
func FuzzTypedDecoding(f *testing.F) {
	for _, seed := range typedSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) { compareTyped(t, body) })
}

func TestTypedDecodingMatchesAPIServerDecoder(t *testing.T) {
	for _, seed := range typedSeeds {
		compareTyped(t, []byte(seed))
	}
}

// TestTypedDecodingOfRepositoryManifests compares the two decoders on every YAML document of
// the repository's test data and examples, as the scan writes them to JSON.
func TestTypedDecodingOfRepositoryManifests(t *testing.T) {
	root := filepath.Join("..", "..")
	docs := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "bin" || name == "templates") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := os.ReadFile(path) //nolint:gosec // the repository's own files
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc yaml.Node
			if dec.Decode(&doc) != nil {
				break
			}
			if len(doc.Content) == 0 {
				continue
			}
			body, err := appendJSON(nil, doc.Content[0], 0)
			if err != nil {
				continue
			}
			docs++
			compareTyped(t, body)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if docs < 100 {
		t.Fatalf("compared %d documents, want the repository's test data (hundreds)", docs)
	}
}

// benchDeployment is a document of `make bench-scan`'s corpus.
const benchDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-7
  namespace: team-7
  labels: {app.kubernetes.io/name: app-7}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: app-7}}
  template:
    metadata: {labels: {app.kubernetes.io/name: app-7}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/team-7/app:1.7.0
          imagePullPolicy: Always
          ports: [{containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
`

// BenchmarkTypedDecoding compares the typed decoding of one Deployment by sigs.k8s.io/json and
// by the scan's decoder.
func BenchmarkTypedDecoding(b *testing.B) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(benchDeployment), &doc); err != nil {
		b.Fatal(err)
	}
	body, err := appendJSON(nil, doc.Content[0], 0)
	if err != nil {
		b.Fatal(err)
	}
	gvk := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	for _, dec := range []struct {
		name string
		fn   func([]byte, runtime.Object) error
	}{
		{"sigs.k8s.io-json", func(b []byte, o runtime.Object) error { return kjson.UnmarshalCaseSensitivePreserveInts(b, o) }},
		{"scan", decodeTyped},
	} {
		b.Run(dec.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				obj, _ := scheme.Scheme.New(gvk)
				if err := dec.fn(body, obj); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRead reads one Deployment document, from bytes to typed object.
func BenchmarkRead(b *testing.B) {
	data := []byte(benchDeployment)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read("deploy.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
