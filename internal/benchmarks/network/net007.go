package network

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func net007() check.Check {
	return check.Check{
		ID:       "NET-007",
		Title:    "Published ports are approved and no host port is below 1024",
		Domain:   check.DomainNetwork,
		Level:    check.L1,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S7.12"},
		},
		Rationale: "Every NodePort, LoadBalancer, external IP and host port is a way into the cluster that bypasses " +
			"the ingress path, so each must be a deliberate decision. Ports below 1024 on the host are privileged " +
			"and collide with system services.",
		Remediation: "Use ClusterIP Services behind an Ingress or Gateway where possible. Approve each remaining " +
			"exposure with the annotation kubeposture.io/exposure-approved (a ticket or reason) on the Service or " +
			"workload, and move host ports to 1024 or above.",
		Evaluate: netPublishedPortsApproved,
	}
}

// netPublishedPortsApproved is the Evaluate function of NET-007.
func netPublishedPortsApproved(s *check.Snapshot, env *check.Env) []check.Finding {
	var out []check.Finding
	for _, svc := range s.Services {
		if !env.Scope.InScope(s, svc.Namespace) {
			continue
		}
		var how []string
		if t := svc.Spec.Type; t == corev1.ServiceTypeNodePort || t == corev1.ServiceTypeLoadBalancer {
			how = append(how, "type "+string(t))
		}
		if len(svc.Spec.ExternalIPs) > 0 {
			how = append(how, "externalIPs "+strings.Join(svc.Spec.ExternalIPs, ", "))
		}
		if len(how) == 0 || netExposureApproved(svc.Annotations) {
			continue
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name},
			"%s publishes ports %s without annotation %s", strings.Join(how, " and "), netServicePorts(svc), check.AnnotationExposureApproved))
	}
	for _, w := range env.Workloads(s) {
		var low, high []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, p := range c.Ports {
				hp, desc := p.HostPort, fmt.Sprintf("%s %q hostPort %d/%s", kind, c.Name, p.HostPort, netProtocol(p.Protocol))
				if w.Spec.HostNetwork {
					// On the host network every container port is a host port.
					hp, desc = max(hp, p.ContainerPort), fmt.Sprintf("%s %q port %d/%s on the host network", kind, c.Name, max(hp, p.ContainerPort), netProtocol(p.Protocol))
				}
				if hp == 0 {
					continue
				}
				if hp < 1024 {
					low = append(low, desc)
				} else {
					high = append(high, desc)
				}
			}
		})
		var problems []string
		if len(low) > 0 {
			problems = append(problems, "publishes host ports below 1024, which no approval allows: "+check.ContainerNames(low))
		}
		if len(high) > 0 && !netExposureApproved(w.Object.Annotations, w.Template.Annotations) {
			problems = append(problems, fmt.Sprintf("publishes %s without annotation %s", check.ContainerNames(high), check.AnnotationExposureApproved))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}

// netExposureApproved reports whether any of the annotation sets approves the exposure; "false"
// is not an approval.
func netExposureApproved(sets ...map[string]string) bool {
	for _, a := range sets {
		if v := strings.TrimSpace(a[check.AnnotationExposureApproved]); v != "" && !strings.EqualFold(v, "false") {
			return true
		}
	}
	return false
}

func netServicePorts(svc *corev1.Service) string {
	var ports []string
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			ports = append(ports, fmt.Sprintf("%d/%s (nodePort %d)", p.Port, netProtocol(p.Protocol), p.NodePort))
		} else {
			ports = append(ports, fmt.Sprintf("%d/%s", p.Port, netProtocol(p.Protocol)))
		}
	}
	return check.ContainerNames(ports)
}
