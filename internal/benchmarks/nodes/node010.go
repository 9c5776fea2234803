package nodes

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func node010() check.Check {
	return check.Check{
		ID:       "NODE-010",
		Title:    "Kubelets reject anonymous requests, authorize through the API server and close the read-only port",
		Domain:   check.DomainNodes,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S3.13"}, NIST: []string{"4.3.5"}, CIS: []string{"4.2.1", "4.2.2", "4.2.4"},
		},
		Rationale: "The kubelet API can run commands in every container of its node. With anonymous access or " +
			"AlwaysAllow authorization anyone who reaches port 10250 owns the node, and the read-only port " +
			"10255 leaks pod specs without any authentication.",
		Remediation: "In the kubelet configuration set authentication.anonymous.enabled: false, " +
			"authentication.webhook.enabled: true, authorization.mode: Webhook and readOnlyPort: 0, then restart " +
			"the kubelets (or roll the node pool).",
		Evaluate: nodeKubeletAuth,
	}
}

func nodeKubeletAuth(s *check.Snapshot, _ *check.Env) []check.Finding {
	return nodeKubelet(s, func(_ *corev1.Node, cfg *check.KubeletConfig) []string {
		var problems []string
		switch anon := cfg.Authentication.Anonymous.Enabled; {
		case anon == nil:
			problems = append(problems, "does not report authentication.anonymous.enabled, so anonymous access cannot be shown to be off")
		case *anon:
			problems = append(problems, "accepts anonymous requests (authentication.anonymous.enabled: true)")
		}
		switch wh := cfg.Authentication.Webhook.Enabled; {
		case wh == nil:
			problems = append(problems, "does not report authentication.webhook.enabled")
		case !*wh:
			problems = append(problems, "does not authenticate bearer tokens through the API server (authentication.webhook.enabled: false)")
		}
		if cfg.Authorization.Mode != "Webhook" {
			mode := cfg.Authorization.Mode
			if mode == "" {
				mode = "unset"
			}
			problems = append(problems, fmt.Sprintf("authorization.mode is %s, want Webhook", mode))
		}
		// readOnlyPort is omitted from /configz when it is 0 (omitempty in v1beta1).
		if p := cfg.ReadOnlyPort; p != nil && *p != 0 {
			problems = append(problems, fmt.Sprintf("serves the unauthenticated read-only port %d (readOnlyPort, want 0)", *p))
		}
		return nodeKubeletProblems(problems)
	})
}

// nodeKubeletProblems prefixes the problems of a kubelet so each reads as a sentence.
func nodeKubeletProblems(problems []string) []string {
	for i, p := range problems {
		if !strings.HasPrefix(p, "kubelet") {
			problems[i] = "kubelet " + p
		}
	}
	return problems
}
