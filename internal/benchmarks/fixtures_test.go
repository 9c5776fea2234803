package benchmarks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
)

// fixtureGroup is the API group of the FixtureOptions document a fixture may contain:
//
//	apiVersion: fixtures.kubeposture.io/v1
//	kind: FixtureOptions
//	level: L2                         # target level; default: the check's own level
//	now: "2026-06-01T00:00:00Z"       # Snapshot.Now; default: defaultNow
//	source: Manifests                 # default: Cluster
//	serverVersion: v1.37.2            # default: v1.37.2
//	expect: NotApplicable             # required result; default from the file name (pass_/fail_)
//	offending: 1                      # exact count of Fail/Error findings, when given
//	params: {TrustedRegistries: [registry.example.com]}   # overlay on DefaultParams, Go field names
//	excludedNamespaces: [sandbox]
//	namespaceSelector: {team: a}       # label equality, as matchLabels
//	servedKinds: [Schedule.velero.io]  # optional kinds served by the cluster, even with no objects
//	secretsRead: false                # Secrets were not gathered (default: true)
//	kubeletConfigs:                   # node name -> KubeletConfiguration (as inside /configz)
//	  node-1: {readOnlyPort: 0}
//	kubeletConfigErrors: {node-2: "proxy: connection refused"}
const fixtureGroup = "fixtures.kubeposture.io"

var defaultNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

type fixtureOptions struct {
	Level               string                     `json:"level"`
	Now                 string                     `json:"now"`
	Source              string                     `json:"source"`
	ServerVersion       string                     `json:"serverVersion"`
	Expect              string                     `json:"expect"`
	Offending           *int                       `json:"offending"`
	Params              json.RawMessage            `json:"params"`
	ExcludedNamespaces  []string                   `json:"excludedNamespaces"`
	NamespaceSelector   map[string]string          `json:"namespaceSelector"`
	ServedKinds         []string                   `json:"servedKinds"`
	SecretsRead         *bool                      `json:"secretsRead"`
	KubeletConfigs      map[string]json.RawMessage `json:"kubeletConfigs"`
	KubeletConfigErrors map[string]string          `json:"kubeletConfigErrors"`
}

// fixture is one testdata file turned into a snapshot and an expectation.
type fixture struct {
	path      string
	snap      *benchmarks.Snapshot
	level     benchmarks.Level
	expect    benchmarks.Result
	offending *int
}

func loadFixture(t *testing.T, c benchmarks.Check, path string) fixture {
	t.Helper()
	objs, err := manifest.ReadFile(path)
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	opts := fixtureOptions{}
	snap := &benchmarks.Snapshot{}
	for _, o := range objs {
		if u, ok := o.Object.(*unstructured.Unstructured); ok && u.GroupVersionKind().Group == fixtureGroup {
			raw, _ := json.Marshal(u.Object)
			if err := json.Unmarshal(raw, &opts); err != nil {
				t.Fatalf("%s:%d: FixtureOptions: %v", o.File, o.Line, err)
			}
			continue
		}
		if !snap.Add(o.Object) {
			t.Fatalf("%s:%d: the checks do not read %T; remove it from the fixture", o.File, o.Line, o.Object)
		}
	}
	f := fixture{path: path, snap: snap, level: c.Level, offending: opts.Offending}
	if opts.Level != "" {
		if f.level, err = benchmarks.ParseLevel(opts.Level); err != nil {
			t.Fatal(err)
		}
	}
	snap.Now = defaultNow
	if opts.Now != "" {
		if snap.Now, err = time.Parse(time.RFC3339, opts.Now); err != nil {
			t.Fatal(err)
		}
	}
	snap.Source = benchmarks.SourceCluster
	if opts.Source != "" {
		snap.Source = benchmarks.Source(opts.Source)
	}
	snap.ServerVersion = "v1.37.2"
	if opts.ServerVersion != "" {
		snap.ServerVersion = opts.ServerVersion
	}
	snap.Params = benchmarks.DefaultParams()
	if len(opts.Params) > 0 {
		if err := json.Unmarshal(opts.Params, &snap.Params); err != nil {
			t.Fatalf("FixtureOptions.params: %v", err)
		}
	}
	for _, gk := range opts.ServedKinds {
		if snap.Extra == nil {
			snap.Extra = map[string][]*unstructured.Unstructured{}
		}
		if _, ok := snap.Extra[gk]; !ok {
			snap.Extra[gk] = []*unstructured.Unstructured{}
		}
	}
	snap.SecretsRead = true
	if opts.SecretsRead != nil {
		snap.SecretsRead = *opts.SecretsRead
	}
	if opts.KubeletConfigs != nil || opts.KubeletConfigErrors != nil {
		snap.KubeletConfigs = map[string]benchmarks.KubeletConfigResult{}
		for node, raw := range opts.KubeletConfigs {
			cfg, err := benchmarks.ParseConfigz([]byte(`{"kubeletconfig":` + string(raw) + `}`))
			if err != nil {
				t.Fatalf("FixtureOptions.kubeletConfigs[%s]: %v", node, err)
			}
			snap.KubeletConfigs[node] = benchmarks.KubeletConfigResult{Config: cfg}
		}
		for node, msg := range opts.KubeletConfigErrors {
			snap.KubeletConfigs[node] = benchmarks.KubeletConfigResult{Err: msg}
		}
	}
	var selector map[string]string
	if len(opts.NamespaceSelector) > 0 {
		selector = opts.NamespaceSelector
	}
	snap.Scope = benchmarks.NewScope(labelSelector(selector), opts.ExcludedNamespaces, snap.Params.SystemNamespaces)

	base := filepath.Base(path)
	switch {
	case opts.Expect != "":
		f.expect = benchmarks.Result(opts.Expect)
	case strings.HasPrefix(base, "pass_"):
		f.expect = benchmarks.Pass
	case strings.HasPrefix(base, "fail_"):
		f.expect = benchmarks.Fail
	default:
		t.Fatalf("%s: name it pass_*.yaml or fail_*.yaml, or set expect in FixtureOptions", path)
	}
	return f
}

// TestFixtures runs every check against each of its fixtures. CHECK=WKL-001 focuses one check.
func TestFixtures(t *testing.T) {
	focus := os.Getenv("CHECK")
	ran := 0
	for _, c := range benchmarks.All() {
		if focus != "" && c.ID != focus {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", c.ID, "*.yaml"))
			sort.Strings(files)
			for _, path := range files {
				t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
					f := loadFixture(t, c, path)
					rep := benchmarks.Evaluate(f.snap, []benchmarks.Check{c}, benchmarks.Options{Level: f.level})
					if len(rep.Checks) != 1 {
						t.Fatalf("check %s did not run at %s", c.ID, f.level)
					}
					got := rep.Checks[0]
					if got.Result != f.expect {
						t.Fatalf("result %s, want %s\nmessage: %s\nfindings:\n%s", got.Result, f.expect, got.Message, formatFindings(got.Findings))
					}
					if f.offending != nil && got.Offending != *f.offending {
						t.Fatalf("%d offending findings, want %d:\n%s", got.Offending, *f.offending, formatFindings(got.Findings))
					}
					if got.Result == benchmarks.Fail {
						for _, fd := range got.Findings {
							if fd.Message == "" {
								t.Errorf("finding about %s has no message", fd.Object)
							}
						}
					}
				})
			}
		})
		ran++
	}
	if focus != "" && ran == 0 {
		t.Fatalf("CHECK=%s names no registered check", focus)
	}
}

func formatFindings(fs []benchmarks.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Result, f.Object, f.Message)
	}
	return b.String()
}
