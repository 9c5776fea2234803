package remediation

import (
	"testing"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// TestAutoRemediationNamesAnAction keeps the catalog honest: a check that claims an automated
// remediation names, as a value, an action the API offers and the remediator implements.
func TestAutoRemediationNamesAnAction(t *testing.T) {
	known := map[securityv1alpha1.RemediationAction]bool{}
	for _, a := range []securityv1alpha1.RemediationAction{
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels,
		securityv1alpha1.ActionQuarantineNetworkPolicy, securityv1alpha1.ActionDisableDefaultServiceAccountAutomount,
		securityv1alpha1.ActionDeleteExpiredBootstrapTokens, securityv1alpha1.ActionDeleteTerminatedPods,
		securityv1alpha1.ActionLabelNamespaces,
	} {
		known[a] = true
	}
	for _, c := range benchmarks.All() {
		if c.AutoRemediation == "" {
			continue
		}
		if !known[c.AutoRemediation] {
			t.Errorf("%s claims automated remediation %q, which is not an action", c.ID, c.AutoRemediation)
		}
	}
}
