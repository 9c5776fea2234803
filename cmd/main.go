// Command manager runs the kubeposture operator: it audits the cluster against each
// SecurityProfile and reports the result in the profile's status.
package main

import (
	"flag"
	"os"
	"runtime/debug"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/operator"
)

func main() {
	// Before anything reads a byte from the API server: freed responses are overwritten, so
	// Secret values the cache transforms dropped do not stay readable in the heap.
	reexecErr := operator.ReexecWithClobberFree()
	var opts operator.Options
	flag.StringVar(&opts.MetricsAddr, "metrics-bind-address", ":8080", "Address the metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&opts.ProbeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.BoolVar(&opts.LeaderElect, "leader-elect", false, "Elect a leader so only one replica audits at a time.")
	flag.StringVar(&opts.LeaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader-election Lease; empty means the namespace the operator runs in.")
	flag.DurationVar(&opts.LeaseDuration, "leader-elect-lease-duration", operator.DefaultLeaseDuration,
		"How long a standby replica waits after the leader's last renewal before taking over.")
	flag.DurationVar(&opts.RenewDeadline, "leader-elect-renew-deadline", operator.DefaultRenewDeadline,
		"How long the leader keeps retrying to renew its Lease (for example through an API server outage) before it gives up leadership and exits.")
	flag.DurationVar(&opts.RetryPeriod, "leader-elect-retry-period", operator.DefaultRetryPeriod,
		"Interval between leader-election attempts.")
	flag.BoolVar(&opts.SecureMetrics, "metrics-secure", false, "Serve metrics over HTTPS with authentication and authorization.")
	flag.BoolVar(&opts.EnableHTTP2, "enable-http2", false, "Serve metrics over HTTP/2 (off by default: HTTP/2 rapid-reset mitigations).")
	flag.DurationVar(&opts.MinAuditInterval, "min-audit-interval", controllers.DefaultMinAuditInterval,
		"Shortest time between two change-triggered audits of one profile; bursts of changes are coalesced.")
	flag.BoolVar(&opts.OpenReports, "openreports", false,
		"Publish each audit as openreports.io Reports (one per namespace) and a ClusterReport when those kinds are served; needs the openreports role.")
	flag.BoolVar(&opts.ReadSecrets, "read-secrets", true,
		"Gather Secrets (metadata, type and keys; values are dropped before caching). Needs the secrets-reader role; when off, Secret-based checks are Skipped.")
	flag.StringVar(&opts.Namespace, "namespace", os.Getenv("POD_NAMESPACE"),
		"Namespace of the admission policies' params ConfigMaps, normally the operator's own (default $POD_NAMESPACE, else "+controllers.DefaultPreventionNamespace+").")
	flag.StringVar(&opts.PprofAddr, "pprof-bind-address", "0", "Address Go's pprof endpoints bind to, for profiling; 0 disables them.")
	gcPercent := flag.Int("gc-percent", 50,
		"Go garbage-collection target (GOGC): the heap may grow this many percent over live data between collections. "+
			"Lower uses less memory and a little more CPU; the GOGC environment variable takes precedence.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")
	if reexecErr != nil {
		log.Error(reexecErr, "Freed memory is not overwritten; set GODEBUG=clobberfree=1 in the operator's environment")
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}

	mgr, err := operator.NewManager(ctrl.GetConfigOrDie(), opts)
	if err != nil {
		log.Error(err, "Unable to start")
		os.Exit(1)
	}
	log.Info("Starting the manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "The manager stopped with an error")
		os.Exit(1)
	}
}
