package secrets

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/tlshost"
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

// Checks returns the SEC- checks: secrets, certificates and rotation.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:       "SEC-001",
			Title:    "No credentials are set as literal environment variables",
			Domain:   check.DomainSecrets,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.3"}, NIST: []string{"4.1.4"}, MLPS: []string{"G4c"},
			},
			Rationale: "A password or token written into a pod template is readable by everyone who can read the " +
				"workload, is stored unencrypted in etcd and in Git, and cannot be rotated without a redeploy. Values " +
				"are scanned with gitleaks' default rules (cloud access keys, private keys, bearer and vendor tokens, " +
				"high-entropy assignments); names are judged by word (password, secret, token, …_KEY), skipping " +
				"identifiers such as ETCD_INITIAL_CLUSTER_TOKEN and values that cannot be credentials (URLs without a " +
				"password, paths, numbers, booleans, $(VAR) references); NAME=secret assignments inside a value count too.",
			Scope: "CIS 5.4.1 prefers Secrets as files over environment variables; this check reports credentials written as literal values (found by gitleaks' rules and by name), not Secret references in the environment, which the standard accepts.",
			Remediation: "Move the value into a Secret and reference it with env[].valueFrom.secretKeyRef (or mount " +
				"the Secret as a file), then rotate the credential, since it has been exposed. A variable that only " +
				"names a file or a Secret can be allowlisted in Secrets.CredentialEnvAllowlist.",
			Evaluate: secEnvCredentials,
		},
		{
			ID:       "SEC-002",
			Title:    "ConfigMaps hold no credentials and no private keys",
			Domain:   check.DomainSecrets,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.3"}, MLPS: []string{"G4c"},
			},
			Rationale: "ConfigMaps are meant for non-confidential configuration: far more roles can read them than " +
				"Secrets, and they are never encrypted at rest. A password or a PEM private key in one is exposed. " +
				"Keys and values are judged as SEC-001 judges environment variables, and configuration files inside a " +
				"ConfigMap are searched for NAME=secret and name: secret assignments.",
			Scope: "Not in CIS or Pod Security: credentials and private keys in ConfigMaps, found by gitleaks' rules, by key name and by NAME=secret assignments inside configuration files.",
			Remediation: "Move credential-like keys and private keys into Secrets (or an external secret store), " +
				"update the workloads that read them, and rotate the exposed values.",
			Evaluate: secConfigMapCredentials,
		},
		{
			ID:       "SEC-003",
			Title:    "Secrets are encrypted at rest in etcd",
			Domain:   check.DomainSecrets,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.10", "S4.4"}, NIST: []string{"4.1.4"},
			},
			Rationale: "Without an encryption provider, Secrets are stored in plain text in etcd and in every etcd " +
				"backup. The API shows only that --encryption-provider-config is set; that its first provider is not " +
				"identity (and preferably KMS v2) can only be read on the control-plane nodes.",
			Remediation: "Write an EncryptionConfiguration for secrets whose first provider is kms (apiVersion v2) or " +
				"aescbc/aesgcm/secretbox, pass it with --encryption-provider-config to every kube-apiserver, then " +
				"rewrite existing Secrets (kubectl get secrets -A -o json | kubectl replace -f -). On a managed " +
				"cluster, enable the provider's envelope encryption with a KMS key.",
			Evaluate: secEncryptionAtRest,
		},
		{
			ID:       "SEC-004",
			Title:    "Encryption-at-rest keys are rotated",
			Domain:   check.DomainSecrets,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S6.5"},
			},
			Rationale: "A key that never changes protects every Secret ever written with it; once it leaks, all " +
				"backups are readable. The key lives in the EncryptionConfiguration file on the control-plane nodes " +
				"or in a KMS, neither visible through the API, so a person verifies its age.",
			Remediation: "Rotate the key: add a new key first in the provider's key list on every API server, restart " +
				"them, rewrite all Secrets, then remove the old key. With KMS, enable automatic key rotation no " +
				"longer than Secrets.EncryptionKeyMaxAge.",
			Evaluate: secEncryptionKeyRotation,
		},
		{
			ID:       "SEC-005",
			Title:    "Node join (bootstrap) tokens expire within the configured lifetime",
			Domain:   check.DomainSecrets,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.4"}, NIST: []string{"3.3.5"},
			},
			Rationale: "A bootstrap token lets its holder register a node and receive a kubelet certificate. A token " +
				"without an expiration, or one that lives for weeks, is a standing invitation to join rogue nodes.",
			Remediation: "Delete tokens that do not expire or live too long (kubeadm token delete <id>) and create " +
				"join tokens only when needed with a short TTL (kubeadm token create --ttl 1h). Expired tokens are " +
				"removed by the kube-controller-manager's tokencleaner controller; make sure it is enabled.",
			AutoRemediation: "DeleteExpiredBootstrapTokens",
			Evaluate:        secBootstrapTokens,
		},
		{
			ID:       "SEC-006",
			Title:    "The cluster and service-mesh CA certificates are far from expiry and rotated on schedule",
			Domain:   check.DomainSecrets,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.7", "S6.8"},
			},
			Rationale: "When the cluster CA expires every component certificate it signed stops being trusted and " +
				"the control plane goes down; a CA used for many years has had many years to leak. The same holds " +
				"for the root CA of a service mesh's mutual TLS.",
			Remediation: "Plan a CA rotation (kubeadm: https://kubernetes.io/docs/tasks/tls/manual-rotation-of-ca-certificates/; " +
				"Istio: plug in a new root and roll the workloads) well before notAfter, and repeat it within " +
				"Secrets.CARotationPeriod.",
			Evaluate: secClusterCA,
		},
		{
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
			Evaluate: secTLSCertificates,
		},
		{
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
			Evaluate: secRotation,
		},
		{
			ID:       "SEC-009",
			Title:    "A secrets-management solution is in use and healthy",
			Domain:   check.DomainSecrets,
			Level:    check.L2,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S6.10"}, NIST: []string{"4.1.4"},
			},
			Rationale: "Secrets kept only as Kubernetes objects end up in Git, CI variables and laptops. An external " +
				"store (External Secrets Operator, Secrets Store CSI Driver, Vault injector) or Sealed Secrets keeps " +
				"the source of truth encrypted and auditable. A KMS encryption provider cannot be seen through the API " +
				"and does not count here.",
			Remediation: "Install and use one of External Secrets Operator, the Secrets Store CSI Driver, the Vault agent " +
				"injector or Sealed Secrets, and fix stores and secrets that are not Ready. If a KMS provider is the " +
				"chosen solution, record an exemption with the evidence.",
			Evaluate: secSecretsManagement,
		},
		{
			ID:       "SEC-010",
			Title:    "Long-lived ServiceAccount token Secrets are recent and in use",
			Domain:   check.DomainSecrets,
			Level:    check.L3,
			Severity: check.SeverityMedium,
			References: check.References{
				Standard: []string{"S12.4"}, NIST: []string{"3.3.5"},
			},
			Rationale: "A kubernetes.io/service-account-token Secret holds a token that never expires. An old one has " +
				"had time to be copied, and one that no pod mounts is usually held by a person or a pipeline outside " +
				"the cluster. Projected tokens expire and are bound to the pod.",
			Remediation: "Replace the Secret with projected tokens (the default for pods) or kubectl create token for " +
				"external users, then delete it. Check the kubernetes.io/legacy-token-last-used label before deleting, " +
				"since an external user may still depend on it.",
			Evaluate: secLegacyTokens,
		},
	}
}

// --- Shared helpers ---

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
func secValidity(s *check.Snapshot, c facts.CertificateFacts, warn time.Duration) string {
	switch {
	case !c.NotAfter.After(s.Now):
		return fmt.Sprintf("expired on %s", secDate(c.NotAfter))
	case c.NotAfter.Before(s.Now.Add(warn)):
		return fmt.Sprintf("expires on %s, within %s", secDate(c.NotAfter), secSpan(warn))
	case c.NotBefore.After(s.Now):
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
func secScopedExtra(s *check.Snapshot, gk string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range s.Extra[gk] {
		if ns := u.GetNamespace(); ns == "" || s.InScope(ns) {
			out = append(out, u)
		}
	}
	return out
}

// --- SEC-001 and SEC-002: credentials in plain configuration ---

func secEnvCredentials(s *check.Snapshot) []check.Finding {
	workloads := s.Workloads()
	if len(workloads) == 0 {
		return []check.Finding{check.NotApplicablef("no workloads in scope")}
	}
	var out []check.Finding
	for _, w := range workloads {
		var hits []string
		var failure error
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, e := range c.Env {
				why, err := facts.CredentialIn(e.Name, e.Value, secAllowedEnv(s, e.Name))
				if err != nil {
					failure = err
				}
				if why != "" {
					hits = append(hits, fmt.Sprintf("%s %q variable %s (%s)", kind, c.Name, e.Name, why))
				}
			}
		})
		switch {
		case failure != nil:
			out = append(out, check.Errorf(w.Ref, "the environment could not be scanned: %v", failure))
		case len(hits) > 0:
			out = append(out, check.Failf(w.Ref, "credential set to a literal value: %s; use valueFrom.secretKeyRef",
				check.ContainerNames(hits)))
		}
	}
	return out
}

func secAllowedEnv(s *check.Snapshot, name string) bool {
	for _, p := range s.Params.Secrets.CredentialEnvAllowlist {
		if glob.Match(strings.ToUpper(p), strings.ToUpper(name)) {
			return true
		}
	}
	return false
}

func secConfigMapCredentials(s *check.Snapshot) []check.Finding {
	var out []check.Finding
	inspected := 0
	for _, cm := range s.ConfigMaps {
		if !s.InScope(cm.Namespace) {
			continue
		}
		inspected++
		ref := check.ObjectRef{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name}
		f, ok := facts.Facts(&cm.ObjectMeta)
		if !ok {
			out = append(out, check.Errorf(ref, "no content facts were recorded for this ConfigMap"))
			continue
		}
		var problems []string
		if len(f.CredentialKeys) > 0 {
			problems = append(problems, "credentials in "+strings.Join(f.CredentialKeys, ", "))
		}
		if len(f.PrivateKeyKeys) > 0 {
			problems = append(problems, "a PEM private key in "+strings.Join(f.PrivateKeyKeys, ", "))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(ref, "holds %s; move them into a Secret", strings.Join(problems, " and ")))
		}
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no ConfigMaps in scope")}
	}
	return out
}

// --- SEC-003 and SEC-004: encryption at rest ---

func secEncryptionAtRest(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("encryption at rest is a fact of a live control plane")}
	}
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("managed control plane (no kube-apiserver mirror pod in kube-system): verify with the " +
			"provider that Secrets are encrypted at rest with a KMS key (EKS envelope encryption, GKE application-layer " +
			"secrets encryption, AKS KMS etcd encryption), then attest it")}
	}
	var out []check.Finding
	for _, srv := range servers {
		if srv.Flags["encryption-provider-config"] == "" {
			out = append(out, check.Failf(srv.Ref, "kube-apiserver has no --encryption-provider-config, so Secrets are stored "+
				"unencrypted in etcd"))
		}
	}
	return out
}

func secEncryptionKeyRotation(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("encryption keys are a fact of a live control plane")}
	}
	maxAge := secSpan(s.Params.Secrets.EncryptionKeyMaxAge)
	servers := cpflags.KubeAPIServer(s)
	if len(servers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: verify with the provider that the KMS key encrypting Secrets "+
			"rotates at least every %s (aws kms get-key-rotation-status; gcloud kms keys describe --format='value(rotationPeriod)'; "+
			"az keyvault key rotation-policy show), then attest it", maxAge)}
	}
	var out []check.Finding
	for _, srv := range servers {
		file := srv.Flags["encryption-provider-config"]
		if file == "" {
			continue // SEC-003 fails it: there is no key to rotate
		}
		f := check.Manualf("on the control-plane node of this pod, read %s (sudo cat). For aescbc/aesgcm/secretbox, the first "+
			"key of the secrets resource is the active one: confirm it was introduced less than %s ago (the key name "+
			"conventionally carries its date; sudo stat %s shows the last change). For kms, confirm the KMS key "+
			"rotates at least every %s. Then attest it", file, maxAge, file, maxAge)
		f.Object = srv.Ref
		out = append(out, f)
	}
	if len(out) == 0 {
		return []check.Finding{check.NotApplicablef("no kube-apiserver has --encryption-provider-config, so there is no encryption key " +
			"to rotate (SEC-003 fails)")}
	}
	return out
}

// --- SEC-005: bootstrap tokens ---

// secTokenClockSlack absorbs the gap between the client that computes a token's expiration and
// the API server that stamps creationTimestamp a moment later, on possibly skewed clocks.
const secTokenClockSlack = time.Minute

func secBootstrapTokens(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("bootstrap tokens are a fact of a live cluster")}
	}
	if s.Scope.Excluded[metav1.NamespaceSystem] {
		return []check.Finding{check.NotApplicablef("kube-system, where bootstrap tokens live, is excluded")}
	}
	if f, unread := secSecretsUnread(s); unread {
		return []check.Finding{f}
	}
	maxTTL := s.Params.BootstrapTokenMaxTTL
	var out []check.Finding
	tokens := 0
	for _, sec := range s.Secrets {
		if sec.Namespace != metav1.NamespaceSystem || sec.Type != corev1.SecretTypeBootstrapToken {
			continue
		}
		tokens++
		ref := secRef(sec)
		f, ok := facts.Facts(&sec.ObjectMeta)
		if !ok {
			out = append(out, check.Errorf(ref, "no content facts were recorded for this bootstrap token"))
			continue
		}
		exp := f.TokenExpiration
		created := sec.CreationTimestamp.Time
		switch {
		case exp == nil && secHasParseError(f, facts.BootstrapTokenExpirationKey):
			// The token authenticator treats an unreadable expiration as expired.
			out = append(out, check.Failf(ref, "bootstrap token's %s, so it is treated as expired and should be deleted",
				secParseError(f, facts.BootstrapTokenExpirationKey)))
		case exp == nil:
			out = append(out, check.Failf(ref, "bootstrap token has no expiration, so it can join nodes forever"))
		case !exp.After(s.Now):
			out = append(out, check.Failf(ref, "bootstrap token expired on %s and was not deleted (is the tokencleaner controller enabled?)",
				exp.Format(time.RFC3339)))
		case !created.IsZero() && exp.Sub(created) > maxTTL+secTokenClockSlack:
			out = append(out, check.Failf(ref, "bootstrap token lives %s (created %s, expires %s), longer than BootstrapTokenMaxTTL %s",
				secSpan(exp.Sub(created)), created.UTC().Format(time.RFC3339), exp.Format(time.RFC3339), secSpan(maxTTL)))
		}
	}
	if tokens == 0 {
		return []check.Finding{check.NotApplicablef("no bootstrap tokens in kube-system")}
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

// --- SEC-006: cluster and mesh CA ---

func secClusterCA(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the cluster CA is a fact of a live cluster")}
	}
	bundles := append([]check.CABundleRef{{Name: "kube-root-ca.crt", Key: corev1.ServiceAccountRootCAKey, Namespace: metav1.NamespaceSystem}},
		s.Params.Secrets.MeshRootCAs...)
	var out []check.Finding
	for i, b := range bundles {
		cm := secPickConfigMap(s, b)
		if cm == nil {
			if i == 0 {
				out = append(out, check.Manualf("no kube-root-ca.crt ConfigMap was gathered: verify the cluster CA's notAfter and "+
					"age on a control-plane node (kubeadm certs check-expiration), then attest it"))
			}
			continue
		}
		out = append(out, secCAFindings(s, cm, b.Key)...)
	}
	return out
}

// secPickConfigMap returns the copy of a CA bundle ConfigMap to judge: the one in b.Namespace,
// else the first by namespace. Every copy holds the same bundle.
func secPickConfigMap(s *check.Snapshot, b check.CABundleRef) *corev1.ConfigMap {
	var pick *corev1.ConfigMap
	for _, cm := range s.ConfigMaps {
		if cm.Name != b.Name {
			continue
		}
		if cm.Namespace == b.Namespace {
			return cm
		}
		if pick == nil || cm.Namespace < pick.Namespace {
			pick = cm
		}
	}
	return pick
}

func secCAFindings(s *check.Snapshot, cm *corev1.ConfigMap, key string) []check.Finding {
	ref := check.ObjectRef{Kind: "ConfigMap", Namespace: cm.Namespace, Name: cm.Name}
	certs, problem, unknown := secConfigMapCertificates(cm, key)
	switch {
	case unknown:
		f := check.Manualf("the content of %s was not kept, so the CA cannot be read: check its validity with "+
			"kubectl get configmap -n %s %s -o jsonpath='{.data.%s}' | openssl x509 -noout -dates, then attest it",
			key, cm.Namespace, cm.Name, strings.ReplaceAll(key, ".", `\.`))
		f.Object = ref
		return []check.Finding{f}
	case len(certs) == 0:
		return []check.Finding{check.Errorf(ref, "CA bundle cannot be read: %s", problem)}
	}
	var problems []string
	for _, c := range certs {
		var p []string
		if v := secValidity(s, c, s.Params.CAExpiryWarning); v != "" {
			p = append(p, v)
		}
		if age := s.Now.Sub(c.NotBefore); age > s.Params.Secrets.CARotationPeriod {
			p = append(p, fmt.Sprintf("was issued %s, %s ago, beyond CARotationPeriod of %s",
				secDate(c.NotBefore), secSpan(age), secSpan(s.Params.Secrets.CARotationPeriod)))
		}
		if len(p) > 0 {
			problems = append(problems, fmt.Sprintf("CA %s %s", secCertName(c), strings.Join(p, " and ")))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return []check.Finding{check.Failf(ref, "%s: %s", key, strings.Join(problems, "; "))}
}

// secConfigMapCertificates reads the certificates of a ConfigMap key from its facts, or parses the
// content when the facts do not cover the key and the content was kept (a manifest scan or a
// kube-system ConfigMap). unknown is true when neither is available: the operator's cache drops
// the values of ConfigMaps whose keys the facts do not parse.
func secConfigMapCertificates(cm *corev1.ConfigMap, key string) (certs []facts.CertificateFacts, problem string, unknown bool) {
	f, ok := facts.Facts(&cm.ObjectMeta)
	if ok {
		if certs, problem := secCertificates(f, key); len(certs) > 0 || secHasParseError(f, key) {
			return certs, problem, false
		}
	}
	raw, present := cm.Data[key]
	switch {
	case !present:
		return nil, fmt.Sprintf("%s: no such key", key), false
	case strings.TrimSpace(raw) == "":
		return nil, "", true
	}
	parsed, err := facts.ParseCertificates([]byte(raw))
	if err != nil {
		return nil, fmt.Sprintf("%s: %v", key, err), false
	}
	for _, c := range parsed {
		certs = append(certs, facts.CertificateFactsOf(key, c))
	}
	return certs, "", false
}

// --- SEC-007: TLS certificate validity ---

func secTLSCertificates(s *check.Snapshot) []check.Finding {
	var out []check.Finding
	inspected := 0
	if f, unread := secSecretsUnread(s); unread {
		if f.Result == check.Skipped {
			out = append(out, f)
		}
	} else {
		hosts := secIngressTLSHosts(s)
		for _, sec := range s.Secrets {
			if sec.Type != corev1.SecretTypeTLS || !s.InScope(sec.Namespace) {
				continue
			}
			inspected++
			if f, bad := secTLSSecretProblem(s, sec, hosts[sec.Namespace+"/"+sec.Name]); bad {
				out = append(out, f)
			}
		}
	}
	for _, c := range secScopedExtra(s, gkCertManagerCertificate) {
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
func secTLSSecretProblem(s *check.Snapshot, sec *corev1.Secret, hosts []secIngressHost) (check.Finding, bool) {
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
		if v := secValidity(s, c, s.Params.CertificateExpiryWarning); v != "" {
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
	if weak := secWeakKey(s, leaf); weak != "" {
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
func secWeakKey(s *check.Snapshot, c facts.CertificateFacts) string {
	p := s.Params.Secrets
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

// --- SEC-008: rotation ---

func secRotation(s *check.Snapshot) []check.Finding {
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
			if !s.InScope(sec.Namespace) {
				continue
			}
			switch {
			case sec.Type == corev1.SecretTypeTLS:
				inspected++
				tlsRead[sec.Namespace+"/"+sec.Name] = true
				out = append(out, secCertificateAge(s, sec)...)
			case sec.Type == corev1.SecretTypeServiceAccountToken, sec.Type == corev1.SecretTypeBootstrapToken:
				continue // SEC-010 and SEC-005 judge tokens
			case len(sec.Data) == 0 || secRotationIgnored(s, sec.Type):
				continue
			default:
				inspected++
				out = append(out, secValueAge(s, sec)...)
			}
		}
	}
	for _, c := range secScopedExtra(s, gkCertManagerCertificate) {
		inspected++
		out = append(out, secCertManagerSchedule(s, c, tlsRead)...)
	}
	if inspected == 0 && len(out) == 0 {
		return []check.Finding{check.NotApplicablef("no Secrets or cert-manager Certificates in scope")}
	}
	return out
}

func secRotationIgnored(s *check.Snapshot, t corev1.SecretType) bool {
	for _, ignored := range s.Params.Secrets.RotationIgnoredTypes {
		if string(t) == ignored {
			return true
		}
	}
	return false
}

// secCertificateAge flags a TLS Secret whose leaf certificate is older than CertificateMaxAge.
// Unreadable certificates are SEC-007's finding.
func secCertificateAge(s *check.Snapshot, sec *corev1.Secret) []check.Finding {
	f, _ := facts.Facts(&sec.ObjectMeta)
	chain, _ := secCertificates(f, corev1.TLSCertKey)
	if len(chain) == 0 {
		return nil
	}
	leaf := chain[0]
	if age := s.Now.Sub(leaf.NotBefore); age > s.Params.CertificateMaxAge {
		return []check.Finding{check.Failf(secRef(sec), "certificate %s was issued %s, %s ago, beyond CertificateMaxAge of %s",
			secCertName(leaf), secDate(leaf.NotBefore), secSpan(age), secSpan(s.Params.CertificateMaxAge))}
	}
	return nil
}

// secValueAge flags a Secret whose value was last rotated more than SecretMaxAge ago, naming
// the source of the rotation time.
func secValueAge(s *check.Snapshot, sec *corev1.Secret) []check.Finding {
	when, source, err := secLastRotation(s, sec)
	switch {
	case err != "":
		return []check.Finding{check.Errorf(secRef(sec), "%s", err)}
	case when.IsZero():
		return nil // a Secret with no timestamps at all cannot be dated
	}
	if age := s.Now.Sub(when); age > s.Params.SecretMaxAge {
		return []check.Finding{check.Failf(secRef(sec), "%s Secret last rotated %s, %s ago (from %s), beyond SecretMaxAge of %s",
			secTypeName(sec.Type), secDate(when), secSpan(age), source, secSpan(s.Params.SecretMaxAge))}
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
func secLastRotation(s *check.Snapshot, sec *corev1.Secret) (when time.Time, source, err string) {
	for _, key := range s.Params.Secrets.RotationAnnotations {
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
func secCertManagerSchedule(s *check.Snapshot, c *unstructured.Unstructured, tlsRead map[string]bool) []check.Finding {
	maxAge := s.Params.CertificateMaxAge
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
			if t, err := time.Parse(time.RFC3339, nb); err == nil && s.Now.Sub(t) > maxAge {
				problems = append(problems, fmt.Sprintf("the current certificate was issued %s, %s ago, beyond CertificateMaxAge of %s",
					secDate(t), secSpan(s.Now.Sub(t)), secSpan(maxAge)))
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

// --- SEC-009: secrets management ---

func secSecretsManagement(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the secrets-management solution is a fact of a live cluster")}
	}
	var out []check.Finding
	var inUse []string
	readyStores := 0
	for _, gk := range []string{gkClusterSecretStore, gkSecretStore} {
		for _, st := range secScopedExtra(s, gk) {
			if why := secNotReady(st, "Ready"); why != "" {
				out = append(out, check.Failf(secExtraRef(st), "External Secrets %s %s", st.GetKind(), why))
				continue
			}
			readyStores++
		}
	}
	if readyStores > 0 {
		inUse = append(inUse, fmt.Sprintf("External Secrets Operator (%d Ready stores)", readyStores))
	}
	for _, es := range secScopedExtra(s, gkExternalSecret) {
		if why := secNotReady(es, "Ready"); why != "" {
			out = append(out, check.Failf(secExtraRef(es), "ExternalSecret %s, so its Secret is not kept in sync", why))
		}
	}
	if n := len(s.Extra[gkSecretProviderClass]); n > 0 {
		inUse = append(inUse, fmt.Sprintf("Secrets Store CSI Driver (%d SecretProviderClasses)", n))
	}
	if sealed := s.Extra[gkSealedSecret]; len(sealed) > 0 {
		inUse = append(inUse, fmt.Sprintf("Sealed Secrets (%d SealedSecrets)", len(sealed)))
		for _, ss := range secScopedExtra(s, gkSealedSecret) {
			// Older controllers set no status; only an explicit Synced=False is a failure.
			if status, detail, found := secCondition(ss, "Synced"); found && status != string(metav1.ConditionTrue) {
				out = append(out, check.Failf(secExtraRef(ss), "SealedSecret is Synced=%s (%s), so it was not unsealed", status, check.Truncate(detail, 200)))
			}
		}
	}
	if hook := secInjectorWebhook(s); hook != "" {
		inUse = append(inUse, hook)
	}
	if len(inUse) == 0 && len(out) == 0 {
		out = append(out, check.Failf(check.ObjectRef{}, "no secrets-management solution found: no Ready SecretStore or ClusterSecretStore, "+
			"no SecretProviderClass, no SealedSecret and no MutatingWebhookConfiguration matching Secrets.SecretInjectorWebhooks "+
			"(a KMS encryption provider cannot be seen through the API)"))
	}
	return out
}

// secInjectorWebhook names the first secret-injector webhook in the cluster, or returns "".
func secInjectorWebhook(s *check.Snapshot) string {
	for _, mwc := range s.MutatingWebhookConfigurations {
		for _, wh := range mwc.Webhooks {
			for _, p := range s.Params.Secrets.SecretInjectorWebhooks {
				if glob.Match(p, wh.Name) {
					return fmt.Sprintf("secret injector webhook %s (MutatingWebhookConfiguration %s)", wh.Name, mwc.Name)
				}
			}
		}
	}
	return ""
}

// --- SEC-010: legacy ServiceAccount tokens ---

func secLegacyTokens(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("token Secrets are created by the cluster, not by manifests")}
	}
	if f, unread := secSecretsUnread(s); unread {
		return []check.Finding{f}
	}
	mounted := map[string]bool{}
	for _, w := range s.Workloads() {
		for _, name := range check.PodSecretRefs(w.Spec) {
			mounted[w.Ref.Namespace+"/"+name] = true
		}
	}
	var out []check.Finding
	tokens := 0
	for _, sec := range s.Secrets {
		if sec.Type != corev1.SecretTypeServiceAccountToken || !s.InScope(sec.Namespace) {
			continue
		}
		tokens++
		var problems []string
		if !mounted[sec.Namespace+"/"+sec.Name] {
			problems = append(problems, "no pod mounts it")
		}
		issued := sec.CreationTimestamp.UTC()
		if f, ok := facts.Facts(&sec.ObjectMeta); ok && f.LastDataWrite != nil && f.LastDataWrite.After(issued) {
			issued = *f.LastDataWrite
		}
		if age := s.Now.Sub(issued); !issued.IsZero() && age > s.Params.Secrets.LegacyTokenMaxAge {
			problems = append(problems, fmt.Sprintf("it was issued %s, %s ago, beyond LegacyTokenMaxAge of %s",
				secDate(issued), secSpan(age), secSpan(s.Params.Secrets.LegacyTokenMaxAge)))
		}
		if len(problems) == 0 {
			continue
		}
		var notes []string
		for _, l := range []string{"kubernetes.io/legacy-token-last-used", "kubernetes.io/legacy-token-invalid-since"} {
			if v := sec.Labels[l]; v != "" {
				notes = append(notes, fmt.Sprintf("%s=%s", l, v))
			}
		}
		msg := fmt.Sprintf("long-lived token of ServiceAccount %s: %s", sec.Annotations[corev1.ServiceAccountNameKey],
			strings.Join(problems, "; "))
		if len(notes) > 0 {
			msg += " (" + strings.Join(notes, ", ") + ")"
		}
		out = append(out, check.Failf(secRef(sec), "%s", msg))
	}
	if tokens == 0 {
		return []check.Finding{check.NotApplicablef("no long-lived ServiceAccount token Secrets in scope: pods use projected tokens")}
	}
	return out
}
