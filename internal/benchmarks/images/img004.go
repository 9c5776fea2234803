package images

import (
	"fmt"
	"regexp"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/admission"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func img004() check.Check {
	return check.Check{
		ID:       "IMG-004",
		Title:    "Admission enforces the registry allowlist in every namespace",
		Domain:   check.DomainImages,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S1.6"}, CIS: []string{"5.5.1"},
		},
		Rationale: "An allowlist that is only audited lets an untrusted image run the moment someone " +
			"deploys it. The check looks for a Kyverno policy with an image rule in Enforce mode, a " +
			"Gatekeeper allowed-repos/registries constraint that denies, or a ValidatingAdmissionPolicy on " +
			"images bound with Deny, and requires every in-scope namespace to be covered.",
		Remediation: "Deploy a registry restriction (Kyverno restrict-image-registries with failureAction " +
			"Enforce, Gatekeeper K8sAllowedRepos with enforcementAction deny, or a ValidatingAdmissionPolicy " +
			"bound with Deny) that matches pods in all application namespaces.",
		Reads:    []string{"*.constraints.gatekeeper.sh", "ClusterPolicy.kyverno.io", "Policy.kyverno.io"},
		Evaluate: imgRegistryEnforcement,
	}
}

// imgImageRule matches words for images in policy text: image, images, and image fields in CEL
// (c.image), but not imagePullPolicy.
var imgImageRule = regexp.MustCompile(`\bimages?\b`)

// imgMentionsImages reports whether a policy fragment reads images: a key or a string value
// names them. Messages are left out, since they describe rather than test.
func imgMentionsImages(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if k == "message" || k == "messageExpression" {
				continue
			}
			if imgImageRule.MatchString(k) || imgMentionsImages(val) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if imgMentionsImages(e) {
				return true
			}
		}
	case string:
		return imgImageRule.MatchString(t)
	}
	return false
}

// IMG-004.
func imgRegistryEnforcement(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	if len(env.Scope.Namespaces(s)) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	var gates []imgGate
	var audit []string
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		validate, ok := rule["validate"].(map[string]any)
		if !ok || !imgMentionsImages(validate) {
			return
		}
		action, _, _ := unstructured.NestedString(validate, "failureAction")
		if g, enforced := imgKyvernoGate(pol, rule, action, policyAction); enforced {
			gates = append(gates, g)
		} else {
			audit = append(audit, unstruct.Ref(pol).String())
		}
	})
	gates = append(gates, imgGatekeeperGates(s, "repo", "registr")...)
	gates = append(gates, imgVAPGates(s, func(p *admissionregistrationv1.ValidatingAdmissionPolicy) bool {
		for _, v := range p.Spec.Validations {
			if imgImageRule.MatchString(v.Expression) {
				return true
			}
		}
		return false
	})...)
	msg := "no admission policy enforces the registry allowlist: no Kyverno image rule in Enforce mode, no denying " +
		"Gatekeeper allowed-repos/registries constraint and no ValidatingAdmissionPolicy on images bound with Deny"
	if len(audit) > 0 {
		msg += fmt.Sprintf(" (%s only audit)", check.ContainerNames(imgUnique(audit)))
	}
	return imgNamespaceCoverage(s, env, gates, "enforcing registry policy", check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "%s", msg))
}

// imgVAPGates returns the ValidatingAdmissionPolicies on pods that relevant accepts, bound with
// Deny and failing closed, one gate per binding.
func imgVAPGates(s *check.Snapshot, relevant func(*admissionregistrationv1.ValidatingAdmissionPolicy) bool) []imgGate {
	policies := map[string]*admissionregistrationv1.ValidatingAdmissionPolicy{}
	for _, p := range s.ValidatingAdmissionPolicies {
		policies[p.Name] = p
	}
	var out []imgGate
	for _, b := range s.ValidatingAdmissionPolicyBindings {
		p := policies[b.Spec.PolicyName]
		deny := false
		for _, a := range b.Spec.ValidationActions {
			deny = deny || a == admissionregistrationv1.Deny
		}
		if p == nil || !deny || !admission.VAPCoversPods(p) || !admission.FailClosed(p.Spec.FailurePolicy) || !relevant(p) {
			continue
		}
		policySel := p.Spec.MatchConstraints.NamespaceSelector
		var bindingSel *metav1.LabelSelector
		if b.Spec.MatchResources != nil {
			bindingSel = b.Spec.MatchResources.NamespaceSelector
		}
		out = append(out, imgGate{ref: check.ObjectRef{Kind: "ValidatingAdmissionPolicyBinding", Name: b.Name}, covers: func(ns *corev1.Namespace) bool {
			return labelsel.Matches(labelsel.OrEverything(policySel), ns.Labels) && labelsel.Matches(labelsel.OrEverything(bindingSel), ns.Labels)
		}})
	}
	return out
}
