package images

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/admission"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Trivy Operator report kinds and labels, and the Sigstore policy-controller kind.
const (
	imgVulnReportKind   = "VulnerabilityReport.aquasecurity.github.io"
	imgSecretReportKind = "ExposedSecretReport.aquasecurity.github.io"
	imgSbomReportKind   = "SbomReport.aquasecurity.github.io"
	imgSigstorePolicy   = "ClusterImagePolicy.policy.sigstore.dev"
	imgSigstoreInclude  = "policy.sigstore.dev/include"
)

// imgRegistryListed reports whether the image matches an entry of a registry list: a host, a
// host/path prefix, or a wildcard pattern of either.
func imgRegistryListed(ref imageref.Ref, entries []string) bool {
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		e = strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
		e = strings.TrimSuffix(e, "/")
		host, path, hasPath := strings.Cut(e, "/")
		if e == "" || !glob.Wildcard(imageref.NormalizeHost(host), ref.Registry) {
			continue
		}
		if !hasPath || path == "*" || ref.Repository == path || strings.HasPrefix(ref.Repository, path+"/") ||
			glob.Wildcard(path, ref.Repository) {
			return true
		}
	}
	return false
}

// imgContainer is one container of a workload with its parsed image.
type imgContainer struct {
	c    *corev1.Container
	kind check.ContainerKind
	ref  imageref.Ref
	err  error
}

// name names the container and its image in a message.
func (ic *imgContainer) name() string {
	return fmt.Sprintf("%s image %q", check.ContainerRef(ic.c, ic.kind), ic.c.Image)
}

// imgContainers lists a workload's containers. Scanner reports cover the pod template's
// containers, so the report checks leave out ephemeral debug containers (WKL-017 judges those).
func imgContainers(w *check.Workload, withEphemeral bool) []imgContainer {
	var out []imgContainer
	check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
		if kind == check.EphemeralContainer && !withEphemeral {
			return
		}
		ref, err := imageref.Parse(c.Image)
		out = append(out, imgContainer{c: c, kind: kind, ref: ref, err: err})
	})
	return out
}

// imgEachContainer returns an Evaluate function that reports each workload once with the
// problems judge finds in its container images; an unreadable image reference makes the finding
// an Error.
func imgEachContainer(judge func(s *check.Snapshot, env *check.Env, ref imageref.Ref) string) func(s *check.Snapshot, env *check.Env) []check.Finding {
	return func(s *check.Snapshot, env *check.Env) []check.Finding {
		var out []check.Finding
		workloads := env.Workloads(s)
		for i := range workloads {
			w := &workloads[i]
			var problems []string
			unreadable := false
			for _, ic := range imgContainers(w, true) {
				if ic.err != nil {
					unreadable = true
					problems = append(problems, fmt.Sprintf("%s cannot be parsed: %v", ic.name(), ic.err))
					continue
				}
				if p := judge(s, env, ic.ref); p != "" {
					problems = append(problems, ic.name()+" "+p)
				}
			}
			switch {
			case unreadable:
				out = append(out, check.Errorf(w.Ref, "%s", strings.Join(problems, "; ")))
			case len(problems) > 0:
				out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
}

func imgListContains(list, want string) bool {
	for _, v := range strings.Split(list, ",") {
		if strings.TrimSpace(v) == want {
			return true
		}
	}
	return false
}

// imgGate is one admission mechanism that enforces an image rule.
type imgGate struct {
	ref check.ObjectRef
	// covers reports whether the gate applies to pods of the namespace.
	covers func(ns *corev1.Namespace) bool
	// images reports whether the gate checks the image; nil means every image.
	images func(ref imageref.Ref) bool
}

// imgNamespaceCoverage reports each in-scope namespace that no gate covers; with no gate at all
// it returns the single finding none.
func imgNamespaceCoverage(s *check.Snapshot, env *check.Env, gates []imgGate, what string, none check.Finding) []check.Finding {
	if len(gates) == 0 {
		return []check.Finding{none}
	}
	var names []string
	for _, g := range gates {
		names = append(names, g.ref.String())
	}
	var out []check.Finding
	for _, ns := range env.Scope.Namespaces(s) {
		covered := false
		for _, g := range gates {
			covered = covered || g.covers(ns)
		}
		if !covered {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "no %s applies to this namespace (none of %s enforces here)",
				what, check.ContainerNames(names)))
		}
	}
	return out
}

func imgAnyForm(ref imageref.Ref, patterns []string, match func(pattern, s string) bool) bool {
	for _, p := range patterns {
		for _, f := range ref.Forms() {
			if match(p, f) {
				return true
			}
		}
	}
	return false
}

func imgUnique(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, v := range list {
		if i == 0 || v != list[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// imgSigstoreGate covers namespaces labelled for the policy-controller and the images of the
// ClusterImagePolicy's globs.
func imgSigstoreGate(cip *unstructured.Unstructured) imgGate {
	var globs []string
	images, _, _ := unstructured.NestedSlice(cip.Object, "spec", "images")
	for _, im := range images {
		if g, ok := unstruct.Map(im)["glob"].(string); ok {
			globs = append(globs, g)
		}
	}
	return imgGate{
		ref:    unstruct.Ref(cip),
		covers: func(ns *corev1.Namespace) bool { return ns.Labels[imgSigstoreInclude] == "true" },
		images: func(ref imageref.Ref) bool { return imgAnyForm(ref, globs, glob.Sigstore) },
	}
}

// imgKyvernoRules calls fn for every rule of the Kyverno ClusterPolicies and Policies that
// applies to pods or their controllers, with the policy's default failure action.
func imgKyvernoRules(s *check.Snapshot, fn func(pol *unstructured.Unstructured, rule map[string]any, policyAction string)) {
	for _, gk := range []string{"ClusterPolicy.kyverno.io", "Policy.kyverno.io"} {
		for _, pol := range s.ExtraObjects(gk) {
			action, _, _ := unstructured.NestedString(pol.Object, "spec", "validationFailureAction")
			rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "rules")
			for _, r := range rules {
				if rule := unstruct.Map(r); rule != nil && admission.KyvernoRuleMatchesPods(rule) {
					fn(pol, rule, action)
				}
			}
		}
	}
}

// imgKyvernoGate builds the gate of one Kyverno rule whose entry has failure action action
// (empty: the policy's). It reports whether the rule enforces anywhere; per-namespace overrides
// of the policy's action are applied in covers.
func imgKyvernoGate(pol *unstructured.Unstructured, rule map[string]any, action, policyAction string) (imgGate, bool) {
	type override struct {
		enforce bool
		nss     []string
		sel     *metav1.LabelSelector
	}
	var overrides []override
	if action == "" {
		list, _, _ := unstructured.NestedSlice(pol.Object, "spec", "validationFailureActionOverrides")
		for _, o := range list {
			m := unstruct.Map(o)
			a, _ := m["action"].(string)
			nss, _, _ := unstructured.NestedStringSlice(m, "namespaces")
			overrides = append(overrides, override{enforce: strings.EqualFold(a, "Enforce"), nss: nss, sel: imgLabelSelector(m["namespaceSelector"])})
		}
		action = policyAction
	}
	enforce := strings.EqualFold(action, "Enforce")
	enforcedSomewhere := enforce
	for _, o := range overrides {
		enforcedSomewhere = enforcedSomewhere || o.enforce
	}
	policyNS := pol.GetNamespace()
	g := imgGate{ref: unstruct.Ref(pol), covers: func(ns *corev1.Namespace) bool {
		if policyNS != "" && ns.Name != policyNS {
			return false
		}
		if !imgKyvernoMatches(rule["match"], ns) || imgKyvernoExcludes(rule["exclude"], ns) {
			return false
		}
		effective := enforce
		for _, o := range overrides {
			if (len(o.nss) > 0 && glob.WildcardAny(o.nss, ns.Name)) || (o.sel != nil && labelsel.Matches(o.sel, ns.Labels)) {
				effective = o.enforce
				break
			}
		}
		return effective
	}}
	return g, enforcedSomewhere
}

// imgKyvernoFilters returns the resource filters of a match or exclude block and whether all of
// them must apply.
func imgKyvernoFilters(block any) (filters []map[string]any, all bool) {
	m := unstruct.Map(block)
	if m == nil {
		return nil, false
	}
	for _, key := range []string{"any", "all"} {
		list, _, _ := unstructured.NestedSlice(m, key)
		for _, f := range list {
			filters = append(filters, unstruct.Map(f))
		}
		all = all || (key == "all" && len(list) > 0)
	}
	if _, ok := m["resources"]; ok {
		filters = append(filters, m)
	}
	return filters, all
}

// imgKyvernoMatches reports whether a rule's match block selects pods of the namespace.
func imgKyvernoMatches(block any, ns *corev1.Namespace) bool {
	filters, all := imgKyvernoFilters(block)
	if len(filters) == 0 {
		return false
	}
	for _, f := range filters {
		res := unstruct.Map(f["resources"])
		nss, _, _ := unstructured.NestedStringSlice(res, "namespaces")
		ok := (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && labelsel.Matches(labelsel.OrEverything(imgLabelSelector(res["namespaceSelector"])), ns.Labels)
		if ok && !all {
			return true
		}
		if !ok && all {
			return false
		}
	}
	return all
}

// imgKyvernoExcludes reports whether a rule's exclude block takes every pod of the namespace out.
// A filter narrowed by names, labels or subjects excludes only some pods and is not counted.
func imgKyvernoExcludes(block any, ns *corev1.Namespace) bool {
	filters, _ := imgKyvernoFilters(block)
	for _, f := range filters {
		res := unstruct.Map(f["resources"])
		if f["subjects"] != nil || f["roles"] != nil || f["clusterRoles"] != nil ||
			res["names"] != nil || res["name"] != nil || res["selector"] != nil || res["annotations"] != nil {
			continue
		}
		kinds, _, _ := unstructured.NestedStringSlice(res, "kinds")
		podKinds := len(kinds) == 0
		for _, k := range kinds {
			podKinds = podKinds || admission.PodKinds[k[strings.LastIndex(k, "/")+1:]]
		}
		if !podKinds {
			continue
		}
		nss, _, _ := unstructured.NestedStringSlice(res, "namespaces")
		sel := imgLabelSelector(res["namespaceSelector"])
		if len(nss) == 0 && sel == nil {
			if len(kinds) > 0 {
				return true // pods are excluded everywhere
			}
			continue
		}
		if (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && labelsel.Matches(labelsel.OrEverything(sel), ns.Labels) {
			return true
		}
	}
	return false
}

// imgLabelSelector reads a label selector from an unstructured value; nil when absent or
// unreadable.
func imgLabelSelector(v any) *metav1.LabelSelector {
	m := unstruct.Map(v)
	if m == nil {
		return nil
	}
	sel := &metav1.LabelSelector{}
	if err := unstruct.Decode(&unstructured.Unstructured{Object: m}, sel); err != nil {
		return nil
	}
	return sel
}

// imgGatekeeperGates returns the denying Gatekeeper constraints on pods whose kind contains one
// of the words, such as K8sAllowedRepos for "repo".
func imgGatekeeperGates(s *check.Snapshot, words ...string) []imgGate {
	var out []imgGate
	for _, gk := range s.ExtraKinds() {
		kind, group, _ := strings.Cut(gk, ".")
		if group != "constraints.gatekeeper.sh" {
			continue
		}
		relevant := false
		for _, w := range words {
			relevant = relevant || strings.Contains(strings.ToLower(kind), w)
		}
		if !relevant {
			continue
		}
		for _, c := range s.ExtraObjects(gk) {
			action, _, _ := unstructured.NestedString(c.Object, "spec", "enforcementAction")
			if !admission.GatekeeperConstraintAppliesToPods(c) ||
				!(action == "" || action == "deny" || (action == "scoped" && admission.GatekeeperScopedDeny(c))) {
				continue
			}
			match := unstruct.Map(unstruct.Map(c.Object["spec"])["match"])
			nss, _, _ := unstructured.NestedStringSlice(match, "namespaces")
			excluded, _, _ := unstructured.NestedStringSlice(match, "excludedNamespaces")
			sel := imgLabelSelector(match["namespaceSelector"])
			out = append(out, imgGate{ref: unstruct.Ref(c), covers: func(ns *corev1.Namespace) bool {
				return (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && !glob.WildcardAny(excluded, ns.Name) &&
					labelsel.Matches(labelsel.OrEverything(sel), ns.Labels)
			}})
		}
	}
	return out
}

// imgWebhookGates returns the fail-closed admission webhooks on pods whose configuration or
// webhook name matches a pattern; mutating webhooks count when withMutating is set.
func imgWebhookGates(s *check.Snapshot, patterns []string, withMutating bool) []imgGate {
	matches := func(names ...string) bool {
		for _, n := range names {
			if glob.WildcardAny(patterns, strings.ToLower(n)) {
				return true
			}
		}
		return false
	}
	var out []imgGate
	add := func(kind, config, name string, fp *admissionregistrationv1.FailurePolicyType,
		rules []admissionregistrationv1.RuleWithOperations, sel *metav1.LabelSelector) {
		if !matches(config, name) || !admission.FailClosed(fp) || !imgWebhookRulesCoverPods(rules) {
			return
		}
		out = append(out, imgGate{ref: check.ObjectRef{Kind: kind, Name: config}, covers: func(ns *corev1.Namespace) bool {
			return labelsel.Matches(labelsel.OrEverything(sel), ns.Labels)
		}})
	}
	for _, vwc := range s.ValidatingWebhookConfigurations {
		for _, wh := range vwc.Webhooks {
			add("ValidatingWebhookConfiguration", vwc.Name, wh.Name, wh.FailurePolicy, wh.Rules, wh.NamespaceSelector)
		}
	}
	if withMutating {
		for _, mwc := range s.MutatingWebhookConfigurations {
			for _, wh := range mwc.Webhooks {
				add("MutatingWebhookConfiguration", mwc.Name, wh.Name, wh.FailurePolicy, wh.Rules, wh.NamespaceSelector)
			}
		}
	}
	return out
}

// imgWebhookRulesCoverPods reports whether webhook rules see pods or their controllers created.
func imgWebhookRulesCoverPods(rules []admissionregistrationv1.RuleWithOperations) bool {
	for _, r := range rules {
		creates := false
		for _, op := range r.Operations {
			creates = creates || op == admissionregistrationv1.Create || op == admissionregistrationv1.OperationAll
		}
		if !creates {
			continue
		}
		for _, res := range r.Resources {
			if admission.PodResources[res] {
				return true
			}
		}
	}
	return false
}

// imgReports indexes one kind of Trivy Operator report by the container it was made for and by
// the image it describes, keeping the newest report for each key.
type imgReports struct {
	byOwner map[string]*unstructured.Unstructured
	byImage map[string]*unstructured.Unstructured
	count   int
}

func imgIndexReports(s *check.Snapshot, groupKind string) *imgReports {
	ix := &imgReports{byOwner: map[string]*unstructured.Unstructured{}, byImage: map[string]*unstructured.Unstructured{}}
	keep := func(m map[string]*unstructured.Unstructured, key string, r *unstructured.Unstructured) {
		if old, ok := m[key]; !ok || imgReportTime(r).After(imgReportTime(old)) {
			m[key] = r
		}
	}
	for _, r := range s.ExtraObjects(groupKind) {
		ix.count++
		l := r.GetLabels()
		ns := cmp.Or(l["trivy-operator.resource.namespace"], r.GetNamespace())
		if kind, name := l["trivy-operator.resource.kind"], l["trivy-operator.resource.name"]; kind != "" && name != "" {
			keep(ix.byOwner, ns+"/"+kind+"/"+name+"/"+l["trivy-operator.container.name"], r)
		}
		server, _, _ := unstructured.NestedString(r.Object, "report", "registry", "server")
		repo, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "repository")
		tag, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "tag")
		digest, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "digest")
		if repo == "" {
			continue
		}
		image := repo
		if server != "" {
			image = server + "/" + repo
		}
		ref, err := imageref.Parse(image)
		if err != nil {
			continue
		}
		if digest != "" {
			ref.Digest = digest
			keep(ix.byImage, ref.Key(), r)
			ref.Digest = ""
		}
		if tag != "" {
			ref.Tag = tag
			keep(ix.byImage, ref.Key(), r)
		}
	}
	return ix
}

// lookup finds the report for a workload container: by the owner labels Trivy Operator sets (a
// Deployment's reports name its ReplicaSets), else by the image.
func (ix *imgReports) lookup(s *check.Snapshot, w *check.Workload, ic *imgContainer) *unstructured.Unstructured {
	owners := []string{w.Ref.Kind + "/" + w.Ref.Name}
	if w.Ref.Kind == "Deployment" {
		for _, name := range check.Derived(s, replicaSetsByDeploymentKey{}, replicaSetsByDeployment)[w.Ref.Namespace+"/"+w.Ref.Name] {
			owners = append(owners, "ReplicaSet/"+name)
		}
	}
	var best *unstructured.Unstructured
	for _, o := range owners {
		r := ix.byOwner[w.Ref.Namespace+"/"+o+"/"+ic.c.Name]
		if r != nil && (ic.err != nil || imgReportDescribes(r, ic.ref)) && (best == nil || imgReportTime(r).After(imgReportTime(best))) {
			best = r
		}
	}
	if best != nil || ic.err != nil {
		return best
	}
	return ix.byImage[ic.ref.Key()]
}

// replicaSetsByDeploymentKey names the index, derived once per snapshot.
type replicaSetsByDeploymentKey struct{}

// replicaSetsByDeployment maps "namespace/name" of a Deployment to the names of the ReplicaSets
// it controls, in snapshot order.
func replicaSetsByDeployment(s *check.Snapshot) map[string][]string {
	out := map[string][]string{}
	for _, rs := range s.ReplicaSets {
		if owner := metav1.GetControllerOfNoCopy(rs); owner != nil && owner.Kind == "Deployment" {
			key := rs.Namespace + "/" + owner.Name
			out[key] = append(out[key], rs.Name)
		}
	}
	return out
}

// imgReportDescribes reports whether a report is about the image ref names. A report left over
// from an older ReplicaSet of a Deployment describes the image before the last rollout and must
// not stand for the current one. A report that does not name its image is taken at its word.
func imgReportDescribes(r *unstructured.Unstructured, ref imageref.Ref) bool {
	server, _, _ := unstructured.NestedString(r.Object, "report", "registry", "server")
	repo, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "repository")
	tag, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "tag")
	digest, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "digest")
	if repo == "" {
		return true
	}
	if server != "" {
		repo = server + "/" + repo
	}
	got, err := imageref.Parse(repo)
	if err != nil || got.Name() != ref.Name() {
		return false
	}
	if ref.Digest != "" && digest != "" {
		return digest == ref.Digest
	}
	return tag == "" || tag == cmp.Or(ref.Tag, "latest")
}

// imgReportTime is when the scanner last wrote the report.
func imgReportTime(r *unstructured.Unstructured) time.Time {
	if v, _, _ := unstructured.NestedString(r.Object, "report", "updateTimestamp"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return r.GetCreationTimestamp().Time
}

// imgReportPrelude handles what every report check decides first: manifests carry no reports,
// and without the report kind a person must verify scanning.
func imgReportPrelude(s *check.Snapshot, groupKind, what string) ([]check.Finding, bool) {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("scanner reports exist only in a live cluster")}, true
	}
	if !s.HasExtra(groupKind) {
		kind, _, _ := strings.Cut(groupKind, ".")
		return []check.Finding{check.Manualf("the cluster does not serve Trivy Operator's %s kind: %s, or install Trivy Operator", kind, what)}, true
	}
	return nil, false
}

// imgEachScanned calls judge for every pod-template container of every in-scope workload with
// its report (nil when none) and reports each workload once with the problems found.
func imgEachScanned(s *check.Snapshot, env *check.Env, ix *imgReports, judge func(w *check.Workload, ic *imgContainer, r *unstructured.Unstructured) string) []check.Finding {
	var out []check.Finding
	workloads := env.Workloads(s)
	for i := range workloads {
		w := &workloads[i]
		var problems []string
		for _, ic := range imgContainers(w, false) {
			if p := judge(w, &ic, ix.lookup(s, w, &ic)); p != "" {
				problems = append(problems, ic.name()+" "+p)
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}
