package network

import (
	"fmt"
	"slices"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func net008() check.Check {
	return check.Check{
		ID:       "NET-008",
		Title:    "Host ports and NodePorts are bound to specific interfaces",
		Domain:   check.DomainNetwork,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.7"},
		},
		Rationale: "A host port without hostIP and a kube-proxy without nodePortAddresses listen on every node " +
			"interface, including management and public ones.",
		Remediation: "Set hostIP on every hostPort entry, and set nodePortAddresses (for example the node subnet or " +
			"\"primary\") in the config.conf of the kube-system/kube-proxy ConfigMap.",
		Evaluate: netPortsBound,
	}
}

// netPortsBound is the Evaluate function of NET-008.
func netPortsBound(s *check.Snapshot, env *check.Env) []check.Finding {
	var out []check.Finding
	for _, w := range env.Workloads(s) {
		if w.Spec.HostNetwork {
			continue // hostIP does not apply: the process itself chooses the address it binds
		}
		var unbound []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, p := range c.Ports {
				if p.HostPort != 0 && (p.HostIP == "" || p.HostIP == "0.0.0.0" || p.HostIP == "::") {
					unbound = append(unbound, fmt.Sprintf("%s %q hostPort %d/%s", kind, c.Name, p.HostPort, netProtocol(p.Protocol)))
				}
			}
		})
		if len(unbound) > 0 {
			out = append(out, check.Failf(w.Ref, "host ports without a specific hostIP listen on every node interface: %s", check.ContainerNames(unbound)))
		}
	}
	if s.Source == check.SourceManifests {
		return out
	}
	if f, ok := netKubeProxyBinding(s); ok {
		out = append(out, f)
	}
	return out
}

// netKubeProxyBinding judges kube-proxy's nodePortAddresses, returning a finding when they are
// missing or cannot be read.
func netKubeProxyBinding(s *check.Snapshot) (check.Finding, bool) {
	for _, cm := range s.ConfigMaps {
		if cm.Namespace != "kube-system" || cm.Name != "kube-proxy" {
			continue
		}
		ref := netConfigMapRef(cm)
		raw, ok := cm.Data["config.conf"]
		if !ok {
			return check.Finding{Result: check.Manual, Object: ref,
				Message: "the ConfigMap has no config.conf; verify kube-proxy's nodePortAddresses or --nodeport-addresses"}, true
		}
		var cfg struct {
			NodePortAddresses []string `json:"nodePortAddresses"`
		}
		if err := yaml.Unmarshal([]byte(raw), &cfg); err != nil {
			return check.Errorf(ref, "config.conf is not valid YAML: %v", err), true
		}
		if len(cfg.NodePortAddresses) == 0 {
			return check.Failf(ref, "config.conf sets no nodePortAddresses, so NodePort Services listen on every node interface"), true
		}
		return check.Finding{}, false
	}
	if slices.ContainsFunc(s.DaemonSets, func(ds *appsv1.DaemonSet) bool {
		return ds.Namespace == "kube-system" && ds.Name == "kube-proxy"
	}) {
		return check.Finding{Result: check.Manual, Object: check.ObjectRef{Kind: "DaemonSet", Namespace: "kube-system", Name: "kube-proxy"},
			Message: "kube-proxy runs but the kube-system/kube-proxy ConfigMap is not in the snapshot; verify that " +
				"nodePortAddresses or --nodeport-addresses is set"}, true
	}
	return check.Finding{}, false
}
