package workloads

import (
	"fmt"
	"path"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func wkl016() check.Check {
	return check.Check{
		ID:         "WKL-016",
		Title:      "No container offers a remote-login service",
		Domain:     check.DomainWorkloads,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S3.12"}, NIST: []string{"4.1.2"}},
		Rationale: "An SSH or RDP daemon in a container is a second, unaudited way in that bypasses " +
			"Kubernetes RBAC and audit logging and usually carries long-lived credentials. The check " +
			"looks for the ports and for the daemon in command and args; a daemon started by the image's " +
			"own entrypoint is only visible to a process listing on the node.",
		Remediation: "Remove the SSH/RDP daemon and its port from the image and the pod spec, and delete " +
			"Services that publish port 22 or 3389; use kubectl exec or debug, which RBAC controls and the " +
			"audit log records.",
		Evaluate: lcRemoteLogin,
	}
}

// WKL-016.
func lcRemoteLogin(s *check.Snapshot, env *check.Env) []check.Finding {
	if len(env.Workloads(s)) == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope workload")}
	}
	p := env.Params.Lifecycle
	var out []check.Finding
	for _, w := range env.Workloads(s) {
		var problems []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, port := range c.Ports {
				if lcContainsPort(p.RemoteLoginPorts, port.ContainerPort) {
					problems = append(problems, fmt.Sprintf("%s %q declares containerPort %d (%s)", kind, c.Name, port.ContainerPort, lcPortService(port.ContainerPort)))
				}
			}
			if daemon := lcRemoteLoginDaemon(c, p.RemoteLoginDaemons); daemon != "" {
				problems = append(problems, fmt.Sprintf("%s %q starts %s in its command/args", kind, c.Name, daemon))
			}
		})
		out = lcAppendProblems(out, w.Ref, problems)
	}
	for _, svc := range s.Services {
		if !env.Scope.InScope(s, svc.Namespace) || len(svc.Spec.Selector) == 0 {
			continue
		}
		targets := lcSelectedWorkloads(s, env, svc.Namespace, svc.Spec.Selector)
		if len(targets) == 0 {
			continue
		}
		var problems []string
		for _, sp := range svc.Spec.Ports {
			switch target := lcResolveTargetPort(sp, targets); {
			case lcContainsPort(p.RemoteLoginPorts, target):
				problems = append(problems, fmt.Sprintf("port %d forwards to %s port %d of %s", sp.Port, lcPortService(target), target, targets[0].Ref))
			case lcContainsPort(p.RemoteLoginPorts, sp.Port):
				problems = append(problems, fmt.Sprintf("port %d (%s) leads to %s", sp.Port, lcPortService(sp.Port), targets[0].Ref))
			}
		}
		out = lcAppendProblems(out, check.ObjectRef{Kind: "Service", Namespace: svc.Namespace, Name: svc.Name}, problems)
	}
	return out
}

// lcRemoteLoginDaemon returns the daemon that the container's command or args start, or "". Shell
// scripts are split on separators so that `sh -c "/usr/sbin/sshd -D"` is recognised.
func lcRemoteLoginDaemon(c *corev1.Container, daemons []string) string {
	isSep := func(r rune) bool { return strings.ContainsRune(" \t\n;&|()'\"`", r) }
	for _, arg := range append(append([]string{}, c.Command...), c.Args...) {
		for _, tok := range strings.FieldsFunc(arg, isSep) {
			base := path.Base(tok)
			for _, d := range daemons {
				if d != "" && glob.Match(d, base) {
					return base
				}
			}
		}
	}
	return ""
}

func lcContainsPort(ports []int32, port int32) bool {
	for _, p := range ports {
		if p == port && port != 0 {
			return true
		}
	}
	return false
}

func lcPortService(port int32) string {
	switch port {
	case 22:
		return "SSH"
	case 3389:
		return "RDP"
	}
	return "remote login"
}

// lcSelectedWorkloads returns the in-scope workloads of ns whose pods the Service selector matches.
func lcSelectedWorkloads(s *check.Snapshot, env *check.Env, ns string, selector map[string]string) []check.Workload {
	sel := labels.SelectorFromSet(selector)
	var out []check.Workload
	for _, w := range env.Workloads(s) {
		if w.Ref.Namespace == ns && !lcEphemeralOnly(w) && sel.Matches(labels.Set(w.Template.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

// lcResolveTargetPort returns the container port number a Service port forwards to, looking up a
// named targetPort in the selected workloads; 0 when it cannot be resolved.
func lcResolveTargetPort(sp corev1.ServicePort, targets []check.Workload) int32 {
	switch {
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		return sp.TargetPort.IntVal
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		for _, w := range targets {
			for _, c := range w.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == sp.TargetPort.StrVal {
						return cp.ContainerPort
					}
				}
			}
		}
		return 0
	}
	return sp.Port // an unset targetPort defaults to port
}
