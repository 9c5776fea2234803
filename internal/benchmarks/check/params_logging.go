package check

import (
	"time"
)

// LoggingParams are the parameters of the LOG- checks.
type LoggingParams struct {
	// AuditLogMinRetention is the shortest audit-log retention LOG-002 accepts. The standard asks
	// for what laws require; 180 days follows the six-month rule of the PRC Cybersecurity Law, Art. 21.
	AuditLogMinRetention time.Duration
	// LogCollectors are globs of log-collector DaemonSets (LOG-003), matched against the
	// DaemonSet's name and its app labels.
	LogCollectors []string
	// NodeExporters are globs of node-metrics DaemonSets (LOG-004).
	NodeExporters []string
	// KubeStateMetrics are globs of the Deployment that exports object-state metrics (LOG-004).
	KubeStateMetrics []string
	// AlertRuleKinds are the GroupKinds of Prometheus-style rule objects, each with
	// spec.groups[].rules[] (LOG-005).
	AlertRuleKinds []string
	// StorageAlertMetrics are expression fragments that make an alerting rule a storage alert (LOG-005).
	StorageAlertMetrics []string
	// ContainerAlertMetrics are expression fragments that make an alerting rule a container-state
	// alert (LOG-005).
	ContainerAlertMetrics []string
	// MaxVerbosity is the highest klog verbosity (kubelet logging.verbosity, control-plane --v)
	// that still counts as the "info" level of S9.6 (LOG-006); 3 and above are debug levels.
	MaxVerbosity int
	// RuntimeAgents are globs of runtime threat-detection DaemonSets (LOG-007).
	RuntimeAgents []string
}

func defaultLoggingParams() LoggingParams {
	return LoggingParams{
		AuditLogMinRetention: 180 * 24 * time.Hour,
		LogCollectors: []string{
			"*fluent-bit*", "*fluentbit*", "*fluentd*", "*vector*", "*promtail*", "*filebeat*",
			"*otel-collector*", "*opentelemetry-collector*", "*grafana-agent*", "*alloy*",
		},
		NodeExporters:    []string{"*node-exporter*", "*node_exporter*"},
		KubeStateMetrics: []string{"*kube-state-metrics*"},
		AlertRuleKinds: []string{
			"PrometheusRule.monitoring.coreos.com",
			"VMRule.operator.victoriametrics.com",
			"Rules.monitoring.googleapis.com",
			"ClusterRules.monitoring.googleapis.com",
			"GlobalRules.monitoring.googleapis.com",
		},
		StorageAlertMetrics:   []string{"kubelet_volume_stats_"},
		ContainerAlertMetrics: []string{"kube_pod_container_status_restarts_total", "CrashLoopBackOff"},
		MaxVerbosity:          2,
		RuntimeAgents: []string{
			"*falco*", "*tetragon*", "*tracee*", "*kubearmor*", "*neuvector-enforcer*",
			"*sysdig-agent*", "*twistlock-defender*",
		},
	}
}
