package logging

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Checks returns the LOG- checks: logging and monitoring.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:       "LOG-001",
			Title:    "The API server writes an audit log under an audit policy",
			Domain:   check.DomainLogging,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S10.4", "S9.1"}, NIST: []string{"4.4.5"}, MLPS: []string{"G3b"},
				CIS: []string{"1.2.16", "3.2.1"},
			},
			Rationale: "The audit log is the only record of who created, changed or deleted which object and who read " +
				"Secrets; without it an incident cannot be traced to an identity. The check reads the kube-apiserver " +
				"mirror pods; managed control planes need a person to verify.",
			Remediation: "Start every kube-apiserver with --audit-policy-file (a policy that logs at least Metadata for " +
				"all requests and RequestResponse for RBAC and Secrets changes) and --audit-log-path or " +
				"--audit-webhook-config-file. On a managed cluster, enable the provider's audit logs and attest it.",
			Evaluate: logAuditEnabled,
		},
		{
			ID:       "LOG-002",
			Title:    "API server audit logs are kept for at least the required retention period",
			Domain:   check.DomainLogging,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				MLPS: []string{"G3d"}, CIS: []string{"1.2.17", "1.2.18"},
			},
			Rationale: "Intrusions are often found months later; audit records deleted before then cannot show what " +
				"happened. Regulations set a floor (six months under the PRC Cybersecurity Law), Logging.AuditLogMinRetention here.",
			Remediation: "Ship audit events to a central store with --audit-webhook-config-file, or set --audit-log-maxage " +
				"to at least the retention in days and size --audit-log-maxbackup and --audit-log-maxsize so that many " +
				"days fit; for logs written to stdout, keep them in the log store for that long.",
			Evaluate: logAuditRetention,
		},
		{
			ID:         "LOG-003",
			Title:      "A log collector ships logs from every node, control plane included",
			Domain:     check.DomainLogging,
			Level:      check.L2,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S9.1", "S9.5"}, NIST: []string{"6.4"}},
			Rationale: "Container and node logs stay on the node until they rotate away or the node is lost; a collector " +
				"that skips tainted nodes, such as the control plane, leaves exactly the most sensitive logs behind. " +
				"The check reads DaemonSet status, nodeSelectors and tolerations, not node affinity or outputs.",
			Remediation: "Run a log collector DaemonSet (Fluent Bit, Vector, Promtail, Filebeat, OpenTelemetry Collector) " +
				"that ships to a central store, tolerate every node taint (for example tolerations: [{operator: Exists}]), " +
				"and fix pods that are not ready. Add its name to Logging.LogCollectors if it is not recognised.",
			Evaluate: logCollectors,
		},
		{
			ID:         "LOG-004",
			Title:      "Node and container resource usage is monitored: metrics API, node-exporter and kube-state-metrics",
			Domain:     check.DomainLogging,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S9.2"}, MLPS: []string{"G7d"}},
			Rationale: "Without resource metrics nobody sees a node or container running out of CPU, memory or disk until " +
				"it fails, and autoscalers cannot work. The metrics API serves current usage; node-exporter and " +
				"kube-state-metrics feed the history and alerts.",
			Remediation: "Install metrics-server (or enable the provider's) so the v1beta1.metrics.k8s.io APIService is " +
				"Available, and a monitoring stack such as kube-prometheus-stack with node-exporter and kube-state-metrics.",
			Evaluate: logResourceMetrics,
		},
		{
			ID:         "LOG-005",
			Title:      "Alerting rules cover volume usage and container restarts",
			Domain:     check.DomainLogging,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S9.3", "S9.4"}},
			Rationale: "Metrics nobody alerts on are noticed only after the outage: a full volume stops a database, and a " +
				"container in CrashLoopBackOff stops its service. The check reads PrometheusRule objects (and other " +
				"Prometheus-style rule kinds) for alerting rules on kubelet_volume_stats_* and on restarts or CrashLoopBackOff.",
			Remediation: "Add alerting rules such as kube-prometheus's KubePersistentVolumeFillingUp (kubelet_volume_stats_" +
				"available_bytes) and KubePodCrashLooping (kube_pod_container_status_waiting_reason{reason=\"CrashLoopBackOff\"} " +
				"or increases of kube_pod_container_status_restarts_total).",
			Evaluate: logAlertCoverage,
		},
		{
			ID:         "LOG-006",
			Title:      "Kubelets and control-plane components log at info verbosity (2 or less)",
			Domain:     check.DomainLogging,
			Level:      check.L1,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S9.6"}},
			Rationale: "Debug verbosity floods the log store, hides real events and at high levels writes request " +
				"details, including tokens, to the logs. The kubelet part reads each node's configuration through the " +
				"node proxy; the control-plane part reads the mirror pods' --v and etcd's --log-level.",
			Remediation: "Set logging.verbosity to 2 or less in the kubelet configuration, --v to 2 or less on " +
				"kube-apiserver, kube-controller-manager and kube-scheduler, and etcd's --log-level to info or higher.",
			Evaluate: logVerbosity,
		},
		{
			ID:       "LOG-007",
			Title:    "A runtime threat-detection agent is ready on every node",
			Domain:   check.DomainLogging,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				NIST: []string{"4.4.4", "7.3.2"}, MLPS: []string{"G3c", "G4g", "G5b"},
			},
			Rationale: "Admission controls judge a container before it starts; only a runtime agent sees a shell spawned " +
				"in a container, an unexpected outbound connection or a write to a binary directory. A node without the " +
				"agent is a blind spot. The check confirms the agent's presence, not its rules.",
			Remediation: "Deploy a runtime detection agent (Falco, Tetragon, Tracee, KubeArmor, NeuVector…) as a DaemonSet " +
				"that tolerates every node taint, forward its alerts to the SIEM, and add its name to Logging.RuntimeAgents " +
				"if it is not recognised.",
			Evaluate: logRuntimeAgents,
		},
	}
}

// --- API server audit (LOG-001, LOG-002) ---

func logAuditEnabled(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("API server audit logging is a fact of a live control plane")}
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify that the provider's " +
			"audit logs are enabled (EKS control-plane logging \"audit\", GKE Cloud Audit Logs, AKS diagnostic setting " +
			"\"kube-audit\") and attest it")}
	}
	var out []check.Finding
	for _, api := range apiservers {
		var problems []string
		if api.Flags["audit-policy-file"] == "" {
			problems = append(problems, "no --audit-policy-file, so no request is audited")
		}
		if api.Flags["audit-log-path"] == "" && api.Flags["audit-webhook-config-file"] == "" {
			problems = append(problems, "neither --audit-log-path nor --audit-webhook-config-file, so audit events go nowhere")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver has %s", strings.Join(problems, " and ")))
		}
	}
	return out
}

func logAuditRetention(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("API server audit retention is a fact of a live control plane")}
	}
	minDays := int(s.Params.Logging.AuditLogMinRetention.Hours() / 24)
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify that the provider's "+
			"audit logs are kept for at least %d days (log bucket or workspace retention) and attest it", minDays)}
	}
	var out []check.Finding
	for _, api := range apiservers {
		f, bad := logAuditRetentionOf(api, minDays)
		if bad {
			out = append(out, f)
		}
	}
	return out
}

// logAuditRetentionOf judges how long one API server keeps its audit events.
func logAuditRetentionOf(api cpflags.Component, minDays int) (check.Finding, bool) {
	manual := func(format string, args ...any) (check.Finding, bool) {
		f := check.Manualf(format, args...)
		f.Object = api.Ref
		return f, true
	}
	path := api.Flags["audit-log-path"]
	switch {
	case api.Flags["audit-webhook-config-file"] != "":
		return check.Finding{}, false // shipped to a central store, whose retention this cluster does not set
	case api.Flags["audit-policy-file"] == "" || path == "":
		return check.Failf(api.Ref, "kube-apiserver keeps no audit log to retain (see LOG-001)"), true
	case path == "-":
		return manual("kube-apiserver writes audit events to stdout: verify that the log store keeps them for at least %d days", minDays)
	}
	raw, set := api.Flags["audit-log-maxage"]
	maxAge, err := strconv.Atoi(raw)
	switch {
	case !set || raw == "0":
		return check.Failf(api.Ref, "kube-apiserver sets no --audit-log-maxage, so how long %s is kept is undefined; want at least %d days",
			path, minDays), true
	case err != nil:
		return check.Errorf(api.Ref, "kube-apiserver --audit-log-maxage=%q is not a number of days", raw), true
	case maxAge < minDays:
		return check.Failf(api.Ref, "kube-apiserver --audit-log-maxage=%d deletes audit logs after %d days; want at least %d",
			maxAge, maxAge, minDays), true
	}
	if backups := api.Flags["audit-log-maxbackup"]; backups != "" && backups != "0" {
		size := api.Flags["audit-log-maxsize"]
		if size == "" {
			size = "100" // the file size at which the API server rotates when the flag is unset
		}
		return manual("kube-apiserver keeps at most --audit-log-maxbackup=%s files of --audit-log-maxsize=%s MB, which may "+
			"delete audit logs before --audit-log-maxage=%d days: verify that they hold %d days of events", backups, size, maxAge, minDays)
	}
	return check.Finding{}, false
}

// --- Node agents (LOG-003, LOG-007) ---

func logCollectors(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("log shipping is a fact of a live cluster")}
	}
	return logAgentCoverage(s, s.Params.Logging.LogCollectors, "log collector")
}

func logRuntimeAgents(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("runtime detection agents are a fact of a live cluster")}
	}
	return logAgentCoverage(s, s.Params.Logging.RuntimeAgents, "runtime detection agent")
}

// logAgentCoverage checks that DaemonSets matching patterns exist, that each has all its pods
// ready, and that together they place a pod on every node.
func logAgentCoverage(s *check.Snapshot, patterns []string, what string) []check.Finding {
	var agents []*appsv1.DaemonSet
	for _, ds := range s.DaemonSets {
		if cpflags.NameMatches(&ds.ObjectMeta, patterns) {
			agents = append(agents, ds)
		}
	}
	if len(agents) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "DaemonSet"}, "no %s DaemonSet runs (none matches %s)", what, strings.Join(patterns, ", "))}
	}
	var out []check.Finding
	for _, ds := range agents {
		if f, bad := logDaemonSetReadiness(ds, what); bad {
			out = append(out, f)
		}
	}
	for _, n := range s.Nodes {
		var reasons []string
		for _, ds := range agents {
			reason := logDaemonSetSkips(ds, n)
			if reason == "" {
				reasons = nil
				break
			}
			reasons = append(reasons, fmt.Sprintf("%s/%s %s", ds.Namespace, ds.Name, reason))
		}
		if len(reasons) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name}, "no %s runs on this node: %s", what, strings.Join(reasons, "; ")))
		}
	}
	return out
}

// logDaemonSetReadiness reports a DaemonSet that schedules no pod or whose pods are not all ready.
func logDaemonSetReadiness(ds *appsv1.DaemonSet, what string) (check.Finding, bool) {
	ref := check.ObjectRef{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}
	st := ds.Status
	switch {
	case st.DesiredNumberScheduled == 0:
		return check.Failf(ref, "%s DaemonSet schedules no pod", what), true
	case st.NumberReady < st.DesiredNumberScheduled:
		return check.Failf(ref, "%s DaemonSet has %d of %d pods ready", what, st.NumberReady, st.DesiredNumberScheduled), true
	}
	return check.Finding{}, false
}

// logAutoTolerated are the taints the DaemonSet controller tolerates on every DaemonSet pod.
var logAutoTolerated = map[string]bool{
	corev1.TaintNodeNotReady:           true,
	corev1.TaintNodeUnreachable:        true,
	corev1.TaintNodeDiskPressure:       true,
	corev1.TaintNodeMemoryPressure:     true,
	corev1.TaintNodePIDPressure:        true,
	corev1.TaintNodeUnschedulable:      true,
	corev1.TaintNodeNetworkUnavailable: true,
}

// logDaemonSetSkips says why the DaemonSet places no pod on node n: a nodeSelector it does not
// match or a taint its pods do not tolerate. Empty means it does place one.
func logDaemonSetSkips(ds *appsv1.DaemonSet, n *corev1.Node) string {
	spec := &ds.Spec.Template.Spec
	for k, v := range spec.NodeSelector {
		if n.Labels[k] != v {
			return fmt.Sprintf("has nodeSelector %s=%s, which the node does not match", k, v)
		}
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule || logAutoTolerated[t.Key] {
			continue
		}
		if !logTolerates(spec.Tolerations, t) {
			return fmt.Sprintf("does not tolerate the taint %s", logTaintString(t))
		}
	}
	return ""
}

func logTolerates(tolerations []corev1.Toleration, t corev1.Taint) bool {
	for _, tol := range tolerations {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		switch {
		case tol.Key == "" && tol.Operator == corev1.TolerationOpExists:
			return true
		case tol.Key != t.Key:
			continue
		case tol.Operator == corev1.TolerationOpExists:
			return true
		case (tol.Operator == "" || tol.Operator == corev1.TolerationOpEqual) && tol.Value == t.Value:
			return true
		}
	}
	return false
}

func logTaintString(t corev1.Taint) string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}

// --- Metrics and alerts (LOG-004, LOG-005) ---

const (
	logAPIServiceKind    = "APIService.apiregistration.k8s.io"
	logMetricsAPIService = "v1beta1.metrics.k8s.io"
)

func logResourceMetrics(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("resource monitoring is a fact of a live cluster")}
	}
	p := s.Params.Logging
	out := logMetricsAPI(s)

	var exporters []*appsv1.DaemonSet
	for _, ds := range s.DaemonSets {
		if cpflags.NameMatches(&ds.ObjectMeta, p.NodeExporters) {
			exporters = append(exporters, ds)
		}
	}
	if len(exporters) == 0 {
		out = append(out, check.Failf(check.ObjectRef{Kind: "DaemonSet"}, "no node-exporter DaemonSet runs (none matches %s), so node "+
			"resources have no metrics history", strings.Join(p.NodeExporters, ", ")))
	}
	for _, ds := range exporters {
		if f, bad := logDaemonSetReadiness(ds, "node-exporter"); bad {
			out = append(out, f)
		}
	}

	found := false
	for _, d := range s.Deployments {
		if !cpflags.NameMatches(&d.ObjectMeta, p.KubeStateMetrics) {
			continue
		}
		found = true
		if d.Status.ReadyReplicas == 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name},
				"kube-state-metrics has no ready replica"))
		}
	}
	if !found {
		out = append(out, check.Failf(check.ObjectRef{Kind: "Deployment"}, "no kube-state-metrics Deployment runs (none matches %s), so "+
			"container states and restarts are not exported", strings.Join(p.KubeStateMetrics, ", ")))
	}
	return out
}

// logMetricsAPI checks that the resource metrics API (metrics-server or an equivalent) is
// registered and Available.
func logMetricsAPI(s *check.Snapshot) []check.Finding {
	ref := check.ObjectRef{Kind: "APIService", Name: logMetricsAPIService}
	if !s.HasExtra(logAPIServiceKind) {
		return []check.Finding{check.Errorf(ref, "APIService objects were not gathered, so the metrics API cannot be judged")}
	}
	for _, svc := range s.Extra[logAPIServiceKind] {
		if svc.GetName() != logMetricsAPIService {
			continue
		}
		status, reason, message := logCondition(svc, "Available")
		if status == string(metav1.ConditionTrue) {
			return nil
		}
		if status == "" {
			return []check.Finding{check.Failf(ref, "the metrics API reports no Available condition")}
		}
		return []check.Finding{check.Failf(ref, "the metrics API is not Available (%s: %s), so kubectl top and autoscalers get no usage data",
			reason, check.Truncate(message, 200))}
	}
	return []check.Finding{check.Failf(ref, "the resource metrics API is not registered: no metrics-server or equivalent is installed")}
}

// logCondition returns the status, reason and message of an unstructured object's condition.
func logCondition(obj *unstructured.Unstructured, condType string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != condType {
			continue
		}
		str := func(k string) string { v, _ := m[k].(string); return v }
		return str("status"), str("reason"), str("message")
	}
	return "", "", ""
}

func logAlertCoverage(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("alerting coverage is a fact of a live cluster")}
	}
	p := s.Params.Logging
	var served []string
	storage, containers := "", ""
	for _, kind := range p.AlertRuleKinds {
		if !s.HasExtra(kind) {
			continue
		}
		served = append(served, kind)
		for _, obj := range s.Extra[kind] {
			for _, rule := range logAlertingRules(obj) {
				if storage == "" && logContainsAny(rule.expr, p.StorageAlertMetrics) {
					storage = rule.name
				}
				if containers == "" && logContainsAny(rule.expr, p.ContainerAlertMetrics) {
					containers = rule.name
				}
			}
		}
	}
	if len(served) == 0 {
		return []check.Finding{check.Manualf("no Prometheus rule kind is served (%s): verify that the monitoring system alerts on volume "+
			"usage and on container restarts or CrashLoopBackOff, then attest it", strings.Join(p.AlertRuleKinds, ", "))}
	}
	ref := check.ObjectRef{Kind: strings.Split(served[0], ".")[0]}
	var out []check.Finding
	if storage == "" {
		out = append(out, check.Failf(ref, "no alerting rule's expression uses %s, so full volumes are not alerted on (S9.3)",
			strings.Join(p.StorageAlertMetrics, " or ")))
	}
	if containers == "" {
		out = append(out, check.Failf(ref, "no alerting rule's expression uses %s, so crashing containers are not alerted on (S9.4)",
			strings.Join(p.ContainerAlertMetrics, " or ")))
	}
	return out
}

// logRule is one alerting rule of a Prometheus-style rule object.
type logRule struct {
	name string // namespace/object/alert, for messages
	expr string
}

// logAlertingRules returns the alerting rules (rules with an alert name; recording rules do not
// alert) of an object with spec.groups[].rules[].
func logAlertingRules(obj *unstructured.Unstructured) []logRule {
	var out []logRule
	groups, _, _ := unstructured.NestedSlice(obj.Object, "spec", "groups")
	for _, g := range groups {
		gm, ok := g.(map[string]any)
		if !ok {
			continue
		}
		rules, _ := gm["rules"].([]any)
		for _, r := range rules {
			rm, ok := r.(map[string]any)
			if !ok {
				continue
			}
			alert, _ := rm["alert"].(string)
			if alert == "" || rm["expr"] == nil {
				continue
			}
			out = append(out, logRule{name: obj.GetNamespace() + "/" + obj.GetName() + "/" + alert, expr: fmt.Sprint(rm["expr"])})
		}
	}
	return out
}

func logContainsAny(s string, fragments []string) bool {
	for _, f := range fragments {
		if f != "" && strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// --- Verbosity (LOG-006) ---

func logVerbosity(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("component log levels are a fact of a live cluster")}
	}
	maxV := s.Params.Logging.MaxVerbosity
	var out []check.Finding
	for _, component := range cpflags.Components {
		for _, c := range cpflags.Of(s, component) {
			if f, bad := logComponentVerbosity(component, c, maxV); bad {
				out = append(out, f)
			}
		}
	}
	// Without the kubelet part a passing control plane proves only half the item: Skipped, never Pass.
	if s.KubeletConfigs == nil {
		return append(out, check.Skippedf("%s", s.KubeletOff("reading kubelet configuration is off: set spec.parameters.readKubeletConfig: true and grant "+
			"the operator the optional node-proxy role (config/components/node-proxy)")))
	}
	for _, n := range s.Nodes {
		ref := check.ObjectRef{Kind: "Node", Name: n.Name}
		res, ok := s.KubeletConfigs[n.Name]
		switch {
		case !ok:
			out = append(out, check.Errorf(ref, "the kubelet configuration of this node was not read"))
		case res.Err != "":
			out = append(out, check.Errorf(ref, "reading the kubelet configuration failed: %s", res.Err))
		case res.Config != nil && res.Config.Logging.Verbosity != nil && int(*res.Config.Logging.Verbosity) > maxV:
			out = append(out, check.Failf(ref, "kubelet logging.verbosity is %d; want at most %d", *res.Config.Logging.Verbosity, maxV))
		}
	}
	return out
}

// logComponentVerbosity judges one control-plane pod's log level: klog's --v for the Kubernetes
// components, --log-level for etcd.
func logComponentVerbosity(component string, c cpflags.Component, maxV int) (check.Finding, bool) {
	if component == "etcd" {
		if level := c.Flags["log-level"]; level == "debug" {
			return check.Failf(c.Ref, "etcd --log-level=debug; want info or higher"), true
		}
		return check.Finding{}, false
	}
	raw, ok := c.Flags["v"]
	if !ok {
		return check.Finding{}, false
	}
	v, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return check.Errorf(c.Ref, "%s --v=%q is not a number", component, raw), true
	case v > maxV:
		return check.Failf(c.Ref, "%s --v=%d logs at debug verbosity; want at most %d", component, v, maxV), true
	}
	return check.Finding{}, false
}
