package facts

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FactsAnnotation holds, on a cached Secret or ConfigMap, the facts derived from its content
// before the content was dropped. Only the operator's cache carries it.
const FactsAnnotation = "facts.kubeposture.io/content"

// SealAnnotation marks an object whose facts this process derived: an HMAC, under a Key made
// at start, of the object's identity and its facts. Deriving facts is idempotent because a
// sealed object is left as it is, and an annotation written by someone else is never trusted:
// without a valid seal the facts are derived again from the content.
const SealAnnotation = "facts.kubeposture.io/seal"

// sealKey is made once per process and never leaves it.
var sealKey = func() []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("no randomness for the facts seal: %v", err))
	}
	return k
}()

// sealer computes seals without allocating: every audit checks the seal of every cached Secret
// and ConfigMap.
type sealer struct {
	mac     hash.Hash
	in, sum []byte
	hexSum  []byte
}

var sealers = sync.Pool{New: func() any { return &sealer{mac: hmac.New(sha256.New, sealKey)} }}

// hexSeal returns the seal of the object, hex-encoded, in a buffer of s.
func (s *sealer) hexSeal(meta *metav1.ObjectMeta, kind string) []byte {
	s.in = s.in[:0]
	for _, part := range [...]string{kind, meta.Namespace, meta.Name, string(meta.UID), meta.ResourceVersion, meta.Annotations[FactsAnnotation]} {
		s.in = append(s.in, part...)
		s.in = append(s.in, 0)
	}
	s.mac.Reset()
	s.mac.Write(s.in)
	s.sum = s.mac.Sum(s.sum[:0])
	s.hexSum = hex.AppendEncode(s.hexSum[:0], s.sum)
	return s.hexSum
}

func seal(meta *metav1.ObjectMeta, kind string) string {
	s := sealers.Get().(*sealer)
	defer sealers.Put(s)
	return string(s.hexSeal(meta, kind))
}

// Sealed reports whether the object's facts were derived by this process (see SealAnnotation).
func Sealed(meta *metav1.ObjectMeta, kind string) bool {
	got, ok := meta.Annotations[SealAnnotation]
	if !ok {
		return false
	}
	s := sealers.Get().(*sealer)
	defer sealers.Put(s)
	return equalConstantTime(got, s.hexSeal(meta, kind))
}

// equalConstantTime reports whether a and b hold the same bytes, in a time that depends only on
// their lengths, as hmac.Equal does.
func equalConstantTime(a string, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var diff byte
	for i := range len(b) {
		diff |= a[i] ^ b[i]
	}
	return diff == 0
}

// StripUnread drops what no check reads and what may hold values: managedFields and kubectl's
// last-applied configuration, which holds every value of an applied Secret or ConfigMap in
// clear. Running it twice changes nothing.
func StripUnread(meta metav1.Object) {
	meta.SetManagedFields(nil)
	if a := meta.GetAnnotations(); a != nil {
		if _, ok := a[corev1.LastAppliedConfigAnnotation]; ok {
			delete(a, corev1.LastAppliedConfigAnnotation)
			meta.SetAnnotations(a)
		}
	}
}

// ContentFacts are what the checks need to know about a Secret's or ConfigMap's content.
type ContentFacts struct {
	// LastDataWrite is the last time a field manager wrote data (from managedFields).
	LastDataWrite *time.Time `json:"lastDataWrite,omitempty"`
	// Certificates are parsed from tls.crt and ca.crt, in order.
	Certificates []CertificateFacts `json:"certificates,omitempty"`
	// KeyMatches says whether tls.Key matches the first certificate of tls.crt; nil when
	// either is missing or unparsable.
	KeyMatches *bool `json:"keyMatches,omitempty"`
	// ParseErrors name content that should be a certificate or Key and is not.
	ParseErrors []string `json:"parseErrors,omitempty"`
	// PrivateKeyKeys are data keys whose values contain a PEM private-Key block.
	PrivateKeyKeys []string `json:"privateKeyKeys,omitempty"`
	// CredentialKeys are data keys whose values hold a credential, each followed by why in
	// parentheses, such as "db_password (credential-like name)".
	CredentialKeys []string `json:"credentialKeys,omitempty"`
	// TokenExpiration is the expiration of a bootstrap.kubernetes.io/token Secret. The value is
	// not secret, and the bootstrap-token checks need it after the values are dropped.
	TokenExpiration *time.Time `json:"tokenExpiration,omitempty"`
	// MetadataOnly is true for a Secret read without its values: only LastDataWrite is known,
	// and its keys are those named in managedFields.
	MetadataOnly bool `json:"metadataOnly,omitempty"`
}

// CertificateFacts describe one X.509 certificate.
type CertificateFacts struct {
	// Key is the data Key it came from, such as "tls.crt".
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

// DeriveSecretFacts computes a Secret's facts, records and seals them in annotations, and drops
// every value (keys stay, empty), managedFields and the last-applied configuration. The cache
// transform and the manifest loader both call it, so no Secret value outlives decoding. A
// Secret it already handled is left unchanged: running it twice is running it once.
func DeriveSecretFacts(sec *corev1.Secret) {
	if Sealed(&sec.ObjectMeta, "Secret") {
		return
	}
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
		facts.addTokenExpiration(data[BootstrapTokenExpirationKey])
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
	StripUnread(sec)
	setFacts(&sec.ObjectMeta, "Secret", facts)
}

// DeriveSecretMetadataFacts records and seals the facts of a Secret read as metadata only (the
// last write of data, from managedFields), then drops managedFields and the last-applied
// configuration. A Secret it already handled is left unchanged.
func DeriveSecretMetadataFacts(sec *corev1.Secret) {
	if Sealed(&sec.ObjectMeta, "Secret") {
		return
	}
	facts := ContentFacts{LastDataWrite: lastWrite(sec.ManagedFields, "f:data", "f:stringData"), MetadataOnly: true}
	StripUnread(sec)
	setFacts(&sec.ObjectMeta, "Secret", facts)
}

// DeriveConfigMapFacts computes a ConfigMap's facts and records and seals them in annotations;
// managedFields and the last-applied configuration are dropped. When keepContent is false every
// value is dropped too (keys stay, empty). A ConfigMap it already handled is left unchanged.
func DeriveConfigMapFacts(cm *corev1.ConfigMap, keepContent bool) {
	if Sealed(&cm.ObjectMeta, "ConfigMap") {
		return
	}
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
	StripUnread(cm)
	if !keepContent {
		for _, k := range keys {
			cm.Data[k] = ""
		}
		for k := range cm.BinaryData {
			cm.BinaryData[k] = nil
		}
	}
	setFacts(&cm.ObjectMeta, "ConfigMap", facts)
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

func setFacts(meta *metav1.ObjectMeta, kind string, f ContentFacts) {
	raw, err := json.Marshal(f)
	if err != nil {
		raw = []byte(`{"parseErrors":["facts could not be recorded"]}`)
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[FactsAnnotation] = string(raw)
	meta.Annotations[SealAnnotation] = seal(meta, kind)
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
		certs, err := ParseCertificates(v)
		if err != nil {
			f.ParseErrors = append(f.ParseErrors, fmt.Sprintf("%s: %v", key, err))
			continue
		}
		for _, c := range certs {
			f.Certificates = append(f.Certificates, CertificateFactsOf(key, c))
		}
	}
}

// bootstrapTokenExpirationKey is the data Key of a bootstrap token's expiration (RFC 3339).
const BootstrapTokenExpirationKey = "expiration"

func (f *ContentFacts) addTokenExpiration(v []byte) {
	raw := strings.TrimSpace(string(v))
	if raw == "" {
		return
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		f.ParseErrors = append(f.ParseErrors, fmt.Sprintf("%s: %q is not an RFC 3339 time", BootstrapTokenExpirationKey, raw))
		return
	}
	f.TokenExpiration = ptrTo(t.UTC())
}

// ParseCertificates reads the PEM certificates of data.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
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

// CertificateFactsOf returns the facts the checks read about the certificate held under key.
func CertificateFactsOf(key string, c *x509.Certificate) CertificateFacts {
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
