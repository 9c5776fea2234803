package secrets

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
)

func sec002() check.Check {
	return check.Check{
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
	}
}

func secConfigMapCredentials(s *check.Snapshot, env *check.Env) []check.Finding {
	var out []check.Finding
	inspected := 0
	for _, cm := range s.ConfigMaps {
		if !env.Scope.InScope(s, cm.Namespace) {
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
