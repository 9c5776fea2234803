package secrets

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Optional kinds the SEC- checks read from Snapshot.Extra.
const (
	gkCertManagerCertificate = "Certificate.cert-manager.io"
	gkExternalSecret         = "ExternalSecret.external-secrets.io"
	gkSecretStore            = "SecretStore.external-secrets.io"
	gkClusterSecretStore     = "ClusterSecretStore.external-secrets.io"
	gkSecretProviderClass    = "SecretProviderClass.secrets-store.csi.x-k8s.io"
	gkSealedSecret           = "SealedSecret.bitnami.com"
)

func secRef(sec *corev1.Secret) check.ObjectRef {
	return check.ObjectRef{Kind: "Secret", Namespace: sec.Namespace, Name: sec.Name}
}

func secExtraRef(u *unstructured.Unstructured) check.ObjectRef {
	return check.ObjectRef{Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}

// secSecretsUnread returns the finding of a Secret-based check when Secrets were not gathered.
// A manifest scan without Secrets simply has none to judge.
func secSecretsUnread(s *check.Snapshot) (check.Finding, bool) {
	switch {
	case s.SecretsRead:
		return check.Finding{}, false
	case s.SecretsUnread != "":
		return check.Skippedf("Secrets cannot be read: %s", s.SecretsUnread), true
	case s.Source == check.SourceManifests:
		return check.NotApplicablef("the manifests hold no Secrets"), true
	}
	return check.Skippedf("Secrets were not read: enable with the operator's --read-secrets flag and the secrets-reader role"), true
}

func secDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// secSpan renders a duration in days, or in hours below two days (bootstrap tokens live hours).
func secSpan(d time.Duration) string {
	if d < 48*time.Hour && d > -48*time.Hour {
		return fmt.Sprintf("%.0fh", d.Hours())
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// secCertName names a certificate in a message by its subject, or its first SAN.
func secCertName(c facts.CertificateFacts) string {
	switch {
	case c.Subject != "":
		return c.Subject
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return "(empty subject)"
}

// secValidity describes an expired, soon-expiring or not-yet-valid certificate, or returns "".
func secValidity(s *check.Snapshot, env *check.Env, c facts.CertificateFacts, warn time.Duration) string {
	switch {
	case !c.NotAfter.After(env.Now):
		return fmt.Sprintf("expired on %s", secDate(c.NotAfter))
	case c.NotAfter.Before(env.Now.Add(warn)):
		return fmt.Sprintf("expires on %s, within %s", secDate(c.NotAfter), secSpan(warn))
	case c.NotBefore.After(env.Now):
		return fmt.Sprintf("is not valid before %s", secDate(c.NotBefore))
	}
	return ""
}

// secCertificates returns the certificates of one data key of a Secret's or ConfigMap's facts,
// or an explanation of why there are none.
func secCertificates(f facts.ContentFacts, key string) ([]facts.CertificateFacts, string) {
	var out []facts.CertificateFacts
	for _, c := range f.Certificates {
		if c.Key == key {
			out = append(out, c)
		}
	}
	if len(out) > 0 {
		return out, ""
	}
	for _, e := range f.ParseErrors {
		if strings.HasPrefix(e, key+":") {
			return nil, e
		}
	}
	return nil, key + ": no certificate"
}

// secCondition returns the status of a status.conditions entry of an optional object, with its
// reason and message; found is false when the object reports no such condition.
func secCondition(u *unstructured.Unstructured, condType string) (status, detail string, found bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		if t, _, _ := unstructured.NestedString(m, "type"); t != condType {
			continue
		}
		status, _, _ = unstructured.NestedString(m, "status")
		reason, _, _ := unstructured.NestedString(m, "reason")
		msg, _, _ := unstructured.NestedString(m, "message")
		detail = strings.TrimSpace(strings.Trim(reason+": "+msg, ": "))
		return status, detail, true
	}
	return "", "", false
}

// secNotReady describes why an optional object is not Ready=True, or returns "".
func secNotReady(u *unstructured.Unstructured, condType string) string {
	status, detail, found := secCondition(u, condType)
	switch {
	case !found:
		return fmt.Sprintf("has no %s condition", condType)
	case status == string(metav1.ConditionTrue):
		return ""
	case detail != "":
		return fmt.Sprintf("is %s=%s (%s)", condType, status, check.Truncate(detail, 200))
	}
	return fmt.Sprintf("is %s=%s", condType, status)
}

// secScopedExtra returns the optional objects of a kind that are cluster-scoped or in scope.
func secScopedExtra(s *check.Snapshot, env *check.Env, gk string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range s.ExtraObjects(gk) {
		if ns := u.GetNamespace(); ns == "" || env.Scope.InScope(s, ns) {
			out = append(out, u)
		}
	}
	return out
}

func secHasParseError(f facts.ContentFacts, key string) bool { return secParseError(f, key) != "" }

func secParseError(f facts.ContentFacts, key string) string {
	for _, e := range f.ParseErrors {
		if strings.HasPrefix(e, key+":") {
			return e
		}
	}
	return ""
}
