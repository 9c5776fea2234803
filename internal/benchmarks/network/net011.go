package network

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/tlshost"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func net011() check.Check {
	return check.Check{
		ID:       "NET-011",
		Title:    "Ingress hosts and external Gateway listeners use TLS",
		Domain:   check.DomainNetwork,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			NIST: []string{"4.3.5"}, MLPS: []string{"G1a", "G1c"},
		},
		Rationale: "Applications reached over plain HTTP expose credentials and data to anyone on the path. Secret " +
			"contents are never read: only the Secret's existence and type are checked.",
		Remediation: "Add every Ingress host to spec.tls with a Secret of type kubernetes.io/tls (for example issued " +
			"by cert-manager), and serve external Gateway hostnames on HTTPS or TLS listeners; keep a plain HTTP " +
			"listener only beside an HTTPS one for the same hostname, to redirect.",
		Reads:    []string{gkGateway},
		Evaluate: netIngressTLS,
	}
}

// netIngressTLS is the Evaluate function of NET-011.
func netIngressTLS(s *check.Snapshot, env *check.Env) []check.Finding {
	secrets := map[string]*corev1.Secret{}
	for _, sec := range s.Secrets {
		secrets[sec.Namespace+"/"+sec.Name] = sec
	}
	var out []check.Finding
	inspected := 0
	for _, ing := range s.Ingresses {
		if !env.Scope.InScope(s, ing.Namespace) {
			continue
		}
		inspected++
		if f, ok := netIngressFinding(s, ing, secrets); ok {
			out = append(out, f)
		}
	}
	for _, gw := range s.ExtraObjects(gkGateway) {
		if !env.Scope.InScope(s, gw.GetNamespace()) {
			continue
		}
		inspected++
		if problems := netGatewayPlainListeners(s, env, gw); len(problems) > 0 {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Gateway", Namespace: gw.GetNamespace(), Name: gw.GetName()},
				"%s", strings.Join(problems, "; ")))
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no Ingress or Gateway is in scope")}
	}
	return out
}

// netIngressFinding judges the TLS coverage of every host of one Ingress.
func netIngressFinding(s *check.Snapshot, ing *networkingv1.Ingress, secrets map[string]*corev1.Secret) (check.Finding, bool) {
	var hosts []string
	for _, r := range ing.Spec.Rules {
		if !slices.Contains(hosts, r.Host) {
			hosts = append(hosts, r.Host)
		}
	}
	if len(hosts) == 0 && ing.Spec.DefaultBackend != nil {
		hosts = []string{""}
	}
	var fails, unknown []string
	for _, h := range hosts {
		label := fmt.Sprintf("host %q", h)
		if h == "" {
			label = "the rule without host"
		}
		problem, undecided := netHostTLSProblem(s, ing, h, secrets)
		switch {
		case undecided:
			unknown = append(unknown, label+": "+problem)
		case problem != "":
			fails = append(fails, label+" "+problem)
		}
	}
	ref := check.ObjectRef{Kind: "Ingress", Namespace: ing.Namespace, Name: ing.Name}
	switch {
	case len(fails) > 0:
		return check.Failf(ref, "%s", strings.Join(append(fails, unknown...), "; ")), true
	case len(unknown) > 0:
		return check.Finding{Result: check.Skipped, Object: ref, Message: strings.Join(unknown, "; ")}, true
	}
	return check.Finding{}, false
}

// netHostTLSProblem explains why host is not served with a valid TLS Secret, or returns "".
// undecided is true when Secrets were not gathered, so the Secret cannot be judged.
func netHostTLSProblem(s *check.Snapshot, ing *networkingv1.Ingress, host string, secrets map[string]*corev1.Secret) (problem string, undecided bool) {
	problem = "is not covered by spec.tls"
	for _, t := range ing.Spec.TLS {
		// A TLS entry without hosts takes the controller's wildcard host.
		if len(t.Hosts) > 0 && !slices.ContainsFunc(t.Hosts, func(h string) bool { return tlshost.Covers(h, host) }) {
			continue
		}
		if t.SecretName == "" {
			problem = "is in spec.tls without a secretName"
			continue
		}
		sec, found := secrets[ing.Namespace+"/"+t.SecretName]
		switch {
		case found && sec.Type == corev1.SecretTypeTLS:
			return "", false
		case found:
			problem = fmt.Sprintf("uses Secret %q of type %q, not %s", t.SecretName, sec.Type, corev1.SecretTypeTLS)
		case s.Source == check.SourceManifests:
			return "", false // issued in the cluster, for example by cert-manager
		case !s.SecretsRead && len(s.Secrets) == 0:
			return fmt.Sprintf("Secret reads are not enabled, so Secret %q cannot be verified", t.SecretName), true
		default:
			problem = fmt.Sprintf("uses Secret %q, which does not exist", t.SecretName)
		}
	}
	return problem, false
}

// netGatewayPlainListeners describes the HTTP listeners of a Gateway that serve external
// hostnames with no HTTPS or TLS listener beside them for the same hostname.
func netGatewayPlainListeners(s *check.Snapshot, env *check.Env, gw *unstructured.Unstructured) []string {
	listeners, _, _ := unstructured.NestedSlice(gw.Object, "spec", "listeners")
	type listener struct{ name, hostname, protocol string }
	var all []listener
	for _, l := range listeners {
		m, ok := l.(map[string]any)
		if !ok {
			continue
		}
		name, _, _ := unstructured.NestedString(m, "name")
		hostname, _, _ := unstructured.NestedString(m, "hostname")
		protocol, _, _ := unstructured.NestedString(m, "protocol")
		all = append(all, listener{name, hostname, strings.ToUpper(protocol)})
	}
	var out []string
	for _, l := range all {
		if l.protocol != "HTTP" || netInternalHost(s, env, l.hostname) {
			continue
		}
		secured := slices.ContainsFunc(all, func(o listener) bool {
			return (o.protocol == "HTTPS" || o.protocol == "TLS") && (o.hostname == "" || tlshost.Covers(o.hostname, l.hostname))
		})
		if secured {
			continue
		}
		host := l.hostname
		if host == "" {
			host = "every hostname"
		}
		out = append(out, fmt.Sprintf("listener %q serves %s over plain HTTP with no HTTPS or TLS listener for it", l.name, host))
	}
	return out
}

// netInternalHost reports whether a hostname is reachable only inside the cluster or private
// network. An empty hostname matches every host, so it is external.
func netInternalHost(s *check.Snapshot, env *check.Env, host string) bool {
	if host == "" {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, suffix := range env.Params.Network.InternalHostSuffixes {
		suffix = strings.ToLower(suffix)
		if strings.HasSuffix(host, suffix) || host == strings.TrimPrefix(suffix, ".") {
			return true
		}
	}
	return false
}
