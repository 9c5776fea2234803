package prevention

import (
	"fmt"
	"sort"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

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
