package logging

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func log005() check.Check {
	return check.Check{
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
		Reads:    []string{"ClusterRules.monitoring.googleapis.com", "GlobalRules.monitoring.googleapis.com", "PrometheusRule.monitoring.coreos.com", "Rules.monitoring.googleapis.com", "VMRule.operator.victoriametrics.com"},
		Evaluate: logAlertCoverage,
	}
}

func logAlertCoverage(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("alerting coverage is a fact of a live cluster")}
	}
	p := env.Params.Logging
	var served []string
	storage, containers := "", ""
	for _, kind := range p.AlertRuleKinds {
		if !s.HasExtra(kind) {
			continue
		}
		served = append(served, kind)
		for _, obj := range s.ExtraObjects(kind) {
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
