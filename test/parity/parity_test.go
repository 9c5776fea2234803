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
	ctrlenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/operator"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// notLive lists the fixtures that describe a cluster no API server can hold, each with the
// reason. Every other pass_ and fail_ fixture must give the same verdict live as offline.
// Fixtures of a manifest scan (FixtureOptions source: Manifests) describe files, not a cluster,
// and are judged offline only.
var notLive = map[string]string{
	// Ages: metadata.creationTimestamp (and the times in managedFields) are the API server's
	// clock at creation; an apply cannot set them, so an object is never older than the test.
	"NODE-008/fail_stale_missing_failing":   ageReason,
	"NODE-011/fail_broken_csrs":             ageReason,
	"NODE-011/pass_rotating":                ageReason,
	"SEC-005/fail_expired_long_and_eternal": ageReason,
	"SEC-008/fail_stale_values":             ageReason,
	"SEC-010/fail_old_or_unmounted":         ageReason,
	"WKL-017/fail_privileged_debuggers":     ageReason,
	// kube-apiserver's own availability controller rewrites an APIService's status from probes
	// of its backing Service, which does not run here.
	"LOG-004/pass_full_stack": "an Available APIService needs its backing metrics server running",
	// The PodSecurity admission plugin, on by default, rejects a Namespace whose Pod Security
	// label holds an unknown level.
	"WKL-027/fail_l1_missing_or_privileged": "a Pod Security label with an unknown level is rejected by PodSecurity admission",
}

const ageReason = "the fixture's ages come from creationTimestamp or managedFields times, which the API server sets"

var (
	live     *cluster
	gatherer *gather.Gatherer
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
	env, err := startControlPlane(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()

	// The operator's cache, as the operator configures it; no controller runs, so the cluster
	// holds only what the fixtures apply.
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:                 operator.Scheme,
		Cache:                  gather.CacheOptions(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The operator's gatherer on that cache, Secrets watched by type beside it.
	g, err := gather.NewGatherer(env.Config, mgr.GetCache(), gather.SourceOptions{
		Scheme: operator.Scheme, ReadSecrets: true, HTTPClient: mgr.GetHTTPClient(), Mapper: mgr.GetRESTMapper(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := mgr.Add(g.Secrets); err != nil {
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
	kinds = snapshotKinds(env.CRDs)
	if err := warm(ctx, mgr.GetCache(), kinds); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	gatherer = g
	live = &cluster{
		secrets: g.Secrets,
		config:  env.Config, client: cl, clientset: cs, discovery: dc, mapper: mgr.GetRESTMapper(), cache: mgr.GetCache(), scheme: operator.Scheme,
	}
	return m.Run()
}

// startControlPlane starts kube-apiserver and etcd with the project's CRDs and those of every
// optional kind. The API server serves dual-stack Services, as a dual-stack cluster does.
func startControlPlane(root string) (*ctrlenvtest.Environment, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(root, "bin", "k8s")
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make control-plane` to build the local control plane", bin, assets)
		}
	}
	env := &ctrlenvtest.Environment{
		CRDDirectoryPaths: []string{
			filepath.Join(root, "config", "crd", "bases"), filepath.Join(root, "test", "crds"), filepath.Join(root, "test", "crds", "optional"),
		},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		Scheme:                envtest.Scheme,
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	args.Set("service-cluster-ip-range", "10.0.0.0/24,fd00:10:96::/108")
	// The fixtures say which API server endpoints the kubernetes Service has, as on a cluster
	// whose provider manages them; this API server does not rewrite them with its own address.
	args.Set("endpoint-reconciler-type", "none")
	if _, err := env.Start(); err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("starting the local control plane from %s: %w", assets, err)
	}
	return env, nil
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
			t.Run(lf.name()+"/"+string(mode), func(t *testing.T) {
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
			if errorsLeftCluster(t) {
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
	fmt.Fprintf(os.Stderr, "live parity: applying %s, waiting for the cache %s, starting caches %s, cleaning up %s\n",
		timing.apply.Round(time.Second), timing.sync.Round(time.Second), timing.started.Round(time.Second), timing.cleanup.Round(time.Second))
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
// timing adds up where the test's time goes; it is printed with the progress.
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
