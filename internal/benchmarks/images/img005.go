package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img005() check.Check {
	return check.Check{
		ID:       "IMG-005",
		Title:    "Image signatures are verified at admission",
		Domain:   check.DomainImages,
		Level:    check.L3,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S3.7", "S6.2"}, NIST: []string{"4.1.5", "5.3", "7.2"}, MLPS: []string{"G6a"},
			CIS: []string{"5.5.1"},
		},
		Rationale: "Only a signature check at admission proves an image came from your pipeline unaltered. " +
			"Every running image must fall under an enforcing verifier: a Kyverno verifyImages rule, a " +
			"Sigstore ClusterImagePolicy in a namespace labelled " + imgSigstoreInclude + "=true, a " +
			"fail-closed Connaisseur webhook or a denying Ratify constraint.",
		Remediation: "Sign images in CI (cosign, Notation) and enforce verification: Kyverno verifyImages " +
			"with failureAction Enforce and imageReferences covering your registries, or Sigstore " +
			"policy-controller with a ClusterImagePolicy and the include label on every application namespace.",
		Reads:    []string{imgSigstorePolicy, "ClusterPolicy.kyverno.io", "Policy.kyverno.io"},
		Evaluate: imgSignatureVerification,
	}
}

// IMG-005.
func imgSignatureVerification(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	var gates []imgGate
	var audit []string
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		entries, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, e := range entries {
			entry := unstruct.Map(e)
			action, _, _ := unstructured.NestedString(entry, "failureAction")
			refs, _, _ := unstructured.NestedStringSlice(entry, "imageReferences")
			g, enforced := imgKyvernoGate(pol, rule, action, policyAction)
			if !enforced {
				audit = append(audit, unstruct.Ref(pol).String())
				continue
			}
			g.images = func(ref imageref.Ref) bool { return imgAnyForm(ref, refs, glob.Wildcard) }
			gates = append(gates, g)
		}
	})
	for _, cip := range s.ExtraObjects(imgSigstorePolicy) {
		mode, _, _ := unstructured.NestedString(cip.Object, "spec", "mode")
		if mode != "" && !strings.EqualFold(mode, "enforce") {
			audit = append(audit, unstruct.Ref(cip).String())
			continue
		}
		gates = append(gates, imgSigstoreGate(cip))
	}
	gates = append(gates, imgWebhookGates(s, []string{"*connaisseur*"}, true)...)
	gates = append(gates, imgGatekeeperGates(s, "ratify")...)
	if len(gates) == 0 {
		msg := "no admission policy verifies image signatures: no Kyverno verifyImages rule in Enforce mode, no Sigstore " +
			"ClusterImagePolicy in enforce mode, no fail-closed Connaisseur webhook and no denying Ratify constraint"
		if len(audit) > 0 {
			msg += fmt.Sprintf(" (%s only warn or audit)", check.ContainerNames(imgUnique(audit)))
		}
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "%s", msg)}
	}
	var out []check.Finding
	workloads := env.Workloads(s)
	for i := range workloads {
		w := &workloads[i]
		ns := s.Namespace(w.Ref.Namespace)
		if ns == nil {
			ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.Ref.Namespace}}
		}
		var problems []string
		for _, ic := range imgContainers(w, true) {
			verified := false
			for _, g := range gates {
				verified = verified || (g.covers(ns) && (g.images == nil || (ic.err == nil && g.images(ic.ref))))
			}
			if !verified {
				problems = append(problems, ic.name())
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "no enforcing signature verification covers %s", strings.Join(problems, ", ")))
		}
	}
	return out
}
