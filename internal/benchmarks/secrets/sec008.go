package secrets

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func sec008() check.Check {
	return check.Check{
		ID:       "SEC-008",
		Title:    "Certificates and Secret values are rotated on schedule",
		Domain:   check.DomainSecrets,
		Level:    check.L3,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S12.4"},
		},
		Rationale: "A certificate or credential that is never rotated stays useful to whoever copied it. Leaf " +
			"certificates older than CertificateMaxAge and other Secrets not rewritten within SecretMaxAge are " +
			"flagged; a rotator's annotation is trusted first, then the last data write in managedFields, then " +
			"creationTimestamp. Node certificates are NODE-011's and the CA is SEC-006's.",
		Remediation: "Issue certificates through cert-manager with spec.renewBefore set and a duration below " +
			"CertificateMaxAge; rotate credentials with an external secret store or a rotator that records " +
			"kubeposture.io/last-rotated on the Secret.",
		Reads:    []string{gkCertManagerCertificate},
		Evaluate: secRotation,
	}
}

func secRotation(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("rotation is a fact of a live cluster")}
	}
	var out []check.Finding
	inspected := 0
	tlsRead := map[string]bool{} // Secrets whose certificate age is judged here
	if f, unread := secSecretsUnread(s); unread {
		out = append(out, f)
	} else {
		for _, sec := range s.Secrets {
			if !env.Scope.InScope(s, sec.Namespace) {
				continue
			}
			switch {
			case sec.Type == corev1.SecretTypeTLS:
				inspected++
				tlsRead[sec.Namespace+"/"+sec.Name] = true
				out = append(out, secCertificateAge(s, env, sec)...)
			case sec.Type == corev1.SecretTypeServiceAccountToken, sec.Type == corev1.SecretTypeBootstrapToken:
				continue // SEC-010 and SEC-005 judge tokens
			case len(sec.Data) == 0 || secRotationIgnored(s, env, sec.Type):
				continue
			default:
				inspected++
				out = append(out, secValueAge(s, env, sec)...)
			}
		}
	}
	for _, c := range secScopedExtra(s, env, gkCertManagerCertificate) {
		inspected++
		out = append(out, secCertManagerSchedule(s, env, c, tlsRead)...)
	}
	if inspected == 0 && len(out) == 0 {
		return []check.Finding{check.NotApplicablef("no Secrets or cert-manager Certificates in scope")}
	}
	return out
}

func secRotationIgnored(s *check.Snapshot, env *check.Env, t corev1.SecretType) bool {
	for _, ignored := range env.Params.Secrets.RotationIgnoredTypes {
		if string(t) == ignored {
			return true
		}
	}
	return false
}

// secCertificateAge flags a TLS Secret whose leaf certificate is older than CertificateMaxAge.
// Unreadable certificates are SEC-007's finding.
func secCertificateAge(s *check.Snapshot, env *check.Env, sec *corev1.Secret) []check.Finding {
	f, _ := facts.Facts(&sec.ObjectMeta)
	chain, _ := secCertificates(f, corev1.TLSCertKey)
	if len(chain) == 0 {
		return nil
	}
	leaf := chain[0]
	if age := env.Now.Sub(leaf.NotBefore); age > env.Params.CertificateMaxAge {
		return []check.Finding{check.Failf(secRef(sec), "certificate %s was issued %s, %s ago, beyond CertificateMaxAge of %s",
			secCertName(leaf), secDate(leaf.NotBefore), secSpan(age), secSpan(env.Params.CertificateMaxAge))}
	}
	return nil
}

// secValueAge flags a Secret whose value was last rotated more than SecretMaxAge ago, naming
// the source of the rotation time.
func secValueAge(s *check.Snapshot, env *check.Env, sec *corev1.Secret) []check.Finding {
	when, source, err := secLastRotation(s, env, sec)
	switch {
	case err != "":
		return []check.Finding{check.Errorf(secRef(sec), "%s", err)}
	case when.IsZero():
		return nil // a Secret with no timestamps at all cannot be dated
	}
	if age := env.Now.Sub(when); age > env.Params.SecretMaxAge {
		return []check.Finding{check.Failf(secRef(sec), "%s Secret last rotated %s, %s ago (from %s), beyond SecretMaxAge of %s",
			secTypeName(sec.Type), secDate(when), secSpan(age), source, secSpan(env.Params.SecretMaxAge))}
	}
	return nil
}

func secTypeName(t corev1.SecretType) string {
	if t == "" {
		return string(corev1.SecretTypeOpaque)
	}
	return string(t)
}

// secLastRotation returns when a Secret's value last changed and where that came from: a
// rotator's annotation, else the last data write in managedFields, else creationTimestamp.
func secLastRotation(s *check.Snapshot, env *check.Env, sec *corev1.Secret) (when time.Time, source, err string) {
	for _, key := range env.Params.Secrets.RotationAnnotations {
		v, ok := sec.Annotations[key]
		if !ok {
			continue
		}
		t, perr := secParseTime(v)
		if perr != nil {
			return time.Time{}, "", fmt.Sprintf("annotation %s=%q is neither an RFC 3339 time nor a date", key, v)
		}
		return t, "annotation " + key, ""
	}
	if f, ok := facts.Facts(&sec.ObjectMeta); ok && f.LastDataWrite != nil {
		return *f.LastDataWrite, "the last data write in managedFields", ""
	}
	if !sec.CreationTimestamp.IsZero() {
		return sec.CreationTimestamp.UTC(), "creationTimestamp; no rotation annotation or data write in managedFields", ""
	}
	return time.Time{}, "", ""
}

func secParseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, v)
}

// secCertManagerSchedule checks that a cert-manager Certificate renews on schedule: renewBefore
// is set, renewal happens within CertificateMaxAge, and (when its Secret was not judged) the
// current certificate is not older than CertificateMaxAge.
func secCertManagerSchedule(s *check.Snapshot, env *check.Env, c *unstructured.Unstructured, tlsRead map[string]bool) []check.Finding {
	maxAge := env.Params.CertificateMaxAge
	var problems []string
	duration := 90 * 24 * time.Hour // cert-manager's default spec.duration
	if d, _, _ := unstructured.NestedString(c.Object, "spec", "duration"); d != "" {
		if parsed, err := time.ParseDuration(d); err == nil {
			duration = parsed
		}
	}
	renewBefore, _, _ := unstructured.NestedString(c.Object, "spec", "renewBefore")
	pct, hasPct := secNestedNumber(c.Object, "spec", "renewBeforePercentage")
	renewAfter := time.Duration(0)
	switch {
	case renewBefore != "":
		if rb, err := time.ParseDuration(renewBefore); err == nil {
			renewAfter = duration - rb
		}
	case hasPct:
		renewAfter = time.Duration(float64(duration) * (100 - pct) / 100)
	default:
		problems = append(problems, "spec.renewBefore is not set")
		renewAfter = duration * 2 / 3 // cert-manager renews at two thirds of the duration by default
	}
	if renewAfter > maxAge {
		problems = append(problems, fmt.Sprintf("it is renewed only %s after issue (from spec.duration and renewBefore), beyond CertificateMaxAge of %s",
			secSpan(renewAfter), secSpan(maxAge)))
	}
	secretName, _, _ := unstructured.NestedString(c.Object, "spec", "secretName")
	if !tlsRead[c.GetNamespace()+"/"+secretName] {
		if nb, _, _ := unstructured.NestedString(c.Object, "status", "notBefore"); nb != "" {
			if t, err := time.Parse(time.RFC3339, nb); err == nil && env.Now.Sub(t) > maxAge {
				problems = append(problems, fmt.Sprintf("the current certificate was issued %s, %s ago, beyond CertificateMaxAge of %s",
					secDate(t), secSpan(env.Now.Sub(t)), secSpan(maxAge)))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return []check.Finding{check.Failf(secExtraRef(c), "cert-manager Certificate: %s", strings.Join(problems, "; "))}
}

// secNestedNumber reads a numeric field that decoding may have left as an int64 or a float64.
func secNestedNumber(obj map[string]any, fields ...string) (float64, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(obj, fields...)
	if !found || err != nil {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
