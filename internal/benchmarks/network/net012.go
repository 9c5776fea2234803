package network

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func net012() check.Check {
	return check.Check{
		ID:       "NET-012",
		Title:    "A tool observes in-cluster network flows",
		Domain:   check.DomainNetwork,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			NIST: []string{"4.4.2", "7.3.2"}, MLPS: []string{"G4h", "G4g"},
		},
		Rationale: "Port scans, lateral movement and exfiltration inside the cluster are invisible without flow " +
			"visibility. This checks only that a suitable tool is present, not what it detects.",
		Remediation: "Enable Hubble (enable-hubble: \"true\" in cilium-config), Calico flow logs " +
			"(flowLogsFileEnabled in the default FelixConfiguration), or deploy a network IDS DaemonSet; add its name " +
			"to Network.FlowMonitors if it is not recognised.",
		Reads:    []string{gkFelixConfiguration},
		Evaluate: netFlowsObserved,
	}
}

// netFlowsObserved is the Evaluate function of NET-012.
func netFlowsObserved(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("flow observability is a cluster-wide fact that manifests do not show")}
	}
	var ref check.ObjectRef
	var checked []string
	if cm := netCiliumConfig(s); cm != nil {
		if cm.Data["enable-hubble"] == "true" {
			return nil
		}
		ref = netConfigMapRef(cm)
		checked = append(checked, `Cilium's enable-hubble is not "true"`)
	}
	if fc := netExtraObject(s, gkFelixConfiguration, "", "default"); fc != nil {
		if on, _, _ := unstructured.NestedBool(fc.Object, "spec", "flowLogsFileEnabled"); on {
			return nil
		}
		if ref.Name == "" {
			ref = check.ObjectRef{Kind: "FelixConfiguration", Name: "default"}
		}
		checked = append(checked, "Calico's flowLogsFileEnabled is not true")
	}
	for _, ds := range s.DaemonSets {
		if netDaemonSetMatches(ds, env.Params.Network.FlowMonitors) {
			return nil
		}
	}
	checked = append(checked, "no DaemonSet matches Network.FlowMonitors")
	return []check.Finding{check.Failf(ref, "no network flow observability: %s", strings.Join(checked, "; "))}
}
