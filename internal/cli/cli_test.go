package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func init() { toolVersion = func() string { return "v0.0.0-test" } }

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runStdin(t, "", args...)
}

func runStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := RunIO(context.Background(), args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// jsonOf runs a scan with -o json and decodes the report.
func jsonOf(t *testing.T, wantCode int, args ...string) jsonReport {
	t.Helper()
	code, out, errOut := run(t, append(args, "-o", "json")...)
	if code != wantCode {
		t.Fatalf("%v: exit %d, want %d\n%s", args, code, wantCode, errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return rep
}

func findingsOf(rep jsonReport, id string) []string {
	var out []string
	for _, c := range rep.Checks {
		if c.ID != id {
			continue
		}
		for _, f := range c.Findings {
			if f.Object != nil && f.Result == "Fail" {
				out = append(out, f.Object.String())
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestScanCompliantManifests(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/compliant")
	if code != ExitCompliant {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "kubeposture scan: L1 achieved (achieved: L1") {
		t.Errorf("output: %s", out)
	}
}

func TestScanFailsOnAPrivilegedPod(t *testing.T) {
	code, out, _ := run(t, "scan", "-f", "testdata/privileged", "--level", "L1")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"WKL-001", "WKL-013", "Pod/shop/debug", "achieved: None"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A directory of namespace-less manifests, as repositories keep them: every workload kind is
// judged in the default namespace, and a privileged pod fails L1.
func TestScanNamespaceLessRepository(t *testing.T) {
	rep := jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/repo", "--level", "L1")
	want := []string{"CronJob/default/report", "DaemonSet/default/agent", "Deployment/default/web", "Job/default/migrate",
		"Pod/default/debug", "ReplicationController/default/legacy", "StatefulSet/default/db"}
	if got := findingsOf(rep, "WKL-001"); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("WKL-001 names %v, want every workload: %v", got, want)
	}
	if got := findingsOf(rep, "RBAC-002"); len(got) != 1 || got[0] != "RoleBinding/default/ci-admin" {
		t.Errorf("a namespace-less RoleBinding belongs to the default namespace: %v", got)
	}
	rep = jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/repo", "--namespace", "shop")
	if got := findingsOf(rep, "WKL-001"); len(got) != 7 || !strings.HasPrefix(got[0], "CronJob/shop/") {
		t.Errorf("--namespace shop: %v", got)
	}
}

func TestScanPrivilegedPodWithoutNamespaceFailsL1(t *testing.T) {
	stdin := "apiVersion: v1\nkind: Pod\nmetadata: {name: root}\nspec:\n  containers: [{name: sh, image: busybox:1.36, securityContext: {privileged: true}}]\n"
	code, out, errOut := runStdin(t, stdin, "scan", "-f", "-", "--level", "L1")
	if code != ExitNotCompliant || !strings.Contains(out, "Pod/default/root") || !strings.Contains(out, "(<stdin>:1)") {
		t.Fatalf("exit %d, want 1 naming Pod/default/root at <stdin>:1\n%s%s", code, out, errOut)
	}
}

func TestScanCountsAndNamesUnreadKinds(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/repo")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	line := strings.Split(out, "\n")[1]
	for _, want := range []string{"Read 10 objects from 5 files", "2 of kinds no check reads: apiextensions.k8s.io/v1 CustomResourceDefinition (1), v1 PodTemplate (1)", "skipped 2 paths"} {
		if !strings.Contains(line, want) {
			t.Errorf("summary line %q lacks %q", line, want)
		}
	}
	for _, want := range []string{"testdata/repo/deploy/kustomization.yaml: skipped", "testdata/repo/skaffold.yaml: skipped"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("warnings lack %q:\n%s", want, errOut)
		}
	}
	rep := jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/repo")
	if rep.Input == nil || rep.Input.Objects != 10 || rep.Input.Judged != 8 || len(rep.Input.Unread) != 2 ||
		rep.Input.Unread[1] != (kindCount{Kind: "v1 PodTemplate", Count: 1}) || len(rep.Input.Skipped) != 2 {
		t.Errorf("JSON input: %+v", rep.Input)
	}
}

func TestScanDeprecatedAPIVersionIsJudged(t *testing.T) {
	rep := jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/deprecated")
	if got := findingsOf(rep, "WKL-001"); len(got) != 1 || got[0] != "Deployment/shop/old" {
		t.Errorf("extensions/v1beta1 Deployment: %v", got)
	}
	if c := rep.Input.Converted; len(c) != 1 || c[0] != (conversionCount{From: "extensions/v1beta1 Deployment", To: "apps/v1", Count: 1}) {
		t.Errorf("conversion not reported: %+v", c)
	}
}

func TestScanKustomization(t *testing.T) {
	rep := jsonOf(t, ExitNotCompliant, "scan", "-k", "testdata/kustomize/overlays/prod")
	if got := findingsOf(rep, "WKL-001"); len(got) != 1 || got[0] != "Deployment/shop-prod/prod-web" {
		t.Errorf("WKL-001: %v", got)
	}
	if got := findingsOf(rep, "IMG-010"); len(got) != 2 || got[0] != "CronJob/shop-prod/prod-report" {
		t.Errorf("every rendered workload is judged: %v", got)
	}
	for _, c := range rep.Checks {
		for _, f := range c.Findings {
			if f.Object == nil {
				continue
			}
			// Each finding names the resource file and line the object came from.
			want := map[string]string{"prod-web": "testdata/kustomize/base/app.yaml:1", "prod-report": "testdata/kustomize/base/app.yaml:14"}[f.Object.Name]
			if got := fmt.Sprintf("%s:%d", f.File, f.Line); want != "" && got != want {
				t.Errorf("%s finding for %s located at %s, want %s", c.ID, f.Object.Name, got, want)
			}
		}
	}
}

func TestScanHelmChart(t *testing.T) {
	rep := jsonOf(t, ExitNotCompliant, "scan", "--chart", "testdata/chart/shop", "--values", "testdata/chart/shop/values-prod.yaml", "-n", "shop")
	if got := findingsOf(rep, "WKL-001"); strings.Join(got, " ") != "CronJob/shop/release-name-report Deployment/shop/release-name-web StatefulSet/shop/release-name-worker" {
		t.Errorf("WKL-001 with the prod values: %v", got)
	}
	for _, c := range rep.Checks {
		for _, f := range c.Findings {
			if f.Object == nil {
				continue
			}
			// Each finding names the template and the object's line in its rendered output.
			want := map[string]string{
				"release-name-worker": "testdata/chart/shop/templates/worker.yaml:2",
				"release-name-web":    "testdata/chart/shop/templates/web.yaml:1",
				"release-name-report": "testdata/chart/shop/templates/batch.yaml:7",
			}[f.Object.Name]
			if got := fmt.Sprintf("%s:%d", f.File, f.Line); want != "" && got != want {
				t.Errorf("%s finding for %s %s located at %s, want %s", c.ID, f.Object.Kind, f.Object.Name, got, want)
			}
		}
	}
	// With the chart's own values the worker is not rendered and nothing is privileged.
	rep = jsonOf(t, ExitNotCompliant, "scan", "--chart", "testdata/chart/shop")
	if got := findingsOf(rep, "WKL-001"); len(got) != 0 {
		t.Errorf("default values: %v", got)
	}
	if got := findingsOf(rep, "IMG-010"); strings.Join(got, " ") != "CronJob/default/release-name-report Deployment/default/release-name-web" {
		t.Errorf("default values: %v", got)
	}
}

func TestScanWithNoKubernetesObjects(t *testing.T) {
	empty := t.TempDir()
	code, out, errOut := run(t, "scan", "-f", empty)
	if code != ExitUsage || !strings.Contains(errOut, "no Kubernetes objects found in "+empty) || out != "" {
		t.Errorf("empty directory: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run(t, "scan", "-f", "testdata/repo/skaffold.yaml")
	if code != ExitUsage || !strings.Contains(errOut, "no Kubernetes objects found") || !strings.Contains(errOut, "skaffold.yaml: skipped") {
		t.Errorf("a non-Kubernetes file: exit %d, stderr %q", code, errOut)
	}
}

func TestScanNamesTheFileAndLineOfABrokenManifest(t *testing.T) {
	code, _, errOut := run(t, "scan", "-f", "testdata/broken")
	if code != ExitUsage || !strings.Contains(errOut, "testdata/broken/app.yaml:9:") {
		t.Fatalf("exit %d, stderr %q: want 2 and the file and line", code, errOut)
	}
}

func TestScanJSONAndProfile(t *testing.T) {
	rep := jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/privileged", "--profile", "testdata/profile-l2-exempt.yaml")
	if rep.Level != "L2" {
		t.Errorf("the profile's level applies: %s", rep.Level)
	}
	results := map[string]string{}
	for _, c := range rep.Checks {
		results[c.ID] = c.Result
	}
	if results["WKL-001"] != "Exempted" || results["WKL-013"] != "Fail" {
		t.Errorf("the profile's exemption applies to WKL-001 only: %v", results)
	}
}

func TestJSONHasNoEmptyObjectReferences(t *testing.T) {
	_, out, _ := run(t, "scan", "-f", "testdata/privileged", "-o", "json")
	if strings.Contains(out, `"kind": ""`) || strings.Contains(out, `"name": ""`) {
		t.Errorf("empty object reference in the JSON report")
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"scan"},
		{"scan", "-f", "testdata/compliant", "-o", "xml"},
		{"scan", "-f", "testdata/compliant", "--level", "L4"},
		{"frobnicate"},
		{"scan", "-f", "testdata/compliant", "--no-such-flag"},
		{"scan", "--values", "v.yaml", "-f", "testdata/compliant"},
		{"explain", "NOPE-001"},
		{"checks", "--domain", "Kitchens"},
	} {
		if code, _, errOut := run(t, args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// A stray word must not end flag parsing: the flags after it still apply, or the command fails.
func TestFlagsAnywhere(t *testing.T) {
	code, _, errOut := run(t, "scan", "-f", "testdata/compliant", "extra", "--level", "L3")
	if code != ExitUsage || !strings.Contains(errOut, `"extra"`) {
		t.Errorf("a stray argument: exit %d, stderr %q", code, errOut)
	}
	rep := jsonOf(t, ExitNotCompliant, "scan", "--level", "L3", "-o", "json", "-f", "testdata/compliant")
	if rep.Level != "L3" {
		t.Errorf("level %s", rep.Level)
	}
	rep = jsonOf(t, ExitNotCompliant, "scan", "-f", "testdata/compliant", "--level=L3")
	if rep.Level != "L3" {
		t.Errorf("level %s", rep.Level)
	}
}

func TestHelpVersionAndCompletion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"scan", "--help"}, {"audit", "--help"}, {"explain", "--help"},
		{"checks", "--help"}, {"help", "scan"}, {"completion", "--help"}} {
		code, out, errOut := run(t, args...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	code, out, _ := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "kubeposture ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		if code, out, _ := run(t, "completion", shell); code != 0 || !strings.Contains(out, "kubeposture") {
			t.Errorf("completion %s: exit %d", shell, code)
		}
	}
	code, out, _ = run(t, "__complete", "explain", "WKL-00")
	if code != 0 || !strings.Contains(out, "WKL-001\tNo container runs privileged") {
		t.Errorf("completing a check ID: %q", out)
	}
}

func TestExplain(t *testing.T) {
	code, out, _ := run(t, "explain", "wkl-001")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"WKL-001  No container runs privileged", "Level:       L1", "Severity:    Critical", "References:", "Rationale:", "Remediation:", "Automated remediation:", HelpURI("WKL-001")} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
}

func TestChecksFilters(t *testing.T) {
	count := func(args ...string) (int, string) {
		code, out, errOut := run(t, append([]string{"checks"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		return strings.Count(out, "\n") - 3, out // header, blank line, total
	}
	all, _ := count()
	l1, out := count("--level", "L1")
	if l1 == 0 || l1 >= all || strings.Contains(out, "\tL2\t") || strings.Contains(out, " L2 ") {
		t.Errorf("--level L1: %d of %d\n%s", l1, all, out)
	}
	wkl, out := count("--domain", "wkl")
	if wkl == 0 || strings.Contains(out, "RBAC-") {
		t.Errorf("--domain wkl: %d\n%s", wkl, out)
	}
	exact, out := count("--domain", "Workloads", "--level", "L2", "--exact")
	if exact == 0 || strings.Contains(out, " L1 ") || strings.Contains(out, "RBAC-") {
		t.Errorf("--exact: %d\n%s", exact, out)
	}
}

func TestTextGroupsBySeverityAndListsEveryObjectWithVerbose(t *testing.T) {
	_, out, _ := run(t, "scan", "-f", "testdata/repo")
	crit, med := strings.Index(out, "Critical severity"), strings.Index(out, "Medium severity")
	if crit < 0 || med < crit {
		t.Fatalf("not grouped by severity:\n%s", out)
	}
	if !strings.Contains(out, "… and 4 more (-v lists them all)") || strings.Contains(out, "\x1b[") {
		t.Errorf("without -v: a few objects and no colour off a terminal:\n%s", out)
	}
	_, out, _ = run(t, "scan", "-f", "testdata/repo", "-v")
	for _, ref := range []string{"Job/default/migrate", "ReplicationController/default/legacy", "StatefulSet/default/db", "Pod/default/debug"} {
		if !strings.Contains(out, ref+": privileged") {
			t.Errorf("-v lacks %s", ref)
		}
	}
	if strings.Contains(out, "more (-v") {
		t.Error("-v still truncates")
	}
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	res := &result{command: "scan", report: reportOf(t, "testdata/privileged")}
	var plain, coloured bytes.Buffer
	if err := writeText(&plain, res, false); err != nil {
		t.Fatal(err)
	}
	if err := writeText(&coloured, res, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(coloured.String(), "\x1b[1;31mFAIL\x1b[0m") {
		t.Error("colour codes only when asked")
	}
	t.Setenv("NO_COLOR", "1")
	if useColour(os.Stdout) {
		t.Error("NO_COLOR is respected")
	}
	if useColour(&plain) {
		t.Error("a buffer is not a terminal")
	}
}

func reportOf(t *testing.T, path string) *benchmarks.Report {
	t.Helper()
	opts, params, scope, err := loadProfile("", "L1")
	if err != nil {
		t.Fatal(err)
	}
	res := &result{}
	snap, err := scanSnapshot(&scanInputs{files: []string{path}}, IO{Err: &bytes.Buffer{}}, res)
	if err != nil {
		t.Fatal(err)
	}
	env := benchmarks.Env{Now: time.Now(), Params: params, Scope: scope}
	rep := benchmarks.Evaluate(snap, env, benchmarks.All(), opts)
	return &rep
}

func TestGoldenOutputs(t *testing.T) {
	for _, format := range []string{"text", "json", "sarif", "junit"} {
		t.Run(format, func(t *testing.T) {
			_, out, errOut := run(t, "scan", "-f", "testdata/privileged", "-f", "testdata/deprecated", "-o", format)
			if errOut != "" {
				t.Fatalf("stderr: %s", errOut)
			}
			golden := filepath.Join("testdata", "golden", "privileged."+format)
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/cli -run TestGoldenOutputs -update)", err)
			}
			if out != string(want) {
				t.Errorf("%s output differs from %s (rerun with -update after checking the change):\n%s", format, golden, out)
			}
		})
	}
}

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validSARIF(t *testing.T, schema *jsonschema.Schema, out string) sarifDoc {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if err := schema.Validate(v); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
	var doc sarifDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Version string `json:"version"`
				Rules   []struct {
					ID         string         `json:"id"`
					HelpURI    string         `json:"helpUri"`
					Properties map[string]any `json:"properties"`
					Short      map[string]any `json:"shortDescription"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful bool `json:"executionSuccessful"`
			Notifications       []struct {
				Level   string          `json:"level"`
				Message map[string]any  `json:"message"`
				Locs    []sarifLocation `json:"locations"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string          `json:"ruleId"`
			Level     string          `json:"level"`
			Locations []sarifLocation `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
		Region           struct{ StartLine int } `json:"region"`
	} `json:"physicalLocation"`
}

func TestSARIFIsValidAndLocatesEveryResult(t *testing.T) {
	schema := sarifSchema(t)
	code, out, errOut := run(t, "scan", "-f", "testdata/repo", "-o", "sarif")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	doc := validSARIF(t, schema, out)
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatal("one 2.1.0 run")
	}
	run := doc.Runs[0]
	if run.Tool.Driver.Version != "v0.0.0-test" {
		t.Errorf("tool version %q", run.Tool.Driver.Version)
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.HelpURI != DocsURL+"#"+strings.ToLower(r.ID) || r.Properties["security-severity"] == nil || r.Short["text"] == nil {
			t.Errorf("rule %s: helpUri %s, properties %v", r.ID, r.HelpURI, r.Properties)
		}
	}
	if len(run.Results) == 0 {
		t.Fatal("no results")
	}
	for _, r := range run.Results {
		if len(r.Locations) == 0 || r.Locations[0].PhysicalLocation.ArtifactLocation.URI == "" || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("%s result without a location: %+v", r.RuleID, r.Locations)
		}
		if r.RuleID == "WKL-019" {
			loc := r.Locations[0].PhysicalLocation
			if loc.ArtifactLocation.URI != "testdata/repo/deploy/agents.yaml" || loc.Region.StartLine != 54 {
				t.Errorf("WKL-019 at %s:%d, want testdata/repo/deploy/agents.yaml:54", loc.ArtifactLocation.URI, loc.Region.StartLine)
			}
		}
	}
	if n := run.Invocations[0].Notifications; len(n) != 2 || n[0].Level != "warning" {
		t.Errorf("skipped files are notifications: %+v", n)
	}
}

func TestSARIFOfABrokenManifestIsValid(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/broken", "-o", "sarif")
	if code != ExitUsage || !strings.Contains(errOut, "app.yaml:9:") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	doc := validSARIF(t, sarifSchema(t), out)
	inv := doc.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.Notifications) != 1 || inv.Notifications[0].Level != "error" {
		t.Fatalf("the error is a tool notification: %+v", inv)
	}
	loc := inv.Notifications[0].Locs[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "testdata/broken/app.yaml" || loc.Region.StartLine != 9 {
		t.Errorf("notification at %s:%d", loc.ArtifactLocation.URI, loc.Region.StartLine)
	}
}

func TestScanJUnit(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/privileged", "-o", "junit")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	cases := 0
	found := false
	for _, s := range suites.Suites {
		cases += len(s.Cases)
		for _, c := range s.Cases {
			if strings.HasPrefix(c.Name, "WKL-001 ") {
				found = c.Failure != nil && s.Name == "Workloads"
			}
		}
	}
	if suites.Tests == 0 || suites.Failures == 0 || suites.Tests != cases || !found {
		t.Fatalf("counts: %d tests, %d failures, %d cases; WKL-001 a Workloads failure: %v", suites.Tests, suites.Failures, cases, found)
	}
}
