package secrets

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func sec006() check.Check {
	return check.Check{
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
	}
}

func secClusterCA(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the cluster CA is a fact of a live cluster")}
	}
	bundles := append([]check.CABundleRef{{Name: "kube-root-ca.crt", Key: corev1.ServiceAccountRootCAKey, Namespace: metav1.NamespaceSystem}},
		env.Params.Secrets.MeshRootCAs...)
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
		out = append(out, secCAFindings(s, env, cm, b.Key)...)
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

func secCAFindings(s *check.Snapshot, env *check.Env, cm *corev1.ConfigMap, key string) []check.Finding {
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
		if v := secValidity(s, env, c, env.Params.CAExpiryWarning); v != "" {
			p = append(p, v)
		}
		if age := env.Now.Sub(c.NotBefore); age > env.Params.Secrets.CARotationPeriod {
			p = append(p, fmt.Sprintf("was issued %s, %s ago, beyond CARotationPeriod of %s",
				secDate(c.NotBefore), secSpan(age), secSpan(env.Params.Secrets.CARotationPeriod)))
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
