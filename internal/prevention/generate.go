// Package prevention turns a SecurityProfile into ValidatingAdmissionPolicies: one per workload
// check whose rule CEL can express, each bound to the profile's namespaces, so the API server
// stops new violations at admission. It is pure: it builds objects and talks to no cluster.
package prevention

import (
	"fmt"
	"sort"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// Labels and annotations of the generated objects.
const (
	// LabelManagedBy marks objects the operator created; the value is FieldManager.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// FieldManager is the operator's field manager and managed-by value.
	FieldManager = "kubeposture"
	// LabelProfile names the SecurityProfile a generated object belongs to.
	LabelProfile = "security.kubeposture.io/profile"
	// LabelCheck names the check a generated policy enforces.
	LabelCheck = "security.kubeposture.io/check"
	// LabelLevel is the level whose form of the check the policy enforces.
	LabelLevel = "security.kubeposture.io/level"
	// AnnotationExemptions lists, on a policy, the exemptions its match conditions leave out and
	// why they are accepted.
	AnnotationExemptions = "security.kubeposture.io/exemptions"
	// AnnotationTitle is the check's title.
	AnnotationTitle = "security.kubeposture.io/title"
)

// DocsURL is where the check catalog lives; a policy's message links the check's anchor in it.
const DocsURL = "https://github.com/kubeposture/kubeposture/blob/main/docs/checks.md"

// Input is what the generation reads from a profile.
type Input struct {
	// Profile is the SecurityProfile's name; it prefixes every generated object's name.
	Profile string
	// Options carry the level, the spec's check selection and the exemptions.
	Options benchmarks.Options
	// Params are the profile's parameters over the defaults.
	Params benchmarks.Params
	// NamespaceSelector and ExcludedNamespaces scope the bindings as they scope the audit;
	// Params.SystemNamespaces are always left out.
	NamespaceSelector  *metav1.LabelSelector
	ExcludedNamespaces []string
	// Checks are spec.prevention.checks: the check IDs and domains to prevent; empty means
	// every selected check that has a rule.
	Checks []string
	// Mode is the mode of every binding unless Modes names another for a check.
	Mode  securityv1alpha1.PreventionMode
	Modes map[string]securityv1alpha1.PreventionMode
	// ParamsNamespace is the namespace of the generated params ConfigMap.
	ParamsNamespace string
	// Now decides which exemptions have expired.
	Now time.Time
}

// Policy is the generated objects of one check.
type Policy struct {
	Check   benchmarks.Check
	Policy  *admissionregistrationv1.ValidatingAdmissionPolicy
	Binding *admissionregistrationv1.ValidatingAdmissionPolicyBinding
}

// Set is everything generated for a profile.
type Set struct {
	Policies []Policy
	// Params is the ConfigMap the policies read the profile's parameters from, or nil when no
	// policy needs it.
	Params *corev1.ConfigMap
	// Unsupported are the selected checks of spec.prevention.checks that have no admission rule.
	Unsupported []string
}

// Objects returns the generated objects in apply order: params first, then each policy before
// its binding.
func (s *Set) Objects() []metav1.Object {
	var out []metav1.Object
	if s.Params != nil {
		out = append(out, s.Params)
	}
	for _, p := range s.Policies {
		out = append(out, p.Policy, p.Binding)
	}
	return out
}

// Supported returns the IDs of the checks that have an admission rule, sorted.
func Supported() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rules() {
		if !seen[r.check] {
			seen[r.check] = true
			out = append(out, r.check)
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether the check has an admission rule.
func Has(id string) bool {
	for _, r := range rules() {
		if r.check == id {
			return true
		}
	}
	return false
}

// Partial says what part of the check its admission rule covers, or "" when it covers the whole
// check (or the check has no rule).
func Partial(id string) string {
	for _, r := range rules() {
		if r.check == id && r.partial != "" {
			return r.partial
		}
	}
	return ""
}

// ruleFor returns the form of the check that applies at level, if any.
func ruleFor(id string, level benchmarks.Level) (rule, bool) {
	var best rule
	found := false
	for _, r := range rules() {
		if r.check == id && r.minLevel <= level && (!found || r.minLevel > best.minLevel) {
			best, found = r, true
		}
	}
	return best, found
}

// PolicyName is the name of the policy and binding a profile gets for a check.
func PolicyName(profile, check string) string {
	return "kubeposture-" + profile + "-" + strings.ToLower(check)
}

// ParamsName is the name of the profile's params ConfigMap.
func ParamsName(profile string) string { return "kubeposture-" + profile + "-prevention" }

// Generate builds the policies, bindings and params of a profile. Checks the profile does not
// run (above its level, excluded) get no policy, so an L1 profile never enforces an L3 rule.
func Generate(in Input) (*Set, error) {
	if in.Profile == "" {
		return nil, fmt.Errorf("the profile name is empty")
	}
	if in.ParamsNamespace == "" {
		return nil, fmt.Errorf("the params namespace is empty")
	}
	selected := benchmarks.Select(benchmarks.All(), in.Options)
	set := &Set{}
	needParams := false
	for _, c := range selected {
		if len(in.Checks) > 0 && !selects(in.Checks, c) {
			continue
		}
		r, ok := ruleFor(c.ID, in.Options.Level)
		if !ok {
			if len(in.Checks) > 0 && containsString(in.Checks, c.ID) {
				set.Unsupported = append(set.Unsupported, c.ID)
			}
			continue
		}
		mode := in.Mode
		if m, ok := in.Modes[c.ID]; ok {
			mode = m
		}
		if mode == "" || mode == securityv1alpha1.PreventionDisabled {
			continue
		}
		pol, err := policyFor(in, c, r)
		if err != nil {
			return nil, err
		}
		set.Policies = append(set.Policies, Policy{Check: c, Policy: pol, Binding: bindingFor(in, c, r, mode)})
		needParams = needParams || r.params == profileParams
	}
	if needParams {
		cm, err := paramsFor(in)
		if err != nil {
			return nil, err
		}
		set.Params = cm
	}
	return set, nil
}

func selects(selectors []string, c benchmarks.Check) bool {
	for _, s := range selectors {
		if s == c.ID || s == string(c.Domain) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func labelsFor(in Input, c benchmarks.Check, r rule) map[string]string {
	return map[string]string{
		LabelManagedBy: FieldManager,
		LabelProfile:   in.Profile,
		LabelCheck:     c.ID,
		LabelLevel:     r.minLevel.String(),
	}
}

// Validation actions of each mode: Warn answers the client with a warning, Audit adds an
// audit-log annotation, Deny rejects (and is audited too).
func actionsFor(mode securityv1alpha1.PreventionMode) []admissionregistrationv1.ValidationAction {
	switch mode {
	case securityv1alpha1.PreventionDeny:
		return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny, admissionregistrationv1.Audit}
	case securityv1alpha1.PreventionAudit:
		return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn, admissionregistrationv1.Audit}
	}
	return []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
}

// ModeOf reads a binding's mode back from its validation actions.
func ModeOf(b *admissionregistrationv1.ValidatingAdmissionPolicyBinding) securityv1alpha1.PreventionMode {
	deny, audit := false, false
	for _, a := range b.Spec.ValidationActions {
		deny = deny || a == admissionregistrationv1.Deny
		audit = audit || a == admissionregistrationv1.Audit
	}
	switch {
	case deny:
		return securityv1alpha1.PreventionDeny
	case audit:
		return securityv1alpha1.PreventionAudit
	}
	return securityv1alpha1.PreventionWarn
}

// Manifests renders the set as a multi-document YAML stream in apply order, for teams that keep
// their admission policies in git.
func Manifests(s *Set) ([]byte, error) {
	var b strings.Builder
	for i, o := range s.Objects() {
		raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return nil, err
		}
		unstructured.RemoveNestedField(raw, "metadata", "creationTimestamp")
		unstructured.RemoveNestedField(raw, "status")
		doc, err := yaml.Marshal(raw)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(doc)
	}
	return []byte(b.String()), nil
}
