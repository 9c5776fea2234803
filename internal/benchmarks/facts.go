package benchmarks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FactsAnnotation holds, on a cached Secret or ConfigMap, the facts derived from its content
// before the content was dropped. Only the operator's cache carries it.
const FactsAnnotation = "facts.kubeposture.io/content"

// ContentFacts are what the checks need to know about a Secret's or ConfigMap's content.
type ContentFacts struct {
	// LastDataWrite is the last time a field manager wrote data (from managedFields).
	LastDataWrite *time.Time `json:"lastDataWrite,omitempty"`
	// Certificates are parsed from tls.crt and ca.crt, in order.
	Certificates []CertificateFacts `json:"certificates,omitempty"`
	// KeyMatches says whether tls.key matches the first certificate of tls.crt; nil when
	// either is missing or unparsable.
	KeyMatches *bool `json:"keyMatches,omitempty"`
	// ParseErrors name content that should be a certificate or key and is not.
	ParseErrors []string `json:"parseErrors,omitempty"`
	// PrivateKeyKeys are data keys whose values contain a PEM private-key block.
	PrivateKeyKeys []string `json:"privateKeyKeys,omitempty"`
	// CredentialKeys are data keys whose values hold a credential, each followed by why in
	// parentheses, such as "db_password (credential-like name)".
	CredentialKeys []string `json:"credentialKeys,omitempty"`
	// TokenExpiration is the expiration of a bootstrap.kubernetes.io/token Secret. The value is
	// not secret, and the bootstrap-token checks need it after the values are dropped.
	TokenExpiration *time.Time `json:"tokenExpiration,omitempty"`
}

// CertificateFacts describe one X.509 certificate.
type CertificateFacts struct {
	// Key is the data key it came from, such as "tls.crt".
	Key          string    `json:"key"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	DNSNames     []string  `json:"dnsNames,omitempty"`
	IPAddresses  []string  `json:"ipAddresses,omitempty"`
	IsCA         bool      `json:"isCA,omitempty"`
	SelfSigned   bool      `json:"selfSigned,omitempty"`
	KeyAlgorithm string    `json:"keyAlgorithm"`
	KeyBits      int       `json:"keyBits"`
}

var privateKeyBlock = regexp.MustCompile(`-----BEGIN ([A-Z0-9]+ )?PRIVATE KEY-----`)

// certificateKeys are the data keys parsed as PEM certificates.
// The last two are the root-CA keys of Istio (istio-ca-root-cert) and Linkerd (linkerd-identity-trust-roots).
var certificateKeys = []string{corev1.TLSCertKey, corev1.ServiceAccountRootCAKey, "root-cert.pem", "ca-bundle.crt"}

// DeriveSecretFacts computes a Secret's facts, records them in FactsAnnotation and drops every
// value (keys stay, empty). The cache transform and the manifest loader both call it, so no
// Secret value outlives decoding.
func DeriveSecretFacts(sec *corev1.Secret) {
	data := sec.Data
	if data == nil {
		data = map[string][]byte{}
	}
	for k, v := range sec.StringData {
		data[k] = []byte(v)
	}
	facts := ContentFacts{LastDataWrite: lastWrite(sec.ManagedFields, "f:data", "f:stringData")}
	facts.addCertificates(func(k string) ([]byte, bool) { v, ok := data[k]; return v, ok })
	if sec.Type == corev1.SecretTypeBootstrapToken {
		facts.addTokenExpiration(data[bootstrapTokenExpirationKey])
	}
	if crt, key := data[corev1.TLSCertKey], data[corev1.TLSPrivateKeyKey]; len(crt) > 0 && len(key) > 0 {
		if _, err := tls.X509KeyPair(crt, key); err == nil {
			facts.KeyMatches = ptrTo(true)
		} else if len(facts.Certificates) > 0 && facts.Certificates[0].Key == corev1.TLSCertKey {
			facts.KeyMatches = ptrTo(false)
		}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sec.Data = make(map[string][]byte, len(keys))
	for _, k := range keys {
		sec.Data[k] = nil
	}
	sec.StringData = nil
	sec.ManagedFields = nil
	setFacts(&sec.ObjectMeta, facts)
}

// DeriveConfigMapFacts computes a ConfigMap's facts. When keepContent is false every value is
// dropped afterwards (keys stay, empty).
func DeriveConfigMapFacts(cm *corev1.ConfigMap, keepContent bool) {
	facts := ContentFacts{}
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		facts.addCredentials(k, cm.Data[k])
	}
	facts.addCertificates(func(k string) ([]byte, bool) { v, ok := cm.Data[k]; return []byte(v), ok })
	cm.ManagedFields = nil
	if !keepContent {
		for _, k := range keys {
			cm.Data[k] = ""
		}
		for k := range cm.BinaryData {
			cm.BinaryData[k] = nil
		}
	}
	setFacts(&cm.ObjectMeta, facts)
}

// Facts returns the facts recorded on a cached Secret or ConfigMap. An object that was never
// through DeriveSecretFacts or DeriveConfigMapFacts has none (ok is false).
func Facts(meta *metav1.ObjectMeta) (ContentFacts, bool) {
	raw, ok := meta.Annotations[FactsAnnotation]
	if !ok {
		return ContentFacts{}, false
	}
	var f ContentFacts
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return ContentFacts{ParseErrors: []string{"facts: " + err.Error()}}, true
	}
	return f, true
}

func setFacts(meta *metav1.ObjectMeta, f ContentFacts) {
	raw, err := json.Marshal(f)
	if err != nil {
		raw = []byte(`{"parseErrors":["facts could not be recorded"]}`)
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[FactsAnnotation] = string(raw)
}

func (f *ContentFacts) addCertificates(get func(string) ([]byte, bool)) {
	for _, key := range certificateKeys {
		v, ok := get(key)
		if !ok {
			continue
		}
		if len(bytes.TrimSpace(v)) == 0 {
			f.ParseErrors = append(f.ParseErrors, key+": empty")
			continue
		}
		certs, err := parseCertificates(v)
		if err != nil {
			f.ParseErrors = append(f.ParseErrors, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		for _, c := range certs {
			f.Certificates = append(f.Certificates, certificateFacts(key, c))
		}
	}
}

// bootstrapTokenExpirationKey is the data key of a bootstrap token's expiration (RFC 3339).
const bootstrapTokenExpirationKey = "expiration"

func (f *ContentFacts) addTokenExpiration(v []byte) {
	raw := strings.TrimSpace(string(v))
	if raw == "" {
		return
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		f.ParseErrors = append(f.ParseErrors, fmt.Sprintf("%s: %q is not an RFC 3339 time", bootstrapTokenExpirationKey, raw))
		return
	}
	f.TokenExpiration = ptrTo(t.UTC())
}

func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d cannot be parsed: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no PEM certificate found")
	}
	return out, nil
}

func certificateFacts(key string, c *x509.Certificate) CertificateFacts {
	cf := CertificateFacts{
		Key: key, Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), DNSNames: c.DNSNames,
		IsCA: c.IsCA, SelfSigned: c.Subject.String() == c.Issuer.String(),
	}
	for _, ip := range c.IPAddresses {
		cf.IPAddresses = append(cf.IPAddresses, ip.String())
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		cf.KeyAlgorithm, cf.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		cf.KeyAlgorithm, cf.KeyBits = "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		cf.KeyAlgorithm, cf.KeyBits = "Ed25519", 256
	default:
		cf.KeyAlgorithm = c.PublicKeyAlgorithm.String()
	}
	return cf
}

// lastWrite returns the newest managedFields time of an entry that owns any of the fields.
func lastWrite(entries []metav1.ManagedFieldsEntry, fields ...string) *time.Time {
	var latest *time.Time
	for _, e := range entries {
		if e.Time == nil || e.FieldsV1 == nil || e.Subresource != "" {
			continue
		}
		owns := false
		for _, f := range fields {
			owns = owns || bytes.Contains(e.FieldsV1.Raw, []byte(`"`+f+`"`))
		}
		if owns && (latest == nil || e.Time.After(*latest)) {
			t := e.Time.UTC()
			latest = &t
		}
	}
	return latest
}

func ptrTo[T any](v T) *T { return &v }
