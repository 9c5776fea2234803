package workloads

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/admission"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func wkl028() check.Check {
	return check.Check{
		ID:       "WKL-028",
		Title:    "An admission policy layer enforces pod policies",
		Domain:   check.DomainWorkloads,
		Level:    check.L2,
		Severity: check.SeverityHigh,
		References: check.References{
			Standard: []string{"S1.6"}, NIST: []string{"4.1.2", "4.4.5"}, MLPS: []string{"G3b", "G4f"},
			CIS: []string{"5.2.1"},
		},
		Rationale: "Registry, signature and privilege rules only hold if admission rejects violating pods; " +
			"policies in audit mode or behind a fail-open webhook let them through when it matters. The " +
			"check needs one layer that denies, fails closed and applies to pods or their controllers.",
		Remediation: "Bind a ValidatingAdmissionPolicy with validationActions [Deny], or run Kyverno " +
			"(policies with failureAction Enforce) or Gatekeeper (constraints with enforcementAction deny) " +
			"with webhook failurePolicy Fail, covering privileged pods, image registries and signatures.",
		Reads:    []string{"*.constraints.gatekeeper.sh", "ClusterPolicy.kyverno.io", "Policy.kyverno.io", "ValidatingPolicy.policies.kyverno.io"},
		Evaluate: lcAdmissionLayer,
	}
}

// WKL-028.
func lcAdmissionLayer(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission configuration is a cluster-wide fact a manifest scan cannot see")}
	}
	var gaps, manual []check.Finding
	for _, layer := range []func(*check.Snapshot) (bool, []check.Finding){lcVAPLayer, lcKyvernoLayer, lcGatekeeperLayer} {
		enforcing, findings := layer(s)
		if enforcing {
			return nil
		}
		for _, f := range findings {
			if f.Result == check.Manual {
				manual = append(manual, f)
			} else {
				gaps = append(gaps, f)
			}
		}
	}
	if len(manual) > 0 {
		return manual
	}
	if len(gaps) > 0 {
		return gaps
	}
	return []check.Finding{check.Failf(check.ObjectRef{Kind: "ValidatingAdmissionPolicy"},
		"no admission policy layer: no ValidatingAdmissionPolicy is bound with Deny, and no Kyverno or Gatekeeper webhook is registered")}
}

// lcVAPLayer reports whether a ValidatingAdmissionPolicy that applies to pods is bound with Deny
// and fails closed, else the bindings and policies that fall short.
func lcVAPLayer(s *check.Snapshot) (bool, []check.Finding) {
	policies := map[string]*admissionregistrationv1.ValidatingAdmissionPolicy{}
	for _, p := range s.ValidatingAdmissionPolicies {
		policies[p.Name] = p
	}
	var gaps []check.Finding
	for _, b := range s.ValidatingAdmissionPolicyBindings {
		ref := check.ObjectRef{Kind: "ValidatingAdmissionPolicyBinding", Name: b.Name}
		p := policies[b.Spec.PolicyName]
		deny := false
		for _, a := range b.Spec.ValidationActions {
			deny = deny || a == admissionregistrationv1.Deny
		}
		switch {
		case p == nil:
			gaps = append(gaps, check.Failf(ref, "binds policy %q, which does not exist", b.Spec.PolicyName))
		case !admission.VAPCoversPods(p):
			continue // a policy about other resources is no pod policy layer, and no gap either
		case !deny:
			gaps = append(gaps, check.Failf(ref, "validationActions %v has no Deny: policy %q only warns or audits", b.Spec.ValidationActions, p.Name))
		case !admission.FailClosed(p.Spec.FailurePolicy):
			gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "ValidatingAdmissionPolicy", Name: p.Name}, "failurePolicy is Ignore: pods are admitted when the policy cannot be evaluated"))
		default:
			return true, nil
		}
	}
	return false, gaps
}

// lcEngineWebhooks reports whether a policy engine registers validating webhooks (recognised by
// its lower-case name in the configuration or webhook name) and whether any fails closed, with a
// finding for each that fails open.
func lcEngineWebhooks(s *check.Snapshot, engine string) (found, closed bool, open []check.Finding) {
	marker := strings.ToLower(engine)
	for _, vwc := range s.ValidatingWebhookConfigurations {
		for _, wh := range vwc.Webhooks {
			if !strings.Contains(vwc.Name, marker) && !strings.Contains(wh.Name, marker) {
				continue
			}
			found = true
			if admission.FailClosed(wh.FailurePolicy) {
				closed = true
			} else {
				open = append(open, check.Failf(check.ObjectRef{Kind: "ValidatingWebhookConfiguration", Name: vwc.Name},
					"webhook %q has failurePolicy Ignore: pods are admitted unchecked when %s is unavailable", wh.Name, engine))
			}
		}
	}
	return found, closed, open
}

// lcKyvernoLayer reports whether a fail-closed Kyverno webhook and a policy that enforces on pods
// are both present, else what falls short.
func lcKyvernoLayer(s *check.Snapshot) (bool, []check.Finding) {
	found, closed, open := lcEngineWebhooks(s, "Kyverno")
	if !found {
		return false, nil
	}
	if !closed {
		return false, open
	}
	kinds := []string{"ClusterPolicy.kyverno.io", "Policy.kyverno.io", "ValidatingPolicy.policies.kyverno.io"}
	seen := false
	var gaps []check.Finding
	for _, gk := range kinds {
		seen = seen || s.HasExtra(gk)
		for _, pol := range s.ExtraObjects(gk) {
			enforcing, applies := lcKyvernoPolicyEnforces(pol)
			if enforcing {
				return true, nil
			}
			if applies {
				gaps = append(gaps, check.Failf(check.ObjectRef{Kind: pol.GetKind(), Namespace: pol.GetNamespace(), Name: pol.GetName()},
					"policy applies to pods but only audits (validationFailureAction/failureAction is not Enforce)"))
			}
		}
	}
	if !seen {
		return false, []check.Finding{check.Manualf("a fail-closed Kyverno webhook is registered but Kyverno policies were not gathered: verify that a policy in Enforce mode covers pods")}
	}
	if len(gaps) == 0 {
		gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "Kyverno is installed but no policy validates pods or their controllers"))
	}
	return false, gaps
}

// lcKyvernoPolicyEnforces reports whether a Kyverno policy denies violating pods, and whether it
// applies to pods at all.
func lcKyvernoPolicyEnforces(pol *unstructured.Unstructured) (enforcing, applies bool) {
	if pol.GetKind() == "ValidatingPolicy" {
		actions, _, _ := unstructured.NestedStringSlice(pol.Object, "spec", "validationActions")
		rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "matchConstraints", "resourceRules")
		for _, r := range rules {
			res, _, _ := unstructured.NestedStringSlice(unstruct.Map(r), "resources")
			for _, x := range res {
				applies = applies || admission.PodResources[x]
			}
		}
		return applies && check.ContainsFold(actions, "Deny"), applies
	}
	policyAction, _, _ := unstructured.NestedString(pol.Object, "spec", "validationFailureAction")
	rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "rules")
	for _, r := range rules {
		rule := unstruct.Map(r)
		if !admission.KyvernoRuleMatchesPods(rule) {
			continue
		}
		var actions []string
		if v, ok := rule["validate"]; ok {
			a, _, _ := unstructured.NestedString(unstruct.Map(v), "failureAction")
			actions = append(actions, a)
		}
		verify, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, v := range verify {
			a, _, _ := unstructured.NestedString(unstruct.Map(v), "failureAction")
			actions = append(actions, a)
		}
		for _, a := range actions {
			applies = true
			if a == "" {
				a = policyAction // the rule inherits the policy's action; Kyverno's default is Audit
			}
			if strings.EqualFold(a, "Enforce") {
				return true, true
			}
		}
	}
	return false, applies
}

// lcGatekeeperLayer reports whether a fail-closed Gatekeeper webhook and a denying constraint that
// applies to pods are both present, else what falls short.
func lcGatekeeperLayer(s *check.Snapshot) (bool, []check.Finding) {
	found, closed, open := lcEngineWebhooks(s, "Gatekeeper")
	if !found {
		return false, nil
	}
	if !closed {
		return false, open
	}
	seen := false
	var gaps []check.Finding
	for _, gk := range s.ExtraKinds() {
		if !strings.HasSuffix(gk, ".constraints.gatekeeper.sh") {
			continue
		}
		seen = true
		for _, c := range s.ExtraObjects(gk) {
			if !admission.GatekeeperConstraintAppliesToPods(c) {
				continue
			}
			action, _, _ := unstructured.NestedString(c.Object, "spec", "enforcementAction")
			if action == "" || action == "deny" || (action == "scoped" && admission.GatekeeperScopedDeny(c)) {
				return true, nil
			}
			gaps = append(gaps, check.Failf(check.ObjectRef{Kind: c.GetKind(), Name: c.GetName()},
				"constraint applies to pods with enforcementAction %s, so it does not deny", action))
		}
	}
	if !seen {
		return false, []check.Finding{check.Manualf("a fail-closed Gatekeeper webhook is registered but no constraints were gathered: verify that a constraint with enforcementAction deny covers pods")}
	}
	if len(gaps) == 0 {
		gaps = append(gaps, check.Failf(check.ObjectRef{Kind: "Constraint"}, "Gatekeeper is installed but no constraint applies to pods or their controllers"))
	}
	return false, gaps
}
