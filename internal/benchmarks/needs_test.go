package benchmarks_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
)

// fixtureCase is one fixture, loaded, with its check, snapshot and Env.
type fixtureCase struct {
	check benchmarks.Check
	path  string
	snap  *benchmarks.Snapshot
	env   benchmarks.Env
}

// allFixtures loads every fixture of every check.
func allFixtures(t *testing.T) []fixtureCase {
	t.Helper()
	var out []fixtureCase
	for _, c := range benchmarks.All() {
		files, _ := filepath.Glob(filepath.Join("testdata", c.ID, "*.yaml"))
		sort.Strings(files)
		for _, path := range files {
			f, err := fixtures.Load(c, path)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := f.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			env, err := f.Env()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fixtureCase{check: c, path: path, snap: snap, env: env})
		}
	}
	return out
}

// outcome renders what a check finds on a snapshot, at every level from its own.
func outcome(c *benchmarks.Check, s *benchmarks.Snapshot, env benchmarks.Env) string {
	var b strings.Builder
	for lvl := c.Level; lvl <= benchmarks.L3; lvl++ {
		e := env
		e.Level = lvl
		fmt.Fprintf(&b, "%s: %s\n", lvl, render(c.Run(s, &e)))
	}
	return b.String()
}

// render lists findings as "Result object: message", joined by "; ".
func render(fs []benchmarks.Finding) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %s: %s", f.Result, f.Object, f.Message))
	}
	return strings.Join(parts, "; ")
}

// withoutKubelet is s as gathered without kubelet configurations.
func withoutKubelet(s *benchmarks.Snapshot) *benchmarks.Snapshot {
	out := *s
	out.KubeletConfigs = nil
	return &out
}

// withoutSecrets is s as gathered without the permission to read Secrets.
func withoutSecrets(s *benchmarks.Snapshot) *benchmarks.Snapshot {
	out := *s
	out.Secrets, out.SecretsRead, out.SecretsUnread = nil, false, "the test withholds Secrets"
	return &out
}

// TestChecksDeclareNeeds evaluates every check on every fixture of the catalog that holds
// kubelet configurations or Secrets, once as the fixture is and once without them, and fails
// when a check's findings change although it declares no need of them: the evaluator decides
// the preconditions from the declarations, so an undeclared read would be judged on missing data.
func TestChecksDeclareNeeds(t *testing.T) {
	cases := allFixtures(t)
	for _, c := range benchmarks.All() {
		var kubelet, secrets []string
		for _, fc := range cases {
			if c.Needs.Kubelet == check.NeedNone && fc.snap.KubeletConfigs != nil &&
				outcome(&c, fc.snap, fc.env) != outcome(&c, withoutKubelet(fc.snap), fc.env) {
				kubelet = append(kubelet, fc.path)
			}
			if c.Needs.Secrets == check.NeedNone && fc.snap.SecretsRead &&
				outcome(&c, fc.snap, fc.env) != outcome(&c, withoutSecrets(fc.snap), fc.env) {
				secrets = append(secrets, fc.path)
			}
		}
		if len(kubelet) > 0 {
			t.Errorf("%s reads kubelet configurations but declares no Needs.Kubelet (its findings change without them on %s)", c.ID, strings.Join(kubelet, ", "))
		}
		if len(secrets) > 0 {
			t.Errorf("%s reads Secrets but declares no Needs.Secrets (its findings change without them on %s)", c.ID, strings.Join(secrets, ", "))
		}
	}
}

// TestNeedsAreDecidedByTheEvaluator checks the preconditions Check.Run derives from Needs.
func TestNeedsAreDecidedByTheEvaluator(t *testing.T) {
	evaluated := false
	c := benchmarks.Check{ID: "NODE-999", Level: benchmarks.L1, Evaluate: func(*benchmarks.Snapshot, *benchmarks.Env) []benchmarks.Finding {
		evaluated = true
		return []benchmarks.Finding{check.NotApplicablef("nothing in scope")}
	}}
	node := func(s *benchmarks.Snapshot) *benchmarks.Snapshot {
		s.Add(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}})
		return s
	}
	cases := []struct {
		name      string
		needs     check.Needs
		snap      *benchmarks.Snapshot
		want      string
		evaluated bool
	}{
		{"cluster check in a manifest scan", check.Needs{Cluster: "a fact of a live cluster"},
			&benchmarks.Snapshot{Source: benchmarks.SourceManifests}, "NotApplicable /: a fact of a live cluster", false},
		{"cluster check on a cluster", check.Needs{Cluster: "a fact of a live cluster"},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true}, "NotApplicable /: nothing in scope", true},
		{"required Secrets without the permission", check.Needs{Secrets: check.Required},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsUnread: "list secrets (role secrets-reader)"},
			"Skipped /: Secrets cannot be read: list secrets (role secrets-reader)", false},
		{"required Secrets in a manifest scan without any", check.Needs{Secrets: check.Required},
			&benchmarks.Snapshot{Source: benchmarks.SourceManifests}, "NotApplicable /: the manifests hold no Secrets", false},
		{"partial Secrets without the permission", check.Needs{Secrets: check.Partial},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsUnread: "list secrets"},
			"Skipped /: Secrets cannot be read: list secrets", true},
		{"partial Secrets in a manifest scan", check.Needs{Secrets: check.Partial},
			&benchmarks.Snapshot{Source: benchmarks.SourceManifests}, "NotApplicable /: nothing in scope", true},
		{"optional Secrets", check.Needs{Secrets: check.Optional},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster}, "NotApplicable /: nothing in scope", true},
		{"required kubelet configurations, none read", check.Needs{Kubelet: check.Required},
			node(&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true}), "Skipped /: " + check.KubeletConfigOff, false},
		{"required kubelet configurations, no permission", check.Needs{Kubelet: check.Required},
			node(&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true, KubeletUnread: "get nodes/proxy"}),
			"Skipped /: kubelet configuration cannot be read: get nodes/proxy", false},
		{"required kubelet configurations, no nodes", check.Needs{Kubelet: check.Required},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true}, "NotApplicable /: the snapshot has no Node objects", false},
		{"required kubelet configurations, read", check.Needs{Kubelet: check.Required},
			node(&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true, KubeletConfigs: map[string]benchmarks.KubeletConfigResult{}}),
			"NotApplicable /: nothing in scope", true},
		{"partial kubelet configurations, none read", check.Needs{Kubelet: check.Partial},
			&benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true}, "Skipped /: " + check.KubeletConfigOff, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evaluated = false
			c.Needs = tc.needs
			got := render(c.Run(tc.snap, &benchmarks.Env{}))
			if got != tc.want || evaluated != tc.evaluated {
				t.Errorf("Run = %s (evaluated %v), want %s (evaluated %v)", got, evaluated, tc.want, tc.evaluated)
			}
		})
	}
}

// TestNoHandWrittenClusterPrecondition fails when a function of a domain package that returns
// findings starts by returning for a manifest scan: its check declares Needs.Cluster instead.
// (A helper that also tells its caller whether to go on, such as a report prelude, decides more
// than the precondition and is not such a function.)
func TestNoHandWrittenClusterPrecondition(t *testing.T) {
	for _, d := range domainPackages {
		files, err := filepath.Glob(filepath.Join(d, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var ft *ast.FuncType
				var body *ast.BlockStmt
				switch fn := n.(type) {
				case *ast.FuncDecl:
					ft, body = fn.Type, fn.Body
				case *ast.FuncLit:
					ft, body = fn.Type, fn.Body
				}
				if body == nil || len(body.List) == 0 || !returnsFindings(ft) {
					return true
				}
				if ifs, ok := body.List[0].(*ast.IfStmt); ok && isManifestTest(ifs.Cond) && len(ifs.Body.List) == 1 {
					if _, ok := ifs.Body.List[0].(*ast.ReturnStmt); ok {
						t.Errorf("%s: a function starts by judging a manifest scan itself: declare Needs.Cluster on its check", fset.Position(ifs.Pos()))
					}
				}
				return true
			})
		}
	}
}

// isManifestTest reports whether e is `s.Source == check.SourceManifests`.
func isManifestTest(e ast.Expr) bool {
	b, ok := e.(*ast.BinaryExpr)
	if !ok || b.Op != token.EQL {
		return false
	}
	sel, ok := b.Y.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "SourceManifests"
}

// returnsFindings reports whether a function returns only a slice of Finding.
func returnsFindings(ft *ast.FuncType) bool {
	if ft.Results == nil || len(ft.Results.List) != 1 {
		return false
	}
	at, ok := ft.Results.List[0].Type.(*ast.ArrayType)
	if !ok {
		return false
	}
	sel, ok := at.Elt.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Finding"
}
