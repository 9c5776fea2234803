package logging

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func log001() check.Check {
	return check.Check{
		ID:       "LOG-001",
		Title:    "The API server writes an audit log under an audit policy",
		Domain:   check.DomainLogging,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S10.4", "S9.1"}, NIST: []string{"4.4.5"}, MLPS: []string{"G3b"},
			CIS: []string{"1.2.16", "3.2.1"},
		},
		Rationale: "The audit log is the only record of who created, changed or deleted which object and who read " +
			"Secrets; without it an incident cannot be traced to an identity. The check reads the kube-apiserver " +
			"mirror pods; managed control planes need a person to verify.",
		Remediation: "Start every kube-apiserver with --audit-policy-file (a policy that logs at least Metadata for " +
			"all requests and RequestResponse for RBAC and Secrets changes) and --audit-log-path or " +
			"--audit-webhook-config-file. On a managed cluster, enable the provider's audit logs and attest it.",
		Evaluate: logAuditEnabled,
	}
}

func logAuditEnabled(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("API server audit logging is a fact of a live control plane")}
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify that the provider's " +
			"audit logs are enabled (EKS control-plane logging \"audit\", GKE Cloud Audit Logs, AKS diagnostic setting " +
			"\"kube-audit\") and attest it")}
	}
	var out []check.Finding
	for _, api := range apiservers {
		var problems []string
		if api.Flags["audit-policy-file"] == "" {
			problems = append(problems, "no --audit-policy-file, so no request is audited")
		}
		if api.Flags["audit-log-path"] == "" && api.Flags["audit-webhook-config-file"] == "" {
			problems = append(problems, "neither --audit-log-path nor --audit-webhook-config-file, so audit events go nowhere")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver has %s", strings.Join(problems, " and ")))
		}
	}
	return out
}
