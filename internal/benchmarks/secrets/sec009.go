package secrets

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func sec009() check.Check {
	return check.Check{
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
		Reads:    []string{gkClusterSecretStore, gkExternalSecret, gkSealedSecret, gkSecretProviderClass, gkSecretStore},
		Evaluate: secSecretsManagement,
	}
}

func secSecretsManagement(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("the secrets-management solution is a fact of a live cluster")}
	}
	var out []check.Finding
	var inUse []string
	readyStores := 0
	for _, gk := range []string{gkClusterSecretStore, gkSecretStore} {
		for _, st := range secScopedExtra(s, env, gk) {
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
	for _, es := range secScopedExtra(s, env, gkExternalSecret) {
		if why := secNotReady(es, "Ready"); why != "" {
			out = append(out, check.Failf(secExtraRef(es), "ExternalSecret %s, so its Secret is not kept in sync", why))
		}
	}
	if n := len(s.ExtraObjects(gkSecretProviderClass)); n > 0 {
		inUse = append(inUse, fmt.Sprintf("Secrets Store CSI Driver (%d SecretProviderClasses)", n))
	}
	if sealed := s.ExtraObjects(gkSealedSecret); len(sealed) > 0 {
		inUse = append(inUse, fmt.Sprintf("Sealed Secrets (%d SealedSecrets)", len(sealed)))
		for _, ss := range secScopedExtra(s, env, gkSealedSecret) {
			// Older controllers set no status; only an explicit Synced=False is a failure.
			if status, detail, found := secCondition(ss, "Synced"); found && status != string(metav1.ConditionTrue) {
				out = append(out, check.Failf(secExtraRef(ss), "SealedSecret is Synced=%s (%s), so it was not unsealed", status, check.Truncate(detail, 200)))
			}
		}
	}
	if hook := secInjectorWebhook(s, env); hook != "" {
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
func secInjectorWebhook(s *check.Snapshot, env *check.Env) string {
	for _, mwc := range s.MutatingWebhookConfigurations {
		for _, wh := range mwc.Webhooks {
			for _, p := range env.Params.Secrets.SecretInjectorWebhooks {
				if glob.Match(p, wh.Name) {
					return fmt.Sprintf("secret injector webhook %s (MutatingWebhookConfiguration %s)", wh.Name, mwc.Name)
				}
			}
		}
	}
	return ""
}
