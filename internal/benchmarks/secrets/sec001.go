package secrets

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
)

func sec001() check.Check {
	return check.Check{
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
	}
}

func secEnvCredentials(s *check.Snapshot, env *check.Env) []check.Finding {
	workloads := env.Workloads(s)
	if len(workloads) == 0 {
		return []check.Finding{check.NotApplicablef("no workloads in scope")}
	}
	var out []check.Finding
	for _, w := range workloads {
		var hits []string
		var failure error
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			for _, e := range c.Env {
				why, err := facts.CredentialIn(e.Name, e.Value, secAllowedEnv(s, env, e.Name))
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

func secAllowedEnv(s *check.Snapshot, env *check.Env, name string) bool {
	for _, p := range env.Params.Secrets.CredentialEnvAllowlist {
		if glob.Match(strings.ToUpper(p), strings.ToUpper(name)) {
			return true
		}
	}
	return false
}
