package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A section of docs/benchmarks.md that one mode of the benchmark writes and the others keep: it
// runs from its start marker to its end marker.
type section struct{ start, end string }

var (
	scanSection = section{
		start: "<!-- scan benchmark: written by `make bench-scan` (test/bench/scan) -->",
		end:   "<!-- end of scan benchmark -->",
	}
	peersSection = section{
		start: "<!-- peers benchmark: written by `make bench-peers` (test/bench -peers) -->",
		end:   "<!-- end of peers benchmark -->",
	}
	scaleSection = section{
		start: "<!-- scale benchmark: written by `make bench-scale` (test/bench -scale) -->",
		end:   "<!-- end of scale benchmark -->",
	}
	// keptSections are the sections that other modes write: the whole benchmark keeps them when
	// it rewrites the report, and the remediation section ends where the first of them starts.
	keptSections = []section{scanSection, peersSection, scaleSection}
)

// replaceSection returns doc with s's section replaced by body (which carries no markers), or
// with the section appended when doc has none.
func replaceSection(doc string, s section, body string) string {
	block := s.start + "\n\n" + strings.Trim(body, "\n") + "\n\n" + s.end + "\n"
	i := strings.Index(doc, s.start)
	if i < 0 {
		if strings.TrimSpace(doc) == "" {
			return block
		}
		return strings.TrimRight(doc, "\n") + "\n\n" + block
	}
	rest := ""
	if j := strings.Index(doc[i:], s.end); j >= 0 {
		rest = strings.TrimPrefix(doc[i+j+len(s.end):], "\n")
	}
	return doc[:i] + block + rest
}

// sectionOf returns s's section of doc with its markers, or "" when doc has none.
func sectionOf(doc string, s section) string {
	i := strings.Index(doc, s.start)
	if i < 0 {
		return ""
	}
	j := strings.Index(doc[i:], s.end)
	if j < 0 {
		return strings.TrimRight(doc[i:], "\n") + "\n"
	}
	return doc[i:i+j+len(s.end)] + "\n"
}

// keepSections appends to report the sections of old that other modes of the benchmark wrote.
func keepSections(report, old string) string {
	for _, s := range keptSections {
		if text := sectionOf(old, s); text != "" {
			report = strings.TrimRight(report, "\n") + "\n\n" + text
		}
	}
	return report
}

// firstSectionStart returns the index of the first kept section's start marker in doc, or -1.
func firstSectionStart(doc string) int {
	first := -1
	for _, s := range keptSections {
		if i := strings.Index(doc, s.start); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// writeSection replaces s's section of the report file (relative to root unless absolute).
func writeSection(root, out string, s section, body string) error {
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	old, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(out, []byte(replaceSection(string(old), s, body)), 0o644) //nolint:gosec // a docs file
}

// requestsByVerb sums the API server's apiserver_request_total samples by verb, from its
// metrics in the text exposition format.
func requestsByVerb(metrics string) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(metrics))
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	const name = "apiserver_request_total{"
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		end := strings.LastIndex(line, "}")
		if end < 0 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(line[end+1:]), 64)
		if err != nil {
			continue
		}
		verb := labelValue(line[len(name):end], "verb")
		if verb != "" {
			out[verb] += v
		}
	}
	return out
}

// labelValue returns the value of label name in a Prometheus label list (a="x",b="y").
func labelValue(labels, name string) string {
	for _, l := range strings.Split(labels, ",") {
		k, v, ok := strings.Cut(l, "=")
		if ok && k == name {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// diffCounts returns after minus before, per key; counters only grow, so a key missing before
// counts from zero.
func diffCounts(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// pairRatios returns num[i]/den[i] for each pair with a positive denominator.
func pairRatios(num, den []float64) []float64 {
	var out []float64
	for i := range min(len(num), len(den)) {
		if den[i] > 0 {
			out = append(out, num[i]/den[i])
		}
	}
	return out
}

// median returns the median of vs (the mean of the middle two for an even count), 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianDuration(ds []time.Duration) time.Duration {
	fs := make([]float64, len(ds))
	for i, d := range ds {
		fs[i] = float64(d)
	}
	return time.Duration(median(fs))
}

// scalePreset is a named cluster size of the scaling curve.
type scalePreset struct {
	name string
	sz   sizes
}

// scalePresets are the sizes of `make bench-scale`, by pod count: 10k is the reference cluster
// and 100k ten times it (as the performance targets define it); 1k is a tenth of the reference
// and 50k half of 100k.
var scalePresets = []scalePreset{
	{"1k", sizes{Namespaces: 100, Pods: 1000, RBAC: 500, Secrets: 300, Nodes: 20}},
	{"10k", sizes{Namespaces: 1000, Pods: 10000, RBAC: 5000, Secrets: 3000, Nodes: 200}},
	{"50k", sizes{Namespaces: 2500, Pods: 50000, RBAC: 10000, Secrets: 10000, Nodes: 500}},
	{"100k", sizes{Namespaces: 5000, Pods: 100000, RBAC: 20000, Secrets: 20000, Nodes: 1000}},
}

// parseScaleSizes resolves a comma-separated list of preset names, in the order given.
func parseScaleSizes(list string) ([]scalePreset, error) {
	var out []scalePreset
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := false
		for _, p := range scalePresets {
			if p.name == name {
				out, found = append(out, p), true
				break
			}
		}
		if !found {
			names := make([]string, len(scalePresets))
			for i, p := range scalePresets {
				names[i] = p.name
			}
			return nil, fmt.Errorf("unknown size %q: use %s", name, strings.Join(names, ", "))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no size given")
	}
	return out, nil
}

// pprofTop returns the first n entries of `go tool pprof -top` output, after the line saying
// what the entries account for, which comes first.
func pprofTop(output string, n int) []string {
	var out []string
	inTable := false
	for _, line := range strings.Split(output, "\n") {
		switch {
		case strings.HasPrefix(line, "Showing nodes accounting for"):
			out = append(out, strings.TrimSpace(line))
		case strings.Contains(line, "flat%") && strings.Contains(line, "cum%"):
			inTable = true
			out = append(out, strings.TrimRight(line, " "))
		case inTable && strings.TrimSpace(line) != "" && n > 0:
			out = append(out, strings.TrimRight(line, " "))
			n--
		}
	}
	if !inTable {
		return nil
	}
	return out
}

func mibOf(bytes float64) string { return fmt.Sprintf("%.0f MiB", bytes/(1<<20)) }

func msOf(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }

func secondsOf(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }
