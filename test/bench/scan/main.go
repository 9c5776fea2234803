// Command scan measures `kubeposture scan` against kube-score on the same generated corpora of
// 1,000 and 10,000 Deployments (one file each) and writes its section of docs/benchmarks.md:
// wall time and peak RSS of each tool, and the speed ratio. kube-score is built from the Go
// module proxy at a pinned version into bin/.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// KubeScoreVersion is the kube-score release measured against.
const KubeScoreVersion = "v1.20.0"

const (
	sectionStart = "<!-- scan benchmark: written by `make bench-scan` (test/bench/scan) -->"
	sectionEnd   = "<!-- end of scan benchmark -->"
)

func main() {
	var sizes string
	var runs int
	var out, bin string
	flag.StringVar(&sizes, "sizes", "1000,10000", "corpus sizes (Deployments, one per file)")
	flag.IntVar(&runs, "runs", 3, "runs of each tool per corpus; the median is reported")
	flag.StringVar(&out, "out", "docs/benchmarks.md", "report file; the scan section is replaced or appended")
	flag.StringVar(&bin, "bin", "bin", "directory for the built binaries")
	flag.Parse()
	if err := run(sizes, runs, out, bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench-scan failed:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench-scan %s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

type measure struct {
	wall, cpu time.Duration
	rss       int64 // KiB
}

type row struct {
	size                   int
	kubeposture, kubeScore measure
	// pairRatio is the median over the interleaved pairs of kube-score's wall time over
	// kubeposture's.
	pairRatio float64
	// loadBefore and loadAfter are the machine's 1-minute load average around the runs.
	loadBefore, loadAfter string
	objects               string
}

// loadAverage is the 1-minute load average from /proc/loadavg, or "?" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func run(sizeList string, runs int, out, bin string) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	kp := filepath.Join(bin, "kubeposture")
	logf("building kubeposture into %s", kp)
	if err := sh("go", "build", "-o", kp, "./cmd/kubeposture"); err != nil {
		return err
	}
	ks, err := kubeScore(bin)
	if err != nil {
		return err
	}
	var rows []row
	for _, s := range strings.Split(sizeList, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		dir, err := os.MkdirTemp("", "kubeposture-scan-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		logf("writing %d Deployments to %s", n, dir)
		files, err := writeCorpus(dir, n)
		if err != nil {
			return err
		}
		r := row{size: n, loadBefore: loadAverage()}
		// kube-score takes files, kubeposture the directory; each reads every file. The tools run
		// in turn, so a change in the machine's load affects both alike.
		ksArgs := append([]string{"score", "--output-format", "ci"}, files...)
		kpArgs := []string{"scan", "-f", dir, "--level", "L3"}
		var ksRuns, kpRuns []measure
		var ratios []float64
		for i := range runs {
			m, _, err := once(ks, ksArgs)
			if err != nil {
				return fmt.Errorf("kube-score: %w", err)
			}
			ksRuns = append(ksRuns, m)
			logf("kube-score on %d Deployments, run %d: %v wall, %v CPU", n, i+1, m.wall.Round(time.Millisecond), m.cpu.Round(time.Millisecond))
			m, stdout, err := once(kp, kpArgs)
			if err != nil {
				return fmt.Errorf("kubeposture: %w", err)
			}
			kpRuns = append(kpRuns, m)
			ratios = append(ratios, ksRuns[i].wall.Seconds()/m.wall.Seconds())
			logf("kubeposture on %d Deployments, run %d: %v wall, %v CPU", n, i+1, m.wall.Round(time.Millisecond), m.cpu.Round(time.Millisecond))
			if lines := strings.SplitN(string(stdout), "\n", 3); i == 0 && len(lines) > 1 {
				r.objects = lines[1]
			}
		}
		r.kubeScore, r.kubeposture = summarize(ksRuns), summarize(kpRuns)
		sort.Float64s(ratios)
		r.pairRatio, r.loadAfter = ratios[len(ratios)/2], loadAverage()
		rows = append(rows, r)
	}
	return writeSection(out, rows, runs)
}

// kubeScore builds kube-score at the pinned version from the Go module proxy, once.
func kubeScore(bin string) (string, error) {
	path := filepath.Join(bin, "kube-score")
	stamp := path + ".version"
	if v, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(v)) == KubeScoreVersion {
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	logf("building kube-score %s from the Go module proxy into %s", KubeScoreVersion, bin)
	cmd := exec.Command("go", "install", "github.com/zegl/kube-score/cmd/kube-score@"+KubeScoreVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Dir = os.TempDir() // outside this module, so its go.mod is not consulted
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building kube-score: %w", err)
	}
	return path, os.WriteFile(stamp, []byte(KubeScoreVersion+"\n"), 0o644) //nolint:gosec // a marker
}

func sh(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// writeCorpus writes n Deployments, one per file, across 50 namespaces.
func writeCorpus(dir string, n int) ([]string, error) {
	files := make([]string, 0, n)
	for i := range n {
		f := filepath.Join(dir, fmt.Sprintf("deploy-%05d.yaml", i))
		doc := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
  labels: {app.kubernetes.io/name: app-%[1]d}
spec:
  replicas: 2
  selector: {matchLabels: {app.kubernetes.io/name: app-%[1]d}}
  template:
    metadata: {labels: {app.kubernetes.io/name: app-%[1]d}}
    spec:
      automountServiceAccountToken: false
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: app
          image: registry.example.com/team-%[2]d/app:1.%[1]d.0
          imagePullPolicy: Always
          ports: [{containerPort: 8080}]
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 500m, memory: 128Mi}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
`, i, i%50)
		if err := os.WriteFile(f, []byte(doc), 0o600); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// once runs the tool and measures it. Exit status 1 (findings) is expected of both tools.
func once(tool string, args []string) (measure, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(tool, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	m := measure{wall: time.Since(start)}
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
		return measure{}, nil, fmt.Errorf("%w: %s", err, stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rss = ru.Maxrss
	}
	m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return m, stdout.Bytes(), nil
}

// summarize returns the median wall and CPU time and the largest peak RSS of the runs.
func summarize(runs []measure) measure {
	walls := make([]time.Duration, len(runs))
	cpus := make([]time.Duration, len(runs))
	var out measure
	for i, r := range runs {
		walls[i], cpus[i] = r.wall, r.cpu
		out.rss = max(out.rss, r.rss)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
	out.wall, out.cpu = walls[len(walls)/2], cpus[len(cpus)/2]
	return out
}

func writeSection(out string, rows []row, runs int) error {
	var b strings.Builder
	b.WriteString(sectionStart + "\n\n## Manifest scan against kube-score\n\n")
	fmt.Fprintf(&b, "Machine: %d CPUs, %s/%s, %s. Corpora of Deployments, one file each, across 50 namespaces; "+
		"`kubeposture scan -f DIR --level L3` (every check) against `kube-score score --output-format ci FILE…` "+
		"(kube-score %s, built from the Go module proxy). The tools run in interleaved pairs (kube-score, then kubeposture), "+
		"%d pairs per corpus, in one run of the benchmark; wall and CPU (user + system) time are the medians, peak RSS the largest, "+
		"and the wall ratio is the median of the pairs' ratios. The load average is the machine's 1-minute figure before and "+
		"after each corpus: on a shared machine every wall time stretches with it, CPU time much less. kubeposture decodes "+
		"and evaluates on every CPU, kube-score on one.\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), KubeScoreVersion, runs)
	b.WriteString("| Deployments | load average | kubeposture wall / CPU | kubeposture peak RSS | kube-score wall / CPU | kube-score peak RSS | kubeposture faster by (wall / CPU) | Target |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		cpu := r.kubeScore.cpu.Seconds() / r.kubeposture.cpu.Seconds()
		met := "at least 3× wall: met"
		if r.pairRatio < 3 {
			met = "at least 3× wall: not met"
		}
		fmt.Fprintf(&b, "| %d | %s → %s | %d ms / %d ms | %d MiB | %d ms / %d ms | %d MiB | %.1f× / %.1f× | %s |\n", r.size,
			r.loadBefore, r.loadAfter,
			r.kubeposture.wall.Milliseconds(), r.kubeposture.cpu.Milliseconds(), r.kubeposture.rss/1024,
			r.kubeScore.wall.Milliseconds(), r.kubeScore.cpu.Milliseconds(), r.kubeScore.rss/1024, r.pairRatio, cpu, met)
	}
	if len(rows) > 0 && rows[len(rows)-1].objects != "" {
		fmt.Fprintf(&b, "\nkubeposture's own account of the largest corpus: %q\n", rows[len(rows)-1].objects)
	}
	b.WriteString(`
kubeposture reads one file at a time, into a reused buffer, and decodes its files on every CPU
while keeping their order; a file's bytes and parse tree are garbage once its objects are in the
snapshot, so memory grows with the objects kept for the checks, not with the files read. A plain
document (one object of a current apiVersion, without anchors or merge keys) goes from its YAML
nodes straight to JSON, with no intermediate map, and encoding/json/v2's implementation
(go-json-experiment/json, with encoding/json's semantics and exact name matching, as the API
server's sigs.k8s.io/json reads it) decodes that into the API type at about half the cost of the
v1 decoder; the checks then run on every CPU. Profiling the 10,000-Deployment scan
(` + "`kubeposture scan --cpuprofile FILE`" + `, and ` + "`--memprofile FILE`" + ` for allocations) puts about
two-fifths of the CPU time in YAML parsing (go.yaml.in/yaml/v3, which also allocates most of the
memory), a tenth in the typed decoding, a tenth in the garbage collector and a quarter in the
checks. scan runs with a heap target of 3× live data (and a soft limit of 1 GiB) instead of Go's
2×, unless GOGC or GOMEMLIMIT is set. The binary (about 118 MB, carrying Helm, kustomize, gitleaks
and the controllers behind ` + "`generate`" + `, but not the operator's metrics server) spends about
25 to 30 ms initialising packages before main, a third of it in the JSON-schema meta-schemas Helm's
chart values validation compiles; peak RSS includes its resident pages, about 75 MiB before any
manifest is read. kube-score's binary is about 23 MB.

` + sectionEnd + "\n")
	old, err := os.ReadFile(out)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	if i := strings.Index(doc, sectionStart); i >= 0 {
		if j := strings.Index(doc[i:], sectionEnd); j >= 0 {
			doc = doc[:i] + b.String() + strings.TrimPrefix(doc[i+j+len(sectionEnd):], "\n")
		} else {
			doc = doc[:i] + b.String()
		}
	} else {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + b.String()
	}
	logf("writing %s", out)
	return os.WriteFile(out, []byte(doc), 0o644) //nolint:gosec // a docs file
}
