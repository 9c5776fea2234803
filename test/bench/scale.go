package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// scaleOptions configure the -scale mode.
type scaleOptions struct {
	enabled   bool
	sizes     string
	changes   int
	auditRuns int
	rssCapMiB int64
	profiles  string
}

// scalePoint is the scaling curve's measurement at one size.
type scalePoint struct {
	preset  scalePreset
	objects int64
	created time.Duration
	op      *results
	// stopped says why the operator's measurement ended early, if it did.
	stopped string
	audit   []toolRun
	// auditErr says why one-shot audit could not be measured, if it could not.
	auditErr           string
	cpuTop, heapTop    []string
	loadStart, loadEnd string
}

// runScale measures each size in turn on a control plane of its own: the operator (first audit,
// re-audit, detection, RSS, LISTs, CPU and heap profiles), then one-shot `kubeposture audit`.
// The scaling section is rewritten after every size, so a run stopped at a larger size keeps the
// smaller ones.
func runScale(o scaleOptions, out string) error {
	ctx := context.Background()
	presets, err := parseScaleSizes(o.sizes)
	if err != nil {
		return err
	}
	root, managerBin, err := buildManager()
	if err != nil {
		return err
	}
	cli, err := buildCLI(root)
	if err != nil {
		return err
	}
	profiles := o.profiles
	if !filepath.IsAbs(profiles) {
		profiles = filepath.Join(root, profiles)
	}
	if err := os.MkdirAll(profiles, 0o755); err != nil {
		return err
	}
	var points []scalePoint
	for _, p := range presets {
		pt, err := measureScalePoint(ctx, p, managerBin, cli, profiles, o)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		points = append(points, pt)
		if err := writeSection(root, out, scaleSection, scaleMarkdown(points, o)); err != nil {
			return err
		}
		logf("%s done; scaling section of %s written", p.name, out)
	}
	fmt.Print(scaleMarkdown(points, o))
	return nil
}

func measureScalePoint(ctx context.Context, p scalePreset, managerBin string, cli oneShot, profiles string, o scaleOptions) (pt scalePoint, err error) {
	pt = scalePoint{preset: p, loadStart: loadAverage()}
	defer func() { pt.loadEnd = loadAverage() }()
	logf("scale %s: %+v", p.name, p.sz)
	cl, err := startCluster(ctx, p.sz)
	if err != nil {
		return pt, err
	}
	defer cl.stop()
	pt.objects, pt.created = cl.objects, cl.created
	cpuFile := filepath.Join(profiles, p.name+"-cpu.pprof")
	heapFile := filepath.Join(profiles, p.name+"-heap.pprof")
	_ = os.Remove(cpuFile)
	_ = os.Remove(heapFile)
	res, _, err := measureOperator(ctx, cl, managerBin, o.changes, operatorOptions{
		cpuProfile: cpuFile, heapProfile: heapFile, rssCap: o.rssCapMiB << 20,
	})
	if err != nil {
		// Recorded, not fatal: the curve shows where the operator stopped keeping up, and the
		// one-shot audit is still measured at this size.
		pt.stopped = err.Error()
		if errors.Is(err, errRSSCap) {
			pt.stopped = "RSS cap: " + err.Error()
		}
		logf("scale %s: operator: %v", p.name, err)
	} else {
		pt.op = res
	}
	pt.cpuTop = profileTop(managerBin, cpuFile, "")
	pt.heapTop = profileTop(managerBin, heapFile, "inuse_space")

	// One-shot audit, with the operator gone.
	kubeconfig, err := cl.env.WriteAdminKubeconfig("bench-audit")
	if err != nil {
		return pt, err
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	cli.args = []string{"audit", "--kubeconfig", kubeconfig, "--level", "L3", "-o", "json"}
	api := apiserverMetrics(cl.env)
	for i := range o.auditRuns {
		run, err := runOnce(ctx, cli, kubeconfig, api)
		if err != nil {
			pt.auditErr = err.Error()
			logf("scale %s: one-shot audit: %v", p.name, err)
			break
		}
		pt.audit = append(pt.audit, run)
		logf("scale %s: one-shot audit %d took %s, peak RSS %s, %.0f LIST (load %s)", p.name, i+1,
			run.wall.Round(time.Millisecond), mibOf(run.rss), run.requests["LIST"], loadAverage())
	}
	return pt, nil
}

// profileTop returns the top entries of a profile, by flat value, or nil when it was not taken.
func profileTop(binary, file, sampleIndex string) []string {
	if _, err := os.Stat(file); err != nil {
		return nil
	}
	args := []string{"tool", "pprof", "-top", "-nodecount=10"}
	if sampleIndex != "" {
		args = append(args, "-sample_index="+sampleIndex)
	}
	outText, err := exec.Command("go", append(args, binary, file)...).Output()
	if err != nil {
		logf("pprof %s: %v", file, err)
		return nil
	}
	return pprofTop(string(outText), 10)
}

func scaleMarkdown(points []scalePoint, o scaleOptions) string {
	points = slices.Clone(points)
	slices.SortStableFunc(points, func(a, b scalePoint) int { return a.preset.sz.Pods - b.preset.sz.Pods })
	var b strings.Builder
	fmt.Fprintln(&b, "## Scaling curve")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Machine: %d CPUs, %s/%s, %s; local control plane on the same machine, started anew for each size. "+
		"The clusters are built like the reference cluster (10k; 100k is ten times it), with the counts in the table. "+
		"At each size the operator runs alone as in the first section (L3 profile, `--min-audit-interval=1s`) through %d violating changes "+
		"and is profiled; it is stopped if its resident set exceeds %d MiB. Then, with the operator gone, one-shot `kubeposture audit --level L3` "+
		"runs %d times (median wall time, largest peak RSS). The load average (1 min) is the machine's before and after each size.\n\n",
		runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), o.changes, o.rssCapMiB, o.auditRuns)
	fmt.Fprintln(&b, "| Pods | Namespaces / RBAC / Secrets / Nodes | Objects (created in) | Load average | Operator: first audit | Re-audit p50 / p99 | Detection p50 / p99 | Operator peak RSS | LIST per steady-state audit | `audit` wall time | `audit` peak RSS | `audit` LIST requests |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, pt := range points {
		sz := pt.preset.sz
		fmt.Fprintf(&b, "| %d | %d / %d / %d / %d | %d (%s) | %s → %s | ", sz.Pods, sz.Namespaces, sz.RBAC, sz.Secrets, sz.Nodes,
			pt.objects, pt.created.Round(time.Second), pt.loadStart, pt.loadEnd)
		if r := pt.op; r != nil {
			fmt.Fprintf(&b, "%s | %s / %s | %s / %s | %s | %.2f | ", secondsOf(r.firstAudit),
				msOf(percentile(r.reaudit, 0.5)), msOf(percentile(r.reaudit, 0.99)),
				msOf(percentile(r.detection, 0.5)), msOf(percentile(r.detection, 0.99)), mibOf(r.peakRSS), r.listsPerAudit)
		} else {
			fmt.Fprintf(&b, "stopped: %s | — | — | — | — | ", cell(pt.stopped))
		}
		if len(pt.audit) > 0 {
			walls := make([]time.Duration, len(pt.audit))
			rss, lists := make([]float64, len(pt.audit)), make([]float64, len(pt.audit))
			for i, r := range pt.audit {
				walls[i], rss[i], lists[i] = r.wall, r.rss, r.requests["LIST"]
			}
			fmt.Fprintf(&b, "%s | %s | %.0f |\n", secondsOf(medianDuration(walls)), mibOf(maxOf(rss)), median(lists))
		} else {
			fmt.Fprintf(&b, "failed: %s | — | — |\n", cell(pt.auditErr))
		}
	}
	fmt.Fprintln(&b)
	for _, pt := range points {
		if pt.preset.name != "100k" || pt.op == nil {
			continue
		}
		r := pt.op
		verdict := func(ok bool) string {
			if ok {
				return "met"
			}
			return "**missed**"
		}
		fmt.Fprintln(&b, "Targets at ten times the reference cluster (100,000 pods):")
		fmt.Fprintln(&b)
		fmt.Fprintln(&b, "| Measure | Value | Target |")
		fmt.Fprintln(&b, "|---|---|---|")
		fmt.Fprintf(&b, "| Full re-audit p99 | %s | under 1 s: %s |\n", msOf(percentile(r.reaudit, 0.99)), verdict(percentile(r.reaudit, 0.99) < time.Second))
		fmt.Fprintf(&b, "| Detection → status p99 | %s | under 2 s: %s |\n", msOf(percentile(r.detection, 0.99)), verdict(percentile(r.detection, 0.99) < 2*time.Second))
		fmt.Fprintf(&b, "| Operator peak RSS | %s | under 1 GiB: %s |\n", mibOf(r.peakRSS), verdict(r.peakRSS < 1<<30))
		fmt.Fprintf(&b, "| LIST calls per steady-state audit | %.2f | 0: %s |\n", r.listsPerAudit, verdict(r.listsPerAudit == 0))
		fmt.Fprintln(&b)
	}
	fmt.Fprintf(&b, "Re-audit is `status.auditDuration` of the audits that detected each change; detection runs from a violating pod's creation to the status that counts it, the 1 s coalescing interval included. "+
		"The operator's CPU profile covers %d s of the detection measurement (changes and the audits they cause) and its heap profile is taken at the end, after a collection; "+
		"both are written to %s/SIZE-cpu.pprof and SIZE-heap.pprof for `go tool pprof bin/manager FILE`. Their top entries by own (flat) value:\n\n", cpuProfileSeconds, o.profiles)
	for _, pt := range points {
		if len(pt.cpuTop) == 0 && len(pt.heapTop) == 0 {
			continue
		}
		fmt.Fprintf(&b, "<details><summary>%s pods: CPU and heap in use</summary>\n\n", commas(pt.preset.sz.Pods))
		if len(pt.cpuTop) > 0 {
			fmt.Fprintf(&b, "CPU:\n\n```\n%s\n```\n\n", strings.Join(pt.cpuTop, "\n"))
		}
		if len(pt.heapTop) > 0 {
			fmt.Fprintf(&b, "Heap in use:\n\n```\n%s\n```\n\n", strings.Join(pt.heapTop, "\n"))
		}
		fmt.Fprintln(&b, "</details>")
		fmt.Fprintln(&b)
	}
	return b.String()
}

// cell is the first line of s, fit for a table cell.
func cell(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.ReplaceAll(line, "|", "/")
}

// commas writes n with thousands separators.
func commas(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
