package secrets

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/tlshost"
	corev1 "k8s.io/api/core/v1"
)

func sec007() check.Check {
	return check.Check{
		ID:       "SEC-007",
		Title:    "TLS certificates in Secrets are valid, strong and cover their hosts",
		Domain:   check.DomainSecrets,
		Level:    check.L1,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S6.9"},
		},
		Rationale: "An expired, mismatched or weak certificate breaks clients or trains users to click through " +
			"warnings, and a certificate whose names do not cover the Ingress host is not validated at all. " +
			"cert-manager Certificates that are not Ready stop renewing their Secrets.",
		Remediation: "Renew or reissue the certificate (preferably through cert-manager) with an RSA key of at least " +
			"2048 bits or an ECDSA P-256 key, a tls.key that matches it, and SANs for every host of the Ingresses " +
			"that use the Secret; fix the cause that cert-manager reports on Certificates that are not Ready.",
		Reads:    []string{gkCertManagerCertificate},
		Evaluate: secTLSCertificates,
	}
}

func secTLSCertificates(s *check.Snapshot, env *check.Env) []check.Finding {
	var out []check.Finding
	inspected := 0
	if f, unread := secSecretsUnread(s); unread {
		if f.Result == check.Skipped {
			out = append(out, f)
		}
	} else {
		hosts := secIngressTLSHosts(s)
		for _, sec := range s.Secrets {
			if sec.Type != corev1.SecretTypeTLS || !env.Scope.InScope(s, sec.Namespace) {
				continue
			}
			inspected++
			if f, bad := secTLSSecretProblem(s, env, sec, hosts[sec.Namespace+"/"+sec.Name]); bad {
				out = append(out, f)
			}
		}
	}
	for _, c := range secScopedExtra(s, env, gkCertManagerCertificate) {
		inspected++
		if why := secNotReady(c, "Ready"); why != "" {
			out = append(out, check.Failf(secExtraRef(c), "cert-manager Certificate %s, so its Secret is not being renewed", why))
		}
	}
	if inspected == 0 && len(out) == 0 {
		return []check.Finding{check.NotApplicablef("no kubernetes.io/tls Secrets or cert-manager Certificates in scope")}
	}
	return out
}

// secIngressHost is a TLS host of an Ingress, for a message.
type secIngressHost struct{ host, ingress string }

// secIngressTLSHosts maps namespace/secretName to the hosts Ingresses serve with that Secret.
func secIngressTLSHosts(s *check.Snapshot) map[string][]secIngressHost {
	out := map[string][]secIngressHost{}
	for _, ing := range s.Ingresses {
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				continue
			}
			k := ing.Namespace + "/" + t.SecretName
			for _, h := range t.Hosts {
				out[k] = append(out[k], secIngressHost{host: h, ingress: ing.Name})
			}
		}
	}
	return out
}

// secTLSSecretProblem judges one kubernetes.io/tls Secret; bad is false when it is sound.
func secTLSSecretProblem(s *check.Snapshot, env *check.Env, sec *corev1.Secret, hosts []secIngressHost) (check.Finding, bool) {
	ref := secRef(sec)
	f, ok := facts.Facts(&sec.ObjectMeta)
	if !ok {
		return check.Errorf(ref, "no content facts were recorded for this Secret"), true
	}
	if len(f.ParseErrors) > 0 {
		return check.Errorf(ref, "TLS Secret cannot be read: %s", strings.Join(f.ParseErrors, "; ")), true
	}
	chain, problem := secCertificates(f, corev1.TLSCertKey)
	if len(chain) == 0 {
		return check.Errorf(ref, "TLS Secret cannot be read: %s", problem), true
	}
	leaf := chain[0]
	var problems []string
	for i, c := range chain {
		if v := secValidity(s, env, c, env.Params.CertificateExpiryWarning); v != "" {
			if i > 0 {
				v = fmt.Sprintf("chain certificate %s %s", secCertName(c), v)
			}
			problems = append(problems, v)
		}
	}
	if _, has := sec.Data[corev1.TLSPrivateKeyKey]; !has {
		problems = append(problems, "there is no tls.key")
	} else if f.KeyMatches != nil && !*f.KeyMatches {
		problems = append(problems, "tls.key does not parse or does not match the certificate")
	}
	if weak := secWeakKey(s, env, leaf); weak != "" {
		problems = append(problems, weak)
	}
	var uncovered []string
	for _, h := range hosts {
		if !secSANCovers(leaf, h.host) {
			uncovered = append(uncovered, fmt.Sprintf("%s (Ingress %s)", h.host, h.ingress))
		}
	}
	if len(uncovered) > 0 {
		problems = append(problems, fmt.Sprintf("its SANs [%s] do not cover %s",
			strings.Join(append(leaf.DNSNames, leaf.IPAddresses...), ", "), strings.Join(uncovered, ", ")))
	}
	if len(problems) == 0 {
		return check.Finding{}, false
	}
	return check.Failf(ref, "certificate %s: %s", secCertName(leaf), strings.Join(problems, "; ")), true
}

// secWeakKey describes a certificate key below the configured strength, or returns "".
func secWeakKey(s *check.Snapshot, env *check.Env, c facts.CertificateFacts) string {
	p := env.Params.Secrets
	switch c.KeyAlgorithm {
	case "RSA":
		if c.KeyBits < p.MinRSAKeyBits {
			return fmt.Sprintf("RSA key of %d bits, below %d", c.KeyBits, p.MinRSAKeyBits)
		}
	case "ECDSA":
		if c.KeyBits < p.MinECKeyBits {
			return fmt.Sprintf("ECDSA key on a %d-bit curve, below %d", c.KeyBits, p.MinECKeyBits)
		}
	case "Ed25519":
	default:
		return fmt.Sprintf("key algorithm %s is not RSA, ECDSA or Ed25519", c.KeyAlgorithm)
	}
	return ""
}

// secSANCovers reports whether a certificate's SANs cover host; a wildcard covers one label.
func secSANCovers(c facts.CertificateFacts, host string) bool {
	for _, san := range c.DNSNames {
		if tlshost.Covers(san, host) {
			return true
		}
	}
	for _, ip := range c.IPAddresses {
		if ip == host {
			return true
		}
	}
	return false
}
