package controlplane

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func cp002() check.Check {
	return check.Check{
		ID:         "CP-002",
		Title:      "Control-plane nodes are spread over at least 2 zones",
		Domain:     check.DomainControlPlane,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{Standard: []string{"S4.3"}},
		Rationale: "Control-plane nodes in one zone or data centre fail together with it, taking the API server " +
			"and etcd quorum down however many nodes there are. The check reads topology.kubernetes.io/zone.",
		Remediation: "Place the control-plane nodes in different zones (3 zones keep etcd's quorum when one is lost) " +
			"and label them with topology.kubernetes.io/zone. On a managed cluster, use a regional or zone-redundant " +
			"control plane and attest it.",
		Evaluate: cpZones,
	}
}

func cpZones(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("control-plane placement is a fact of a live cluster")}
	}
	minZones := env.Params.ControlPlane.MinZones
	nodes := cpNodes(s)
	if len(nodes) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no control-plane node is visible; verify with your provider that the "+
			"control plane is spread over at least %d zones (a regional or zone-redundant tier) and attest it", minZones)}
	}
	zones := map[string]bool{}
	var unlabelled []string
	for _, n := range nodes {
		z := n.Labels[corev1.LabelTopologyZone]
		if z == "" {
			z = n.Labels[corev1.LabelFailureDomainBetaZone]
		}
		if z == "" {
			unlabelled = append(unlabelled, n.Name)
			continue
		}
		zones[z] = true
	}
	if len(zones) >= minZones {
		return nil
	}
	msg := fmt.Sprintf("control-plane nodes %s span %d zone(s)", cpNodeNames(nodes), len(zones))
	if len(zones) > 0 {
		msg += " (" + strings.Join(slices.Sorted(maps.Keys(zones)), ", ") + ")"
	}
	if len(unlabelled) > 0 {
		msg += fmt.Sprintf("; without a %s label: %s", corev1.LabelTopologyZone, strings.Join(unlabelled, ", "))
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "Node"}, "%s; want at least %d", msg, minZones)}
}
