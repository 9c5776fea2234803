package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

// oneShot is a command-line tool that reads the cluster once and exits.
type oneShot struct {
	name, version, path string
	args                []string
	// okExit are the exit statuses of a completed run (findings included).
	okExit []int
}

// toolRun is one measured run of a oneShot.
type toolRun struct {
	wall, cpu time.Duration
	// rss is the peak resident set in bytes (the child's rusage maxrss).
	rss float64
	// requests counts the API server's requests by verb during the run.
	requests map[string]float64
}

// watchSettle is how long after a tool exits its requests are counted: the API server records a
// watch when it ends, which it notices only after the client has gone.
const watchSettle = time.Second

// runOnce runs t against the cluster of kubeconfig and measures it. Output is discarded; the
// end of its standard error is kept for the error of a failed run.
func runOnce(ctx context.Context, t oneShot, kubeconfig string, api apiserverMetricsClient) (toolRun, error) {
	before, err := api.requestsByVerb(ctx)
	if err != nil {
		return toolRun{}, err
	}
	dir, err := os.MkdirTemp("", "kubeposture-bench-"+t.name+"-")
	if err != nil {
		return toolRun{}, err
	}
	defer os.RemoveAll(dir)
	var stderr tailBuffer
	cmd := exec.CommandContext(ctx, t.path, t.args...) //nolint:gosec // the benchmark's own tools
	cmd.Dir, cmd.Stderr = dir, &stderr
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "HOME="+dir)
	start := time.Now()
	err = cmd.Run()
	run := toolRun{wall: time.Since(start)}
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || !slices.Contains(t.okExit, ee.ExitCode())) {
		return toolRun{}, fmt.Errorf("%s: %w: %s", t.name, err, stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.rss = float64(ru.Maxrss) * 1024 // KiB on Linux
	}
	run.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	time.Sleep(watchSettle)
	after, err := api.requestsByVerb(ctx)
	if err != nil {
		return toolRun{}, err
	}
	run.requests = diffCounts(before, after)
	return run, nil
}

// requestsByVerb returns the API server's request counts by verb, from its metrics.
func (a apiserverMetricsClient) requestsByVerb(ctx context.Context) (map[string]float64, error) {
	body, err := a.rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the API server's metrics: %w", err)
	}
	return requestsByVerb(string(body)), nil
}

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct{ b []byte }

const tailSize = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > tailSize {
		t.b = append(t.b[:0:0], t.b[len(t.b)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
