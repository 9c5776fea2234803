package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"k8s.io/client-go/discovery"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// peerOptions configure the -peers mode.
type peerOptions struct {
	enabled bool
	// bin is the directory `make peers` builds popeye and polaris into, each with a NAME.version
	// file naming the version built.
	bin    string
	rounds int
}

// peerMeasure is what the peers section reports of one tool.
type peerMeasure struct {
	tool oneShot
	runs []toolRun
}

func (m peerMeasure) walls() []float64 {
	out := make([]float64, len(m.runs))
	for i, r := range m.runs {
		out[i] = r.wall.Seconds()
	}
	return out
}

func (m peerMeasure) rsses() []float64 {
	out := make([]float64, len(m.runs))
	for i, r := range m.runs {
		out[i] = r.rss
	}
	return out
}

func (m peerMeasure) medianRequests(verb string) float64 {
	vs := make([]float64, len(m.runs))
	for i, r := range m.runs {
		vs[i] = r.requests[verb]
	}
	return median(vs)
}

func (m peerMeasure) medianCPU() time.Duration {
	ds := make([]time.Duration, len(m.runs))
	for i, r := range m.runs {
		ds[i] = r.cpu
	}
	return medianDuration(ds)
}

// runPeers creates the cluster once and runs one-shot `kubeposture audit`, popeye and polaris
// against it in interleaved rounds, then replaces the peers section of the report.
func runPeers(sz sizes, o peerOptions, out string) error {
	ctx := context.Background()
	root, err := envtest.RepoRoot()
	if err != nil {
		return err
	}
	if o.rounds < 1 {
		return fmt.Errorf("-rounds %d: at least one round is needed", o.rounds)
	}
	bin := o.bin
	if !filepath.IsAbs(bin) {
		bin = filepath.Join(root, bin)
	}
	kubeposture, err := buildCLI(root)
	if err != nil {
		return err
	}
	popeye, err := peer(bin, "popeye")
	if err != nil {
		return err
	}
	polaris, err := peer(bin, "polaris")
	if err != nil {
		return err
	}
	cl, err := startCluster(ctx, sz)
	if err != nil {
		return err
	}
	defer cl.stop()
	kubeconfig, err := cl.env.WriteAdminKubeconfig("bench-peers")
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	kubeposture.args = []string{"audit", "--kubeconfig", kubeconfig, "--level", "L3", "-o", "json"}
	popeye.args = []string{"--kubeconfig", kubeconfig, "--all-namespaces", "--out", "json", "--force-exit-zero"}
	// polaris reads the kubeconfig from $KUBECONFIG, which runOnce sets for every tool.
	polaris.args = []string{"audit", "--format", "json"}
	tools := []oneShot{kubeposture, popeye, polaris}

	api := apiserverMetrics(cl.env)
	measures := make([]peerMeasure, len(tools))
	for i, t := range tools {
		measures[i].tool = t
	}
	loadStart := loadAverage()
	for r := range o.rounds {
		// Each round starts with another tool, so none always runs first after the creation or
		// right after the heaviest.
		for k := range tools {
			i := (r + k) % len(tools)
			run, err := runOnce(ctx, tools[i], kubeconfig, api)
			if err != nil {
				return err
			}
			measures[i].runs = append(measures[i].runs, run)
			logf("round %d: %s took %s, %s CPU, peak RSS %s, %.0f LIST, %.0f WATCH (load %s)", r+1, tools[i].name,
				run.wall.Round(time.Millisecond), run.cpu.Round(time.Millisecond), mibOf(run.rss),
				run.requests["LIST"], run.requests["WATCH"], loadAverage())
		}
	}
	loadEnd := loadAverage()
	server := "unknown"
	if dc, err := discovery.NewDiscoveryClientForConfig(cl.env.Config); err == nil {
		if v, err := dc.ServerVersion(); err == nil {
			server = v.GitVersion
		}
	}
	body := peersMarkdown(cl, measures, o.rounds, server, loadStart, loadEnd)
	fmt.Print(body)
	return writeSection(root, out, peersSection, body)
}

// buildCLI builds the kubeposture command into bin/kubeposture.
func buildCLI(root string) (oneShot, error) {
	path := filepath.Join(root, "bin", "kubeposture")
	logf("building kubeposture into %s", path)
	build := exec.Command("go", "build", "-o", path, "./cmd/kubeposture")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return oneShot{}, fmt.Errorf("building kubeposture: %w", err)
	}
	version := "unknown"
	if rev, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output(); err == nil {
		version = "commit " + strings.TrimSpace(string(rev))
	}
	// Exit status 1: the level is not achieved.
	return oneShot{name: "kubeposture audit", version: version, path: path, okExit: []int{0, 1}}, nil
}

// peer returns the tool `make peers` built into bin.
func peer(bin, name string) (oneShot, error) {
	path := filepath.Join(bin, name)
	version, err := os.ReadFile(path + ".version")
	if err != nil {
		return oneShot{}, fmt.Errorf("%s is not built in %s: run `make peers`", name, bin)
	}
	if _, err := os.Stat(path); err != nil {
		return oneShot{}, fmt.Errorf("%s is not built in %s: run `make peers`", name, bin)
	}
	return oneShot{name: name, version: strings.TrimSpace(string(version)), path: path, okExit: []int{0}}, nil
}

func peersMarkdown(cl *cluster, ms []peerMeasure, rounds int, server, loadStart, loadEnd string) string {
	var b strings.Builder
	sz := cl.sz
	fmt.Fprintln(&b, "## One-shot audit against popeye and polaris")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Machine: %d CPUs, %s/%s, %s; local control plane (kube-apiserver %s and etcd built from the Go module proxy) on the same machine. "+
		"The reference cluster of the first section: %d namespaces, %d pods, %d RBAC objects, %d Secrets, %d Nodes (%d objects). "+
		"Each tool reads the cluster once as an admin and exits; the tools run in %d interleaved rounds, each round starting with the next tool, in one run of the benchmark. "+
		"Load average (1 min): %s at the start, %s at the end.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), server,
		sz.Namespaces, sz.Pods, sz.RBAC, sz.Secrets, sz.Nodes, cl.objects, rounds, loadStart, loadEnd)
	fmt.Fprintln(&b, "| Tool | Version | Command | Wall time, median | CPU time, median | Peak RSS, largest | LIST requests | WATCH requests | Wall time ÷ kubeposture's, median of the rounds | Peak RSS ÷ kubeposture's, median of the rounds |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|---|")
	base := ms[0]
	for _, m := range ms {
		wallRatio, rssRatio := "—", "—"
		if m.tool.name != base.tool.name {
			wallRatio = fmt.Sprintf("%.1f×", median(pairRatios(m.walls(), base.walls())))
			rssRatio = fmt.Sprintf("%.1f×", median(pairRatios(m.rsses(), base.rsses())))
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s | %s | %.0f | %.0f | %s | %s |\n", m.tool.name, m.tool.version, commandLine(m.tool),
			secondsOf(time.Duration(median(m.walls())*float64(time.Second))), secondsOf(m.medianCPU()),
			mibOf(maxOf(m.rsses())), m.medianRequests("LIST"), m.medianRequests("WATCH"), wallRatio, rssRatio)
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "Per round (wall time, peak RSS):")
	fmt.Fprintln(&b)
	fmt.Fprint(&b, "| Round |")
	for _, m := range ms {
		fmt.Fprintf(&b, " %s |", m.tool.name)
	}
	fmt.Fprint(&b, "\n|---|")
	for range ms {
		fmt.Fprint(&b, "---|")
	}
	fmt.Fprintln(&b)
	for r := range rounds {
		fmt.Fprintf(&b, "| %d |", r+1)
		for _, m := range ms {
			if r < len(m.runs) {
				fmt.Fprintf(&b, " %s, %s |", secondsOf(m.runs[r].wall), mibOf(m.runs[r].rss))
			} else {
				fmt.Fprint(&b, " — |")
			}
		}
		fmt.Fprintln(&b)
	}
	fmt.Fprintln(&b)
	fmt.Fprint(&b, `The ratios are taken round by round (the peer's figure over kubeposture's in the same round) and
the median of those ratios is reported, so a change in the machine's load during the run affects
both sides of a ratio alike. Peak RSS is the child's maximum resident set from wait4's rusage.
LIST and WATCH requests are the API server's `+"`apiserver_request_total`"+` for those verbs, read
before each run and again a second after it ended (the API server counts a watch when it ends),
with nothing else running against the API server; WATCH counts also take in the API server's
own informers, whose watches end and restart every few minutes. `+"`kubeposture audit`"+` starts its
informers with watch-list (the initial objects stream through a WATCH request, no LIST) and
reads Secrets as metadata only except the types a check parses; it runs every L3 check (workloads, RBAC, network policies, namespaces, Secrets,
nodes) and waits for every kind's initial state before evaluating. popeye lints every resource
kind it knows and LISTs each; polaris audits workloads (pods and their controllers). The tools
check different things, so this compares the cost of reading and evaluating a cluster of this
size, not the findings. popeye and polaris are built by `+"`make peers`"+` from the Go module proxy at
the versions shown (polaris by a pseudo-version: its later releases are not served as Go
modules), with polaris's embedded check and configuration files packed by packr2 first.
`)
	return b.String()
}

// commandLine is the tool's command with the temporary kubeconfig path shortened.
func commandLine(t oneShot) string {
	parts := []string{filepath.Base(t.path)}
	for i, a := range t.args {
		if i > 0 && t.args[i-1] == "--kubeconfig" {
			a = "KUBECONFIG"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

func maxOf(vs []float64) float64 {
	out := 0.0
	for _, v := range vs {
		out = max(out, v)
	}
	return out
}
