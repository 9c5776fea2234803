package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestReplaceSection(t *testing.T) {
	s := section{start: "<!-- x -->", end: "<!-- end x -->"}
	for _, tc := range []struct{ name, doc, want string }{
		{name: "empty file", doc: "", want: "<!-- x -->\n\nnew\n\n<!-- end x -->\n"},
		{name: "appended", doc: "# Title\n\ntext\n", want: "# Title\n\ntext\n\n<!-- x -->\n\nnew\n\n<!-- end x -->\n"},
		{name: "replaced in place", doc: "a\n\n<!-- x -->\n\nold\n\n<!-- end x -->\n\nb\n", want: "a\n\n<!-- x -->\n\nnew\n\n<!-- end x -->\n\nb\n"},
		{name: "no end marker: to the end", doc: "a\n<!-- x -->\nold\nmore\n", want: "a\n<!-- x -->\n\nnew\n\n<!-- end x -->\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := replaceSection(tc.doc, s, "\nnew\n"); got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestKeepSectionsKeepsWhatOtherModesWrote(t *testing.T) {
	old := "# Benchmarks\n\nold numbers\n\n" +
		scanSection.start + "\nscan\n" + scanSection.end + "\n\nhand-written note\n\n" +
		scaleSection.start + "\nscale\n" + scaleSection.end + "\n"
	got := keepSections("# Benchmarks\n\nnew numbers\n", old)
	want := "# Benchmarks\n\nnew numbers\n\n" +
		scanSection.start + "\nscan\n" + scanSection.end + "\n\n" +
		scaleSection.start + "\nscale\n" + scaleSection.end + "\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := keepSections("report\n", "no sections\n"); got != "report\n" {
		t.Fatalf("got %q", got)
	}
}

func TestReplaceRemediationSectionStopsAtTheNextModesSection(t *testing.T) {
	for _, next := range keptSections {
		t.Run(next.start, func(t *testing.T) {
			dir := t.TempDir()
			doc := "# Benchmarks\n\nfirst\n\n## Remediation\n\nold remediation\n\n" + next.start + "\nkept\n" + next.end + "\n"
			out := filepath.Join(dir, "benchmarks.md")
			if err := os.WriteFile(out, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := replaceRemediationSection(dir, "benchmarks.md", "\n## Remediation\n\nnew remediation\n"); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got := string(data)
			if strings.Contains(got, "old remediation") || !strings.Contains(got, "new remediation") || !strings.Contains(got, next.start+"\nkept\n"+next.end) {
				t.Fatalf("got\n%s", got)
			}
		})
	}
}

func TestWriteSectionReplacesOnlyItsOwn(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "b.md")
	if err := writeSection(dir, "b.md", peersSection, "peers v1"); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(dir, "b.md", scaleSection, "scale v1"); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(dir, "b.md", peersSection, "peers v2"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := peersSection.start + "\n\npeers v2\n\n" + peersSection.end + "\n\n" + scaleSection.start + "\n\nscale v1\n\n" + scaleSection.end + "\n"
	if string(data) != want {
		t.Fatalf("got\n%s\nwant\n%s", data, want)
	}
}

const apiserverMetricsText = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"} 12
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="cluster",subresource="",verb="LIST",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"} 5
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="POST",version="v1"} 1e+04
apiserver_request_duration_seconds_count{component="apiserver",verb="LIST"} 99
`

func TestRequestsByVerb(t *testing.T) {
	got := requestsByVerb(apiserverMetricsText)
	want := map[string]float64{"LIST": 15, "WATCH": 5, "POST": 10000}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDiffCounts(t *testing.T) {
	before := map[string]float64{"LIST": 15, "WATCH": 5, "GET": 2}
	after := map[string]float64{"LIST": 22, "WATCH": 5, "GET": 3, "PATCH": 4}
	got := diffCounts(before, after)
	want := map[string]float64{"LIST": 7, "GET": 1, "PATCH": 4}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestPairRatiosAndMedian(t *testing.T) {
	// The peer is about 10× slower in every round, though the rounds' load differs.
	peer := []float64{50, 120, 55}
	ours := []float64{5, 11, 6}
	ratios := pairRatios(peer, ours)
	if want := []float64{10, 120.0 / 11, 55.0 / 6}; !reflect.DeepEqual(ratios, want) {
		t.Fatalf("ratios %v, want %v", ratios, want)
	}
	if got := median(ratios); got != 10 {
		t.Fatalf("median %v, want 10", got)
	}
	// A zero denominator (a run that measured nothing) is left out, and uneven lists pair up to
	// the shorter.
	if got := pairRatios([]float64{4, 9, 7}, []float64{2, 0}); !reflect.DeepEqual(got, []float64{2}) {
		t.Fatalf("got %v", got)
	}
	if median(nil) != 0 || median([]float64{3, 1}) != 2 || median([]float64{5, 1, 3, 100}) != 4 {
		t.Fatal("median of none, two or four values")
	}
	if got := medianDuration([]time.Duration{3 * time.Second, time.Second, 2 * time.Second}); got != 2*time.Second {
		t.Fatalf("median duration %v", got)
	}
}

func TestScalePresets(t *testing.T) {
	got, err := parseScaleSizes("100k, 1k")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].name != "100k" || got[1].name != "1k" {
		t.Fatalf("got %+v", got)
	}
	// Ten times the reference cluster, as the targets define it.
	if want := (sizes{Namespaces: 5000, Pods: 100000, RBAC: 20000, Secrets: 20000, Nodes: 1000}); got[0].sz != want {
		t.Fatalf("100k is %+v, want %+v", got[0].sz, want)
	}
	ref, err := parseScaleSizes("10k")
	if err != nil {
		t.Fatal(err)
	}
	if want := (sizes{Namespaces: 1000, Pods: 10000, RBAC: 5000, Secrets: 3000, Nodes: 200}); ref[0].sz != want {
		t.Fatalf("10k is %+v, want the reference cluster %+v", ref[0].sz, want)
	}
	for _, p := range scalePresets {
		// Two Deployments per namespace with the same number of pods each make exactly the
		// preset's pod count.
		if p.sz.Pods%(2*p.sz.Namespaces) != 0 {
			t.Errorf("%s: %d pods do not divide among %d Deployments", p.name, p.sz.Pods, 2*p.sz.Namespaces)
		}
		if p.sz.Namespaces > 9999 {
			t.Errorf("%s: namespace names have four digits", p.name)
		}
	}
	for _, bad := range []string{"", "2k", "10k,huge"} {
		if _, err := parseScaleSizes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

const pprofOutput = `File: manager
Type: cpu
Time: 2026-12-02 16:10:00 UTC
Duration: 20s, Total samples = 9.5s (47.50%)
Showing nodes accounting for 6.1s, 64.21% of 9.5s total
Dropped 310 nodes (cum <= 0.05s)
Showing top 3 nodes out of 400
      flat  flat%   sum%        cum   cum%
     2.50s 26.32% 26.32%      2.50s 26.32%  runtime.memmove
     2.00s 21.05% 47.37%      3.00s 31.58%  runtime.scanobject
     1.60s 16.84% 64.21%      1.60s 16.84%  encoding/json.(*decodeState).object
     1.00s 10.00% 74.21%      1.60s 16.84%  fourth
`

func TestPprofTop(t *testing.T) {
	got := pprofTop(pprofOutput, 3)
	want := []string{
		"Showing nodes accounting for 6.1s, 64.21% of 9.5s total",
		"      flat  flat%   sum%        cum   cum%",
		"     2.50s 26.32% 26.32%      2.50s 26.32%  runtime.memmove",
		"     2.00s 21.05% 47.37%      3.00s 31.58%  runtime.scanobject",
		"     1.60s 16.84% 64.21%      1.60s 16.84%  encoding/json.(*decodeState).object",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := pprofTop("pprof: no samples\n", 3); got != nil {
		t.Fatalf("got %v for no table", got)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	var tb tailBuffer
	_, _ = tb.Write([]byte(strings.Repeat("a", tailSize)))
	_, _ = tb.Write([]byte("the error"))
	if got := tb.String(); len(got) != tailSize || !strings.HasSuffix(got, "the error") {
		t.Fatalf("len %d, ends %q", len(got), got[len(got)-10:])
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := commas(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}
