package check

import (
	"time"
)

// SecretParams are the parameters of the SEC- checks.
type SecretParams struct {
	// CredentialEnvAllowlist are patterns (see glob.Match, compared upper-case) of environment
	// variable names that look like credentials but conventionally hold a reference to one, such
	// as the path of a mounted Secret file (SEC-001).
	CredentialEnvAllowlist []string
	// EncryptionKeyMaxAge is the longest an encryption-at-rest key may stay the active key; the
	// manual verification of SEC-004 asks a person to compare the key's age with it.
	EncryptionKeyMaxAge time.Duration
	// CARotationPeriod is the longest a cluster or service-mesh CA certificate may be in use,
	// counted from its notBefore (SEC-006).
	CARotationPeriod time.Duration
	// MeshRootCAs are service-mesh root CA ConfigMaps, checked like the cluster CA when they
	// exist (SEC-006).
	MeshRootCAs []CABundleRef
	// MinRSAKeyBits is the smallest RSA key a TLS certificate may have (SEC-007).
	MinRSAKeyBits int
	// MinECKeyBits is the smallest elliptic-curve size a TLS certificate may use (SEC-007).
	MinECKeyBits int
	// RotationAnnotations are Secret annotation keys in which a rotator records when it last
	// rotated the value (RFC 3339 time or a date), in order of precedence. They are trusted over
	// the last data write in managedFields, which a rewrite of the same value does not move (SEC-008).
	RotationAnnotations []string
	// RotationIgnoredTypes are Secret types that hold records rather than credentials and are
	// never rotated, left out of the rotation-age rule (SEC-008).
	RotationIgnoredTypes []string
	// SecretInjectorWebhooks are patterns (see glob.Match) of mutating webhook names, within a
	// MutatingWebhookConfiguration, of secret injectors such as the Vault agent injector (SEC-009).
	SecretInjectorWebhooks []string
	// LegacyTokenMaxAge is the oldest a long-lived ServiceAccount token Secret may be (SEC-010).
	LegacyTokenMaxAge time.Duration
}

// CABundleRef names a ConfigMap key that holds a CA bundle. Such ConfigMaps are copied into every
// namespace; the copy in Namespace is read when present, otherwise any copy.
type CABundleRef struct {
	// Name is the ConfigMap's name.
	Name string
	// Key is the data key holding the PEM certificates.
	Key string
	// Namespace is where the original copy lives.
	Namespace string
}

func defaultSecretParams() SecretParams {
	const day = 24 * time.Hour
	return SecretParams{
		// *_FILE is the Docker/Compose convention for "read the secret from this file".
		CredentialEnvAllowlist: []string{"*_FILE", "*_PATH", "*_DIR", "*_SECRET_NAME"},
		// AWS KMS and Google Cloud KMS rotate customer keys yearly when automatic rotation is on.
		EncryptionKeyMaxAge: 365 * day,
		// Half of kubeadm's ten-year CA lifetime, so rotation is rehearsed long before expiry.
		CARotationPeriod: 5 * 365 * day,
		MeshRootCAs: []CABundleRef{
			{Name: "istio-ca-root-cert", Key: "root-cert.pem", Namespace: "istio-system"},
			{Name: "linkerd-identity-trust-roots", Key: "ca-bundle.crt", Namespace: "linkerd"},
		},
		MinRSAKeyBits:        2048,
		MinECKeyBits:         256,
		RotationAnnotations:  []string{AnnotationLastRotated},
		RotationIgnoredTypes: []string{"helm.sh/release.v1"},
		SecretInjectorWebhooks: []string{
			"vault.hashicorp.com",     // HashiCorp Vault agent injector
			"*vault-secrets-webhook*", // Bank-Vaults secrets webhook
		},
		LegacyTokenMaxAge: 90 * day,
	}
}

// AnnotationLastRotated records on a Secret when its value was last rotated (RFC 3339); it is the
// first of the default SecretParams.RotationAnnotations.
const AnnotationLastRotated = "kubeposture.io/last-rotated"
