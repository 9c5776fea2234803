package chart

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// registeredMetrics reads the metric names controllers/metrics.go declares, with the series a
// histogram adds.
func registeredMetrics(t *testing.T) map[string]bool {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "controllers", "metrics.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if id, ok := kv.Key.(*ast.Ident); !ok || id.Name != "Name" {
			return true
		}
		if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			name, _ := strconv.Unquote(lit.Value)
			names[name] = true
			if strings.HasSuffix(name, "_seconds") {
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					names[name+s] = true
				}
			}
		}
		return true
	})
	if len(names) < 5 {
		t.Fatalf("found only %v in controllers/metrics.go", names)
	}
	return names
}

var metricRef = regexp.MustCompile(`\bkubeposture_[a-z_]+\b`)

func checkMetrics(t *testing.T, where, expr string, known map[string]bool) int {
	t.Helper()
	refs := metricRef.FindAllString(expr, -1)
	for _, m := range refs {
		if !known[m] {
			t.Errorf("%s queries %s, which the operator does not register", where, m)
		}
	}
	return len(refs)
}

// TestDashboard lints the Grafana dashboard: valid JSON, unique panel ids, every panel with a
// query, and every metric it queries registered by the operator.
func TestDashboard(t *testing.T) {
	known := registeredMetrics(t)
	data, err := os.ReadFile(filepath.Join(chartDir(t), "files", "dashboards", "kubeposture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("the dashboard: %v", err)
	}
	if d.Title == "" || d.UID == "" {
		t.Error("the dashboard has no title or uid")
	}
	ids := map[int]bool{}
	queried := map[string]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d repeats", p.ID)
		}
		ids[p.ID] = true
		if p.Title == "" || p.Type == "" || len(p.Targets) == 0 {
			t.Errorf("panel %d (%q) lacks a title, type or query", p.ID, p.Title)
		}
		for _, tg := range p.Targets {
			if checkMetrics(t, "panel "+p.Title, tg.Expr, known) == 0 {
				t.Errorf("panel %q: query %q reads no kubeposture metric", p.Title, tg.Expr)
			}
			for _, m := range metricRef.FindAllString(tg.Expr, -1) {
				queried[m] = true
			}
		}
	}
	for _, v := range d.Templating.List {
		checkMetrics(t, "variable "+v.Name, v.Definition, known)
	}
	// Score, level, failures, duration and remediation: each has a panel.
	for _, m := range []string{"kubeposture_profile_score", "kubeposture_profile_achieved_level", "kubeposture_check_result",
		"kubeposture_audit_duration_seconds_bucket", "kubeposture_remediation_actions"} {
		if !queried[m] {
			t.Errorf("no panel queries %s", m)
		}
	}
}

// TestAlertRulesUseRegisteredMetrics checks every alert expression against the operator's metrics.
func TestAlertRulesUseRegisteredMetrics(t *testing.T) {
	known := registeredMetrics(t)
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rf struct {
		Groups []struct {
			Rules []struct {
				Alert string `json:"alert"`
				Expr  string `json:"expr"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.Unmarshal(data, &rf); err != nil {
		t.Fatal(err)
	}
	var alerts []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if checkMetrics(t, "alert "+r.Alert, r.Expr, known) == 0 {
				t.Errorf("alert %s reads no kubeposture metric", r.Alert)
			}
		}
	}
	sort.Strings(alerts)
	if len(alerts) < 7 {
		t.Errorf("alerts %v, want the seven of docs/operations.md", alerts)
	}
}
