package parity_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
	"github.com/kubeposture/kubeposture/internal/operator"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// notLive lists the fixtures that describe a cluster no API server can hold, each with the
// reason. Every other pass_ and fail_ fixture must give the same verdict live as offline.
// Fixtures of a manifest scan (FixtureOptions source: Manifests) describe files, not a cluster,
// and are judged offline only.
var notLive = map[string]string{}

var (
	live     *cluster
	gatherer *controllers.Gatherer
	repoRoot string
	// kinds are the kinds a snapshot holds, whose informers a cache starts.
	kinds []client.Object
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.Level(2))))
	root, err := envtest.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	repoRoot = root
	env, err := envtest.Start(filepath.Join(root, "test", "crds"), filepath.Join(root, "test", "crds", "optional"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	// The operator's cache, as the operator configures it; no controller runs, so the cluster
	// holds only what the fixtures apply.
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 operator.Scheme,
		Cache:                  controllers.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cs, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cl, err := client.New(env.Config, client.Options{Scheme: operator.Scheme, Mapper: mgr.GetRESTMapper()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		fmt.Fprintln(os.Stderr, "the cache did not start")
		return 1
	}
	kinds = snapshotKinds(env.Env.CRDs)
	if err := warm(ctx, mgr.GetCache(), kinds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	gatherer = &controllers.Gatherer{Cache: mgr.GetCache(), Discovery: dc, Mapper: mgr.GetRESTMapper(), ReadSecrets: true}
	live = &cluster{
		config: env.Config, client: cl, clientset: cs, discovery: dc, mapper: mgr.GetRESTMapper(), cache: mgr.GetCache(), scheme: operator.Scheme,
	}
	return m.Run()
}

// liveFixture is one fixture to run on the cluster.
type liveFixture struct {
	check benchmarks.Check
	path  string
}

func (l liveFixture) name() string {
	return l.check.ID + "/" + strings.TrimSuffix(filepath.Base(l.path), ".yaml")
}

// liveFixtures lists every pass_ and fail_ fixture of every registered check. CHECK=WKL-001
// focuses one check.
func liveFixtures(t *testing.T) []liveFixture {
	focus := os.Getenv("CHECK")
	var out []liveFixture
	for _, c := range benchmarks.All() {
		if focus != "" && c.ID != focus {
			continue
		}
		dir := filepath.Join(repoRoot, "internal", "benchmarks", "testdata", c.ID)
		for _, prefix := range []string{"pass_", "fail_"} {
			files, err := filepath.Glob(filepath.Join(dir, prefix+"*.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				out = append(out, liveFixture{check: c, path: f})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name() < out[j].name() })
	return out
}

// TestLiveParity applies every pass_ and fail_ fixture to a real API server, client-side as
// `kubectl apply` does and server-side, reads it back through the operator's cache and
// gatherer, and requires the verdict the offline fixture runner gives.
func TestLiveParity(t *testing.T) {
	ctx := t.Context()
	// The first snapshot starts the informer of every audited kind.
	if _, err := gatherer.Snapshot(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	all := liveFixtures(t)
	if len(all) == 0 {
		t.Fatal("no fixtures found")
	}
	for name := range notLive {
		found := false
		for _, lf := range all {
			found = found || lf.name() == name
		}
		if !found && os.Getenv("CHECK") == "" {
			t.Errorf("notLive names %s, which is not a pass_ or fail_ fixture", name)
		}
	}
	start := time.Now()
	ran, manifests := 0, 0
	for i, lf := range all {
		if i%50 == 0 {
			fmt.Fprintf(os.Stderr, "live parity: %d/%d fixtures, %s\n", i, len(all), time.Since(start).Round(time.Second))
		}
		f, err := fixtures.Load(lf.check, lf.path)
		if err != nil {
			t.Errorf("%s: %v", lf.name(), err)
			continue
		}
		if benchmarks.Source(f.Options.Source) == benchmarks.SourceManifests {
			manifests++
			continue
		}
		offline, err := f.Snapshot()
		if err != nil {
			t.Errorf("%s: %v", lf.name(), err)
			continue
		}
		want, err := f.Evaluate(lf.check, offline)
		if err != nil {
			t.Errorf("%s: %v", lf.name(), err)
			continue
		}
		reason, listed := notLive[lf.name()]
		agreed := 0
		for _, mode := range []applyMode{clientSide, serverSide} {
			ok := t.Run(lf.name()+"/"+string(mode), func(t *testing.T) {
				got, err := runLive(ctx, lf.check, f, mode)
				if err != nil {
					if listed {
						t.Logf("not live (%s): %v", reason, err)
						return
					}
					t.Fatal(err)
				}
				var msgs []string
				for _, r := range got {
					if r.report.Result != want.Result || r.report.Offending != want.Offending {
						msgs = append(msgs, fmt.Sprintf("%s: live %s with %d offending (%s), offline %s with %d\nlive findings:\n%s",
							r.path, r.report.Result, r.report.Offending, r.report.Message, want.Result, want.Offending, fixtures.FormatFindings(r.report.Findings)))
					}
				}
				if len(msgs) == 0 {
					agreed++
					return
				}
				msg := strings.Join(msgs, "\n") + "\noffline findings:\n" + fixtures.FormatFindings(want.Findings)
				if listed {
					t.Logf("not live (%s): %s", reason, msg)
					return
				}
				t.Error(msg)
			})
			if !ok && errorsLeftCluster(t) {
				return
			}
		}
		if listed && agreed == 2 {
			t.Errorf("%s is listed in notLive (%s) but gives its offline verdict live: remove it from the list", lf.name(), reason)
		}
		ran++
	}
	fmt.Fprintf(os.Stderr, "live parity: %d fixtures applied both ways, %d manifest-scan fixtures judged offline only, %s\n",
		ran, manifests, time.Since(start).Round(time.Second))
	fmt.Fprintf(os.Stderr, "timing %+v\n", timing)
}

// errorsLeftCluster reports whether a failed cleanup left objects behind, after which no later
// fixture could be judged.
func errorsLeftCluster(t *testing.T) bool {
	if live.dirty != nil {
		t.Errorf("stopping: the cluster could not be cleaned: %v", live.dirty)
		return true
	}
	return false
}

// liveResult is the verdict read through one path into the cache.
type liveResult struct {
	path   string
	report benchmarks.CheckReport
}

// runLive applies the fixture in one mode and evaluates the check, with the fixture's options, on
// two snapshots: one from the running cache, which saw the objects arrive as watch events, and
// one from a cache started afterwards, which lists them, as an operator starting on a cluster
// does. It removes the fixture again.
var timing struct{ apply, sync, started, cleanup time.Duration }

func runLive(ctx context.Context, c benchmarks.Check, f *fixtures.Fixture, mode applyMode) (got []liveResult, err error) {
	t0 := time.Now()
	objs, err := live.apply(ctx, f.Path, mode)
	timing.apply += time.Since(t0)
	defer func() {
		t0 := time.Now()
		if cerr := live.cleanup(ctx, objs); cerr != nil {
			live.dirty = cerr
		}
		timing.cleanup += time.Since(t0)
	}()
	if err != nil {
		return got, err
	}
	t1 := time.Now()
	if err := live.waitSynced(ctx, objs); err != nil {
		return got, err
	}
	timing.sync += time.Since(t1)
	watched, err := gatherer.Snapshot(ctx, time.Now())
	if err != nil {
		return got, err
	}
	t0 = time.Now()
	listed, err := startedSnapshot(ctx, live.config, kinds, f.ServedKinds())
	timing.started += time.Since(t0)
	if err != nil {
		return got, err
	}
	for _, p := range []struct {
		name string
		snap *benchmarks.Snapshot
	}{{"watched by a running operator", watched}, {"listed by a starting operator", listed}} {
		rep, err := judge(c, f, p.snap)
		if err != nil {
			return got, err
		}
		got = append(got, liveResult{path: p.name, report: rep})
	}
	return got, nil
}

// judge configures a live snapshot as the fixture's options say and evaluates the check on it.
func judge(c benchmarks.Check, f *fixtures.Fixture, snap *benchmarks.Snapshot) (benchmarks.CheckReport, error) {
	// The cluster serves every optional kind any fixture uses; this fixture's cluster serves
	// only those of its objects and options.
	served := f.ServedKinds()
	for gk := range snap.Extra {
		if !served[gk] {
			delete(snap.Extra, gk)
		}
	}
	if err := f.Configure(snap); err != nil {
		return benchmarks.CheckReport{}, err
	}
	return f.Evaluate(c, snap)
}
