package logging

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func log004() check.Check {
	return check.Check{
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
		Reads:    []string{logAPIServiceKind},
		Evaluate: logResourceMetrics,
	}
}

const (
	logAPIServiceKind    = "APIService.apiregistration.k8s.io"
	logMetricsAPIService = "v1beta1.metrics.k8s.io"
)

func logResourceMetrics(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("resource monitoring is a fact of a live cluster")}
	}
	p := env.Params.Logging
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
	for _, svc := range s.ExtraObjects(logAPIServiceKind) {
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
