package images

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func img011() check.Check {
	return check.Check{
		ID:         "IMG-011",
		Title:      "Registry connections are TLS-verified on every node",
		Domain:     check.DomainImages,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S6.9"}, NIST: []string{"4.2.1"}, MLPS: []string{"G1b"}},
		Rationale: "A runtime that skips certificate verification or pulls over plain HTTP lets anyone on " +
			"the path replace images. The registry configuration lives in files on the nodes, which the " +
			"API does not show, so a person must check it.",
		Remediation: "Remove skip_verify/insecure_skip_verify and http:// endpoints from the containerd " +
			"(or CRI-O) registry configuration and insecure-registries from Docker's daemon.json; give " +
			"private registries a trusted CA instead.",
		Evaluate: imgRegistryTLS,
	}
}

func imgRegistryTLS(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("node runtime configuration is not part of manifests")}
	}
	runtimes := map[string]bool{}
	for _, n := range s.Nodes {
		rt, _, _ := strings.Cut(n.Status.NodeInfo.ContainerRuntimeVersion, "://")
		runtimes[cmp.Or(rt, "unknown")] = true
	}
	var steps []string
	for _, rt := range slices.Sorted(maps.Keys(runtimes)) {
		switch rt {
		case "containerd":
			steps = append(steps, "containerd: /etc/containerd/config.toml and /etc/containerd/certs.d/*/hosts.toml must have no "+
				"skip_verify = true, insecure_skip_verify or http:// endpoint")
		case "cri-o":
			steps = append(steps, "CRI-O: /etc/containers/registries.conf and registries.conf.d/* must have no insecure = true")
		case "docker":
			steps = append(steps, "Docker: /etc/docker/daemon.json must have no insecure-registries")
		default:
			steps = append(steps, fmt.Sprintf("runtime %s: its registry configuration must not skip TLS verification or use plain HTTP", rt))
		}
	}
	if len(steps) == 0 {
		steps = append(steps, "check the container runtime's registry configuration on every node for skipped TLS verification and plain HTTP")
	}
	return []check.Finding{check.Manualf("on every node (e.g. kubectl debug node/NAME --profile=sysadmin, then chroot /host), verify: %s; then attest it",
		strings.Join(steps, "; "))}
}
