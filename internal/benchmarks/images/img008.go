package images

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img008() check.Check {
	return check.Check{
		ID:         "IMG-008",
		Title:      "A vulnerability scan gate runs at admission",
		Domain:     check.DomainImages,
		Level:      check.L3,
		Severity:   check.SeverityMedium,
		References: check.References{NIST: []string{"4.1.1"}, MLPS: []string{"G4d"}},
		Rationale: "Level 3 requires images to be scanned before every deployment. That is enforced by a " +
			"scanner's admission webhook that fails closed, or by a policy that requires a signed " +
			"vulnerability-scan attestation, covering every in-scope namespace.",
		Remediation: "Enable the scanner's admission controller (e.g. StackRox, NeuVector, Aqua) with " +
			"failurePolicy: Fail, or attach cosign vuln attestations in CI and require them with a Kyverno " +
			"verifyImages attestation rule or a Sigstore ClusterImagePolicy.",
		Reads:    []string{imgSigstorePolicy, "ClusterPolicy.kyverno.io", "Policy.kyverno.io"},
		Evaluate: imgScanGate,
	}
}

// IMG-008.
func imgScanGate(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	if len(env.Scope.Namespaces(s)) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	gates := imgWebhookGates(s, env.Params.Images.ScanGateWebhooks, false)
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		entries, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, e := range entries {
			entry := unstruct.Map(e)
			if !imgRequiresVulnAttestation(entry["attestations"]) {
				continue
			}
			action, _, _ := unstructured.NestedString(entry, "failureAction")
			if g, enforced := imgKyvernoGate(pol, rule, action, policyAction); enforced {
				gates = append(gates, g)
			}
		}
	})
	for _, cip := range s.ExtraObjects(imgSigstorePolicy) {
		mode, _, _ := unstructured.NestedString(cip.Object, "spec", "mode")
		authorities, _, _ := unstructured.NestedSlice(cip.Object, "spec", "authorities")
		vuln := false
		for _, a := range authorities {
			vuln = vuln || imgRequiresVulnAttestation(unstruct.Map(a)["attestations"])
		}
		if vuln && (mode == "" || strings.EqualFold(mode, "enforce")) {
			gates = append(gates, imgSigstoreGate(cip))
		}
	}
	if len(gates) == 0 {
		for _, srv := range cpflags.KubeAPIServer(s) {
			if imgListContains(srv.Flags["enable-admission-plugins"], "ImagePolicyWebhook") {
				return []check.Finding{check.Manualf("the ImagePolicyWebhook admission plugin is enabled on %s: verify that its backend rejects "+
					"unscanned or vulnerable images and that defaultAllow is false in its admission configuration, and attest it", srv.Ref.Name)}
			}
		}
	}
	return imgNamespaceCoverage(s, env, gates, "fail-closed scan gate", check.Failf(check.ObjectRef{Kind: "ValidatingWebhookConfiguration"},
		"no deploy-time scan gate: no scanner admission webhook with failurePolicy Fail (names like %s) and no enforced "+
			"policy requiring a vulnerability-scan attestation", check.ContainerNames(env.Params.Images.ScanGateWebhooks)))
}

// imgRequiresVulnAttestation reports whether attestation requirements ask for a vulnerability
// scan predicate, such as cosign's https://cosign.sigstore.dev/attestation/vuln/v1.
func imgRequiresVulnAttestation(v any) bool {
	list, _ := v.([]any)
	for _, a := range list {
		m := unstruct.Map(a)
		for _, key := range []string{"type", "predicateType"} {
			if t, ok := m[key].(string); ok && strings.Contains(strings.ToLower(t), "vuln") {
				return true
			}
		}
	}
	return false
}
