// Package prevention turns a SecurityProfile into ValidatingAdmissionPolicies: one per workload
// check whose rule CEL can express, each bound to the profile's namespaces, so the API server
// stops new violations at admission. It is pure: it builds objects and talks to no cluster.
package prevention

import (
	"fmt"
	"path"
	"regexp"
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

// podControllers are the kinds whose pod template a policy judges, with their resources.
var podControllers = []struct {
	group, version string
	resources      []string
	kinds          []string
}{
	{"", "v1", []string{"pods", "pods/ephemeralcontainers", "replicationcontrollers"}, []string{"Pod", "ReplicationController"}},
	{"apps", "v1", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}},
	{"batch", "v1", []string{"jobs", "cronjobs"}, []string{"Job", "CronJob"}},
}

// ControlledKinds are the kinds a generated policy judges through their pod template; an object
// a system controller creates from one of them (a Deployment's ReplicaSet, a ReplicaSet's Pod)
// was judged with its owner.
var ControlledKinds = []string{"Pod", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}

func resourceRules(r rule) []admissionregistrationv1.NamedRuleWithOperations {
	ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
	var out []admissionregistrationv1.NamedRuleWithOperations
	add := func(group, version string, resources []string, scope admissionregistrationv1.ScopeType) {
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: ops,
			Rule: admissionregistrationv1.Rule{APIGroups: []string{group}, APIVersions: []string{version},
				Resources: resources, Scope: &scope},
		}})
	}
	if !r.namespacesOnly {
		for _, pc := range podControllers {
			add(pc.group, pc.version, pc.resources, admissionregistrationv1.NamespacedScope)
		}
	}
	if r.namespaces {
		add("", "v1", []string{"namespaces"}, admissionregistrationv1.ClusterScope)
	}
	return out
}

// variableDefs are every variable a rule may use, in dependency order. Every one reads the
// object through dyn() so the same expression type-checks against Pods and each controller.
func variableDefs(p benchmarks.Params) []admissionregistrationv1.Variable {
	w := p.Workload
	return []admissionregistrationv1.Variable{
		{Name: "podSpec", Expression: "object.kind == 'Pod' ? dyn(object.spec) : " +
			"object.kind == 'CronJob' ? dyn(object.spec).jobTemplate.spec.template.spec : dyn(object.spec).template.spec"},
		{Name: "podMeta", Expression: "object.kind == 'Pod' ? dyn(object.metadata) : " +
			"object.kind == 'CronJob' ? dyn(object.spec).jobTemplate.spec.template.?metadata.orValue({}) : " +
			"dyn(object.spec).template.?metadata.orValue({})"},
		{Name: "containers", Expression: "variables.podSpec.?containers.orValue([]) + " +
			"variables.podSpec.?initContainers.orValue([]) + variables.podSpec.?ephemeralContainers.orValue([])"},
		{Name: "runAsContainers", Expression: runAsContainers(w)},
		{Name: "windows", Expression: "variables.podSpec.?os.?name.orValue('') == 'windows'"},
		{Name: "images", Expression: "variables.containers.map(c, c.?image.orValue(''))"},
		{Name: "imageNames", Expression: imageNames},
		{Name: "trustedRegistries", Expression: "params.data.?trustedRegistries.orValue('').split('\\n').filter(r, r != '')"},
		{Name: "forbiddenSELinux", Expression: celString(globsRegexp(w.ForbiddenSELinuxTypes))},
		{Name: "hostPaths", Expression: "variables.podSpec.?volumes.orValue([]).filter(v, has(v.hostPath)).map(v, " +
			"v.hostPath.path.size() > 1 && v.hostPath.path.endsWith('/') ? v.hostPath.path.substring(0, v.hostPath.path.size() - 1) : v.hostPath.path)"},
		{Name: "sensitivePaths", Expression: celList(cleanPaths(w.SensitiveHostPaths))},
		{Name: "socketNames", Expression: celList(socketRegexps(w.RuntimeSocketNames))},
		{Name: "socketPaths", Expression: celList(cleanPaths(w.RuntimeSocketPaths))},
		{Name: "hostPathAllowlist", Expression: "params.data.?hostPathAllowlist.orValue('').split('\\n').filter(e, e.contains('='))"},
	}
}

// runAsContainers are the containers WKL-005 judges: init containers are left out when
// ExemptInitContainersFromNonRoot is set, as S3.1 permits.
func runAsContainers(w benchmarks.WorkloadParams) string {
	if w.ExemptInitContainersFromNonRoot {
		return "variables.podSpec.?containers.orValue([]) + variables.podSpec.?ephemeralContainers.orValue([])"
	}
	return "variables.containers"
}

// imageNames normalises each image reference to registry/repository the way the container
// runtime resolves it: the first path element is a host only with a dot, a port or localhost;
// otherwise the image is on docker.io, with library/ for single-element names.
const imageNames = "variables.images.map(i, i.split('@')[0])" +
	".map(n, n.lastIndexOf(':') > n.lastIndexOf('/') ? n.substring(0, n.lastIndexOf(':')) : n)" +
	".map(m, m.contains('/') && (m.split('/')[0].contains('.') || m.split('/')[0].contains(':') || m.split('/')[0] == 'localhost') ? " +
	"m.split('/')[0].lowerAscii() + m.substring(m.indexOf('/')) : 'docker.io/' + m)" +
	".map(x, x.split('/')[0] in ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'] ? 'docker.io' + x.substring(x.indexOf('/')) : x)" +
	".map(x, x.startsWith('docker.io/') && !x.substring(10).contains('/') ? 'docker.io/library/' + x.substring(10) : x)"

// usedVariables returns the variables the validations reference, with their dependencies.
func usedVariables(p benchmarks.Params, r rule) []admissionregistrationv1.Variable {
	defs := variableDefs(p)
	var text strings.Builder
	for _, v := range r.validations {
		text.WriteString(v.expression)
		text.WriteString("\n")
	}
	need := map[string]bool{}
	for i := len(defs) - 1; i >= 0; i-- {
		if strings.Contains(text.String(), "variables."+defs[i].Name) || need[defs[i].Name] {
			need[defs[i].Name] = true
			text.WriteString(defs[i].Expression)
			// re-scan the earlier definitions for what this one references
			for j := i - 1; j >= 0; j-- {
				if strings.Contains(defs[i].Expression, "variables."+defs[j].Name) {
					need[defs[j].Name] = true
				}
			}
		}
	}
	var out []admissionregistrationv1.Variable
	for _, d := range defs {
		if need[d.Name] {
			out = append(out, d)
		}
	}
	return out
}

func policyFor(in Input, c benchmarks.Check, r rule) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	fail := admissionregistrationv1.Fail
	anchor := DocsURL + "#" + strings.ToLower(c.ID)
	var validations []admissionregistrationv1.Validation
	for _, v := range r.validations {
		validations = append(validations, admissionregistrationv1.Validation{
			Expression: v.expression,
			Message:    fmt.Sprintf("%s (%s): %s. See %s", c.ID, c.Title, v.message, anchor),
			Reason:     reasonPtr(metav1.StatusReasonForbidden),
		})
	}
	conditions := []admissionregistrationv1.MatchCondition{{
		Name: "not-created-from-a-judged-template",
		Expression: "!(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(o, " +
			"o.?controller.orValue(false) && o.kind in " + celList(ControlledKinds) + ") && " +
			"(request.userInfo.username == 'system:kube-controller-manager' || " +
			"request.userInfo.username.startsWith('system:serviceaccount:kube-system:')))",
	}}
	exempt, reasons := exemptionCondition(in, c.ID)
	annotations := map[string]string{AnnotationTitle: c.Title}
	if exempt != "" {
		conditions = append(conditions, admissionregistrationv1.MatchCondition{Name: "not-exempted", Expression: exempt})
		annotations[AnnotationExemptions] = reasons
	}
	pol := &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        PolicyName(in.Profile, c.ID),
			Labels:      labelsFor(in, c, r),
			Annotations: annotations,
		},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: resourceRules(r)},
			MatchConditions:  conditions,
			Variables:        usedVariables(in.Params, r),
			Validations:      validations,
		},
	}
	switch r.params {
	case profileParams:
		pol.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ConfigMap"}
	case defaultServiceAccount:
		pol.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ServiceAccount"}
	}
	return pol, nil
}

func reasonPtr(r metav1.StatusReason) *metav1.StatusReason { return &r }

func bindingFor(in Input, c benchmarks.Check, r rule, mode securityv1alpha1.PreventionMode) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	deny := admissionregistrationv1.DenyAction
	name := PolicyName(in.Profile, c.ID)
	b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labelsFor(in, c, r)},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: actionsFor(mode),
			MatchResources:    &admissionregistrationv1.MatchResources{NamespaceSelector: namespaceSelector(in)},
		},
	}
	switch r.params {
	case profileParams:
		b.Spec.ParamRef = &admissionregistrationv1.ParamRef{Name: ParamsName(in.Profile), Namespace: in.ParamsNamespace,
			ParameterNotFoundAction: &deny}
	case defaultServiceAccount:
		// No namespace: the API server reads the default ServiceAccount of the object's own
		// namespace.
		b.Spec.ParamRef = &admissionregistrationv1.ParamRef{Name: "default", ParameterNotFoundAction: &deny}
	}
	return b
}

// namespaceSelector scopes a binding as the audit is scoped: the profile's selector, without the
// system and excluded namespaces.
func namespaceSelector(in Input) *metav1.LabelSelector {
	sel := &metav1.LabelSelector{}
	if in.NamespaceSelector != nil {
		sel = in.NamespaceSelector.DeepCopy()
	}
	var out []string
	seen := map[string]bool{}
	for _, ns := range append(append([]string{}, in.Params.SystemNamespaces...), in.ExcludedNamespaces...) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	sort.Strings(out)
	if len(out) > 0 {
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: out,
		})
	}
	return sel
}

// exemptionCondition is a match condition leaving out the objects the check's active
// exemptions accept, and the exemptions with their reasons for the annotation.
func exemptionCondition(in Input, id string) (expr, reasons string) {
	var terms, notes []string
	for _, e := range in.Options.Exemptions {
		if e.CheckID != id || (e.Expires != nil && !in.Now.IsZero() && !in.Now.Before(*e.Expires)) {
			continue
		}
		var parts []string
		ns := e.Namespace
		if ns != "" && ns != "*" {
			parts = append(parts, "request.namespace == "+celString(ns))
		} else {
			ns = "*"
		}
		name := e.Name
		if name != "" && name != "*" {
			parts = append(parts, "object.metadata.?name.orValue('').matches("+celString(globRegexp(name))+")")
		} else {
			name = "*"
		}
		if len(parts) == 0 {
			parts = []string{"true"}
		}
		terms = append(terms, "("+strings.Join(parts, " && ")+")")
		notes = append(notes, fmt.Sprintf("%s/%s: %s", ns, name, e.Reason))
	}
	if len(terms) == 0 {
		return "", ""
	}
	return "!(" + strings.Join(terms, " || ") + ")", strings.Join(notes, "\n")
}

// paramsFor is the profile's parameters as the policies read them: lists are one entry a line,
// patterns are anchored regular expressions.
func paramsFor(in Input) (*corev1.ConfigMap, error) {
	p := in.Params
	var registries []string
	for _, e := range p.TrustedRegistries {
		if re := registryRegexp(e); re != "" {
			registries = append(registries, re)
		}
	}
	var allow []string
	for _, a := range p.Workload.HostPathAllowlist {
		ns := ""
		if a.Namespace != "" && a.Namespace != "*" {
			ns = globRegexp(a.Namespace)
		}
		allow = append(allow, ns+"="+cleanPath(a.Path))
	}
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ParamsName(in.Profile), Namespace: in.ParamsNamespace, Labels: map[string]string{
			LabelManagedBy: FieldManager, LabelProfile: in.Profile,
		}},
		Data: map[string]string{
			"trustedRegistries":   strings.Join(registries, "\n"),
			"hostPathAllowlist":   strings.Join(allow, "\n"),
			"classificationLabel": p.ClassificationLabel,
			"ownerLabel":          p.OwnerLabel,
			"exposureLabel":       p.ExposureLabel,
			"appLabel":            p.AppLabel,
			"placeholder":         p.Lifecycle.PlaceholderLabelValue,
		},
	}
	for _, re := range registries {
		if _, err := regexp.Compile(re); err != nil {
			return nil, fmt.Errorf("spec.parameters.trustedRegistries: %w", err)
		}
	}
	return cm, nil
}

// registryRegexp matches registry/repository names an entry of trustedRegistries covers: a host,
// a host/path prefix, or a wildcard pattern of either (* matches any run of characters).
func registryRegexp(entry string) string {
	e := strings.ToLower(strings.TrimSpace(entry))
	e = strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
	e = strings.TrimSuffix(e, "/")
	if e == "" {
		return ""
	}
	host, repo, hasPath := strings.Cut(e, "/")
	switch host {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		host = "docker.io"
	}
	if !hasPath || repo == "*" {
		return "^" + wildcardRegexp(host) + "/.+$"
	}
	return "^" + wildcardRegexp(host) + "/" + wildcardRegexp(repo) + "(/.*)?$"
}

// wildcardRegexp turns a pattern where * matches any run of characters and ? one character into
// a regular expression.
func wildcardRegexp(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// globRegexp turns a name pattern where * matches any run of characters into an anchored
// regular expression.
func globRegexp(p string) string { return "^" + wildcardRegexp(p) + "$" }

// globsRegexp is one anchored regular expression matching any of the glob patterns; with no
// patterns it matches nothing.
func globsRegexp(patterns []string) string {
	var parts []string
	for _, p := range patterns {
		if p != "" {
			parts = append(parts, wildcardRegexp(p))
		}
	}
	if len(parts) == 0 {
		return "^\\b\\B$"
	}
	return "^(" + strings.Join(parts, "|") + ")$"
}

func socketRegexps(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" && n != "*" {
			out = append(out, "(^|/)"+wildcardRegexp(n)+"$")
		}
	}
	return out
}

func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

func cleanPaths(ps []string) []string {
	var out []string
	for _, p := range ps {
		if c := cleanPath(p); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// celString quotes s as a CEL string literal.
func celString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}

func celList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = celString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
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
