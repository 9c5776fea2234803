// Package operator wires the kubeposture manager: scheme, cache settings, the SecurityProfile
// controller and health checks. The binary, the demo and the benchmark all start it this way.
package operator

import (
	"crypto/tls"
	"fmt"
	"net/http"
	goruntime "runtime"
	"runtime/debug"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/openreports"
	"github.com/kubeposture/kubeposture/internal/remediation"
)

// Scheme knows the built-in kinds and the SecurityProfile API.
var Scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(securityv1alpha1.AddToScheme(Scheme))
}

// Options configure the manager.
type Options struct {
	// MetricsAddr is where metrics are served; "0" disables them.
	MetricsAddr string
	// SecureMetrics serves metrics over HTTPS with authentication and authorization.
	SecureMetrics bool
	// EnableHTTP2 allows HTTP/2 on the metrics server.
	EnableHTTP2 bool
	// ProbeAddr is where /healthz and /readyz are served; "0" disables them.
	ProbeAddr string
	// LeaderElect makes replicas elect a leader.
	LeaderElect bool
	// LeaderElectionNamespace holds the Lease; "" means the namespace the operator runs in.
	LeaderElectionNamespace string
	// LeaseDuration, RenewDeadline and RetryPeriod tune leader election; zero means
	// DefaultLeaseDuration, DefaultRenewDeadline and DefaultRetryPeriod.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// MinAuditInterval coalesces bursts of changes into one audit per profile.
	MinAuditInterval time.Duration
	// SkipNameValidation allows several managers in one process (tests, the benchmark).
	SkipNameValidation bool
	// PprofAddr serves Go's pprof endpoints; "" or "0" disables them.
	PprofAddr string
	// Namespace is the operator's namespace, where the admission policies' params ConfigMaps
	// live; controllers.DefaultPreventionNamespace when empty.
	Namespace string
	// OpenReports publishes each audit as openreports.io Reports and a ClusterReport when
	// those kinds are served; it needs the openreports role.
	OpenReports bool
	// ReadSecrets gathers Secrets' metadata, type and keys (never values); it needs the
	// secrets-reader role.
	ReadSecrets bool
	// RemediationUser, when set, is the user the remediation client impersonates, so that its
	// write permissions can be granted and withdrawn apart from the audit's.
	RemediationUser string
}

// Leader-election defaults. The leader keeps renewing its Lease for RenewDeadline after the last
// successful renewal, so it rides out an API server outage of up to RenewDeadline minus
// RetryPeriod (40 s) without giving up leadership; a longer outage makes it exit, and the
// Deployment restarts it. A standby replica takes over LeaseDuration after the leader's last
// renewal, or at once when the leader stops cleanly (it releases the Lease).
const (
	DefaultLeaseDuration = 60 * time.Second
	DefaultRenewDeadline = 45 * time.Second
	DefaultRetryPeriod   = 5 * time.Second
)

func orDefault(d, def time.Duration) *time.Duration {
	if d <= 0 {
		d = def
	}
	return &d
}

// NewManager returns a manager with the SecurityProfile controller registered.
func NewManager(base *rest.Config, opts Options) (ctrl.Manager, error) {
	// Reads go through value connections. The remediation client below is built from base: the
	// value connections' transport is bound to the config it was built from, and would not carry
	// the remediation client's impersonation.
	cfg, err := WrapValueConnections(base, DefaultValueConnectionIdle)
	if err != nil {
		return nil, err
	}
	cfg.Wrap(controllers.CountRequests)
	var tlsOpts []func(*tls.Config)
	if !opts.EnableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOpts := metricsserver.Options{BindAddress: opts.MetricsAddr, SecureServing: opts.SecureMetrics, TLSOpts: tlsOpts}
	if opts.PprofAddr != "" && opts.PprofAddr != "0" {
		// With profiling on, /debug/free-os-memory runs the collections that a running process
		// goes through anyway, and returns freed memory to the system, so a memory inspection
		// sees only what is still referenced. Buffers parked in a sync.Pool (HTTP/2 read
		// buffers among them) are dropped by the second collection after they were parked.
		metricsOpts.ExtraHandlers = map[string]http.Handler{"/debug/free-os-memory": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			goruntime.GC()
			goruntime.GC()
			debug.FreeOSMemory()
			w.WriteHeader(http.StatusNoContent)
		})}
	}
	if opts.SecureMetrics {
		// Only callers the API server authenticates and authorizes (get on /metrics) may scrape.
		metricsOpts.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mgrOpts := ctrl.Options{
		Scheme:                  Scheme,
		Metrics:                 metricsOpts,
		HealthProbeBindAddress:  opts.ProbeAddr,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        "kubeposture.security.kubeposture.io",
		LeaderElectionNamespace: opts.LeaderElectionNamespace,
		LeaseDuration:           orDefault(opts.LeaseDuration, DefaultLeaseDuration),
		RenewDeadline:           orDefault(opts.RenewDeadline, DefaultRenewDeadline),
		RetryPeriod:             orDefault(opts.RetryPeriod, DefaultRetryPeriod),
		// Hand the Lease over at once on a clean stop (rolling update, scale-down).
		LeaderElectionReleaseOnCancel: true,
		Cache:                         gather.CacheOptions(),
		PprofBindAddress:              opts.PprofAddr,
	}
	if opts.SkipNameValidation {
		skip := true
		mgrOpts.Controller = config.Controller{SkipNameValidation: &skip}
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	gatherer, err := gather.NewGatherer(cfg, mgr.GetCache(), gather.SourceOptions{
		Scheme: Scheme, ReadSecrets: opts.ReadSecrets, HTTPClient: mgr.GetHTTPClient(), Mapper: mgr.GetRESTMapper(),
	})
	if err != nil {
		return nil, err
	}
	// Remediation writes through its own uncached client, whose warnings (Pod Security dry runs)
	// the remediator reads.
	wcfg := rest.CopyConfig(base)
	wcfg.Wrap(controllers.CountRequests)
	wcfg.WarningHandlerWithContext = remediation.WarningCollector{}
	if opts.RemediationUser != "" {
		wcfg.Impersonate = rest.ImpersonationConfig{UserName: opts.RemediationUser}
	}
	writer, err := client.New(wcfg, client.Options{Scheme: Scheme, Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("creating the remediation client: %w", err)
	}
	rec := &controllers.SecurityProfileReconciler{
		Remediator:       &remediation.Remediator{Client: writer},
		Preventer:        &controllers.Preventer{Client: writer, Namespace: opts.Namespace},
		Client:           mgr.GetClient(),
		Gatherer:         gatherer,
		Recorder:         mgr.GetEventRecorder("kubeposture"),
		MinAuditInterval: opts.MinAuditInterval,
	}
	if opts.OpenReports {
		rec.Reporter = &openreports.Writer{Client: writer}
	}
	if err := rec.SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the SecurityProfile controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	// Ready once every kind the operator may read has been listed, so no audit runs on a
	// half-filled cache.
	if err := mgr.AddReadyzCheck("readyz", func(req *http.Request) error { return gatherer.Ready(req.Context()) }); err != nil {
		return nil, err
	}
	return mgr, nil
}
