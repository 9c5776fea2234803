// Package remediation computes the state every remediating profile wants (pure functions of a
// snapshot and the profiles) and makes the cluster match it with server-side apply, creating and
// deleting only objects it labelled as its own.
package remediation

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	psaapi "k8s.io/pod-security-admission/api"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/options"
)

// Names and markers of what remediation creates and owns.
const (
	// FieldManager is the server-side apply field manager of every change the operator makes.
	FieldManager = "kubeposture"
	// LabelManagedBy marks objects the operator created.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationProfiles lists, on an object the operator created, the profiles that want it.
	AnnotationProfiles = "security.kubeposture.io/profiles"
	// AnnotationManagedLabels lists, on a Namespace, the labels the operator set.
	AnnotationManagedLabels = "security.kubeposture.io/managed-labels"
	// AnnotationManagedFields lists, on a ServiceAccount, the fields the operator set.
	AnnotationManagedFields = "security.kubeposture.io/managed-fields"
	// AnnotationReviewRequired marks placeholder labels a person must replace.
	AnnotationReviewRequired = "security.kubeposture.io/review-required"
	// FinalizerRemediation lets a deleted profile revert its changes first.
	FinalizerRemediation = "security.kubeposture.io/remediation"
	// AnnotationReleaseFinalizer, set to "true" on a deleted profile whose revert is blocked,
	// removes FinalizerRemediation without reverting: the changes stay in the cluster.
	AnnotationReleaseFinalizer = "security.kubeposture.io/release-finalizer"

	policyDenyIngress = "kubeposture-default-deny-ingress"
	policyDenyEgress  = "kubeposture-default-deny-egress"
	policyAllowDNS    = "kubeposture-allow-dns"
	policyQuarantine  = "kubeposture-quarantine"
)

// Profile is a profile whose remediation is DryRun or Enabled, with its plan.
type Profile struct {
	name    string
	mode    securityv1alpha1.RemediationMode
	level   benchmarks.Level
	actions map[securityv1alpha1.RemediationAction]bool
	enforce bool
	egress  bool
	plan    options.Plan
}

// Profiles returns the profiles of list that remediate (DryRun or Enabled), sorted by name,
// except the one named excluding and those being deleted.
func Profiles(list []securityv1alpha1.SecurityProfile, excluding string) []Profile {
	var out []Profile
	for i := range list {
		p := &list[i]
		mode := p.Spec.Remediation.Mode
		if p.Name == excluding || !p.DeletionTimestamp.IsZero() || mode == "" || mode == securityv1alpha1.RemediationDisabled {
			continue
		}
		plan, err := options.For(&p.Spec)
		if err != nil {
			continue
		}
		rp := Profile{name: p.Name, mode: mode, level: plan.Options.Level, plan: plan,
			actions: map[securityv1alpha1.RemediationAction]bool{}, enforce: p.Spec.Remediation.EnforcePodSecurity,
			egress: p.Spec.Remediation.Egress || plan.Options.Level >= benchmarks.L3}
		for _, a := range p.Spec.Remediation.Actions {
			rp.actions[a] = true
		}
		out = append(out, rp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// wanters records which profiles want a change, and which of them apply it for real.
type wanters struct {
	profiles []string // every profile that wants the change, sorted
	applying []string // the Enabled ones among them, sorted
	enabled  bool     // len(applying) > 0
}

func (w *wanters) add(p Profile) {
	for _, n := range w.profiles {
		if n == p.name {
			return
		}
	}
	w.profiles = insertSorted(w.profiles, p.name)
	if p.mode == securityv1alpha1.RemediationEnabled {
		w.applying = insertSorted(w.applying, p.name)
		w.enabled = true
	}
}

// enabledOnes returns the wanters that apply the change.
func (w wanters) enabledOnes() wanters {
	return wanters{profiles: w.applying, applying: w.applying, enabled: w.enabled}
}

// dryRunOnes returns the wanters that only plan the change.
func (w wanters) dryRunOnes() wanters {
	var out wanters
	for _, n := range w.profiles {
		if !contains(w.applying, n) {
			out.profiles = append(out.profiles, n)
		}
	}
	return out
}

func insertSorted(list []string, s string) []string {
	i := sort.SearchStrings(list, s)
	list = append(list, "")
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

// desiredPolicy is a NetworkPolicy the operator wants to exist.
type desiredPolicy struct {
	action    securityv1alpha1.RemediationAction
	namespace string
	name      string
	spec      networkingv1.NetworkPolicySpec
	wanters
}

// desiredLabel is one namespace label the operator wants. The value to apply is merged over the
// Enabled profiles only: what a DryRun profile wants is planned and never applied, even when an
// Enabled profile applies a laxer value of the same label.
type desiredLabel struct {
	action  securityv1alpha1.RemediationAction
	value   string // merged over the Enabled profiles; "" when none wants the label
	wanters        // the Enabled profiles
	// planned is merged over the DryRun profiles, which dryRun names.
	planned string
	dryRun  wanters
}

// DesiredState is every change all remediating profiles want, merged.
type DesiredState struct {
	policies  map[string]*desiredPolicy           // namespace/name
	labels    map[string]map[string]*desiredLabel // namespace -> label -> value
	automount map[string]*wanters                 // namespace of a default ServiceAccount
	deletions []deletion
}

// deletion is an object a safe action deletes (expired bootstrap tokens, terminated pods).
type deletion struct {
	action securityv1alpha1.RemediationAction
	ref    benchmarks.ObjectRef
	uid    string
	reason string
	wanters
}

// Desired merges what every remediating profile wants, from one snapshot taken at now. It is
// pure.
func Desired(snap *benchmarks.Snapshot, now time.Time, profiles []Profile) DesiredState {
	d := DesiredState{policies: map[string]*desiredPolicy{}, labels: map[string]map[string]*desiredLabel{},
		automount: map[string]*wanters{}}
	userDenyIngress := userPolicies(snap, networkingv1.PolicyTypeIngress)
	userDenyEgress := userPolicies(snap, networkingv1.PolicyTypeEgress)
	deletions := map[string]*deletion{}
	for _, p := range profiles {
		for _, scoped := range p.plan.Scope.Namespaces(snap) {
			ns := scoped.Name
			if p.actions[securityv1alpha1.ActionDefaultDenyNetworkPolicy] {
				if !userDenyIngress[ns] {
					d.wantPolicy(p, securityv1alpha1.ActionDefaultDenyNetworkPolicy, ns, policyDenyIngress, denyIngressSpec())
				}
				if p.egress && !userDenyEgress[ns] {
					d.wantPolicy(p, securityv1alpha1.ActionDefaultDenyNetworkPolicy, ns, policyDenyEgress, denyEgressSpec())
					d.wantPolicy(p, securityv1alpha1.ActionDefaultDenyNetworkPolicy, ns, policyAllowDNS, allowDNSSpec())
				}
			}
			if p.actions[securityv1alpha1.ActionQuarantineNetworkPolicy] {
				d.wantPolicy(p, securityv1alpha1.ActionQuarantineNetworkPolicy, ns, policyQuarantine, quarantineSpec())
			}
			if p.actions[securityv1alpha1.ActionPodSecurityLabels] {
				level := string(psaapi.LevelBaseline)
				if p.level >= benchmarks.L2 {
					level = string(psaapi.LevelRestricted)
				}
				for _, mode := range []string{psaapi.WarnLevelLabel, psaapi.AuditLevelLabel} {
					d.wantLabel(p, securityv1alpha1.ActionPodSecurityLabels, ns, mode, level)
				}
				if p.enforce {
					d.wantLabel(p, securityv1alpha1.ActionPodSecurityLabels, ns, psaapi.EnforceLevelLabel, level)
				}
			}
			if p.actions[securityv1alpha1.ActionLabelNamespaces] {
				obj := snap.Namespace(ns)
				for _, key := range []string{p.plan.Params.ClassificationLabel, p.plan.Params.OwnerLabel} {
					// Missing, or the placeholder the operator set earlier and still holds.
					if obj != nil && (obj.Labels[key] == "" || managesLabel(obj, key)) {
						d.wantLabel(p, securityv1alpha1.ActionLabelNamespaces, ns, key, p.plan.Params.Lifecycle.PlaceholderLabelValue)
					}
				}
			}
			if p.actions[securityv1alpha1.ActionDisableDefaultServiceAccountAutomount] {
				want(d.automount, ns, p)
			}
		}
		if p.actions[securityv1alpha1.ActionDeleteTerminatedPods] {
			for _, pod := range terminatedPods(snap, now, p) {
				wantDeletion(deletions, p, securityv1alpha1.ActionDeleteTerminatedPods, pod)
			}
		}
		if p.actions[securityv1alpha1.ActionDeleteExpiredBootstrapTokens] {
			for _, tok := range expiredBootstrapTokens(snap, now) {
				wantDeletion(deletions, p, securityv1alpha1.ActionDeleteExpiredBootstrapTokens, tok)
			}
		}
	}
	keys := make([]string, 0, len(deletions))
	for k := range deletions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.deletions = append(d.deletions, *deletions[k])
	}
	return d
}

func want(m map[string]*wanters, key string, p Profile) {
	if m[key] == nil {
		m[key] = &wanters{}
	}
	m[key].add(p)
}

func wantDeletion(m map[string]*deletion, p Profile, action securityv1alpha1.RemediationAction, del deletion) {
	key := del.ref.String()
	if m[key] == nil {
		del.action = action
		m[key] = &del
	}
	m[key].add(p)
}

func (d *DesiredState) wantPolicy(p Profile, action securityv1alpha1.RemediationAction, ns, name string, spec networkingv1.NetworkPolicySpec) {
	key := ns + "/" + name
	if d.policies[key] == nil {
		d.policies[key] = &desiredPolicy{action: action, namespace: ns, name: name, spec: spec}
	}
	d.policies[key].add(p)
}

// wantLabel merges a wanted label value, separately for Enabled and DryRun profiles; for Pod
// Security levels the stricter one wins.
func (d *DesiredState) wantLabel(p Profile, action securityv1alpha1.RemediationAction, ns, key, value string) {
	if d.labels[ns] == nil {
		d.labels[ns] = map[string]*desiredLabel{}
	}
	cur := d.labels[ns][key]
	if cur == nil {
		cur = &desiredLabel{action: action}
		d.labels[ns][key] = cur
	}
	if p.mode == securityv1alpha1.RemediationEnabled {
		if len(cur.wanters.profiles) == 0 || psaStricter(value, cur.value) {
			cur.value = value
		}
		cur.wanters.add(p)
		return
	}
	if len(cur.dryRun.profiles) == 0 || psaStricter(value, cur.planned) {
		cur.planned = value
	}
	cur.dryRun.add(p)
}

// managesLabel reports whether the operator set the namespace label (its marker annotation).
func managesLabel(ns *corev1.Namespace, key string) bool {
	for _, k := range strings.Split(ns.Annotations[AnnotationManagedLabels], ",") {
		if k == key {
			return true
		}
	}
	return false
}

// psaStricter reports whether Pod Security level a is stricter than b.
func psaStricter(a, b string) bool {
	rank := map[string]int{string(psaapi.LevelPrivileged): 1, string(psaapi.LevelBaseline): 2, string(psaapi.LevelRestricted): 3}
	return rank[a] > rank[b]
}

// userPolicies returns the namespaces that have a default-deny policy for direction t which the
// operator did not create.
func userPolicies(snap *benchmarks.Snapshot, t networkingv1.PolicyType) map[string]bool {
	out := map[string]bool{}
	for _, np := range snap.NetworkPolicies {
		if np.Labels[LabelManagedBy] != FieldManager && benchmarks.IsDefaultDeny(np, t) {
			out[np.Namespace] = true
		}
	}
	return out
}

func denyIngressSpec() networkingv1.NetworkPolicySpec {
	return networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}
}

func denyEgressSpec() networkingv1.NetworkPolicySpec {
	return networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}
}

func allowDNSSpec() networkingv1.NetworkPolicySpec {
	udp, tcp := corev1.ProtocolUDP, corev1.ProtocolTCP
	port := intstr.FromInt32(53)
	return networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		Egress: []networkingv1.NetworkPolicyEgressRule{{
			To: []networkingv1.NetworkPolicyPeer{{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: metav1.NamespaceSystem}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			}},
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &port}, {Protocol: &tcp, Port: &port}},
		}},
	}
}

func quarantineSpec() networkingv1.NetworkPolicySpec {
	return networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{benchmarks.LabelQuarantine: "true"}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
	}
}

// terminatedPods are finished pods in the profile's scope older than its terminatedPodMaxAge.
func terminatedPods(snap *benchmarks.Snapshot, now time.Time, p Profile) []deletion {
	var out []deletion
	for _, pod := range snap.Pods {
		if (pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed) || !p.plan.Scope.InScope(snap, pod.Namespace) {
			continue
		}
		var finished time.Time
		for _, cs := range pod.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil && t.FinishedAt.After(finished) {
				finished = t.FinishedAt.Time
			}
		}
		if finished.IsZero() {
			finished = pod.CreationTimestamp.Time
		}
		if age := now.Sub(finished); age > p.plan.Params.TerminatedPodMaxAge {
			out = append(out, deletion{ref: benchmarks.ObjectRef{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}, uid: string(pod.UID),
				reason: fmt.Sprintf("pod %s %s ago", strings.ToLower(string(pod.Status.Phase)), age.Round(60e9))})
		}
	}
	return out
}

// expiredBootstrapTokens are bootstrap-token Secrets in kube-system whose expiration has passed.
func expiredBootstrapTokens(snap *benchmarks.Snapshot, now time.Time) []deletion {
	var out []deletion
	for _, sec := range snap.Secrets {
		if sec.Type != corev1.SecretTypeBootstrapToken || sec.Namespace != metav1.NamespaceSystem {
			continue
		}
		facts, ok := benchmarks.Facts(&sec.ObjectMeta)
		if !ok || facts.TokenExpiration == nil || facts.TokenExpiration.After(now) {
			continue
		}
		out = append(out, deletion{ref: benchmarks.ObjectRef{Kind: "Secret", Namespace: sec.Namespace, Name: sec.Name}, uid: string(sec.UID),
			reason: "bootstrap token expired on " + facts.TokenExpiration.UTC().Format("2006-01-02 15:04")})
	}
	return out
}

// Result is the outcome of one change, attributed to the profiles that wanted it.
type Result struct {
	Status securityv1alpha1.RemediationActionStatus
	// Profiles wanted the change; none for a revert of what no profile wants any more.
	Profiles []string
}

// Outcome collects the results of one remediation pass.
type Outcome struct {
	mu      sync.Mutex
	Results []Result
	// Stale: the pass did not run, because its snapshot predates another pass's changes.
	Stale bool
}

func (o *Outcome) add(w wanters, action securityv1alpha1.RemediationAction, ref benchmarks.ObjectRef, state securityv1alpha1.RemediationState, msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.Results = append(o.Results, Result{Profiles: w.profiles, Status: securityv1alpha1.RemediationActionStatus{
		Action: action, State: state, Message: benchmarks.Truncate(msg, 512),
		Object: securityv1alpha1.ObjectReference{Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name},
	}})
}

// ForProfile returns the results of the actions the profile wanted.
func (o *Outcome) ForProfile(name string) []securityv1alpha1.RemediationActionStatus {
	var out []securityv1alpha1.RemediationActionStatus
	for _, r := range o.Results {
		for _, p := range r.Profiles {
			if p == name {
				out = append(out, r.Status)
				break
			}
		}
	}
	return out
}

// policySatisfied reports whether an existing operator-created policy already matches: the
// same profiles and exactly the wanted spec. A rule someone added (an `ingress: [{}]` that
// allows everything) makes it differ, so it is restored rather than reported in place.
func policySatisfied(existing *networkingv1.NetworkPolicy, d *desiredPolicy) bool {
	return existing.Labels[LabelManagedBy] == FieldManager &&
		existing.Annotations[AnnotationProfiles] == strings.Join(d.applying, ",") &&
		equality.Semantic.DeepEqual(d.spec, existing.Spec)
}

// Status builds a profile's bounded remediation status.
func Status(actions []securityv1alpha1.RemediationActionStatus) *securityv1alpha1.RemediationStatus {
	st := &securityv1alpha1.RemediationStatus{}
	for _, a := range actions {
		switch a.State {
		case securityv1alpha1.StatePlanned:
			st.Planned++
		case securityv1alpha1.StateApplied:
			st.Applied++
		case securityv1alpha1.StateInPlace:
			st.InPlace++
		case securityv1alpha1.StateConflict:
			st.Conflicts++
		case securityv1alpha1.StateBlocked:
			st.Blocked++
		case securityv1alpha1.StateFailed:
			st.Failed++
		}
	}
	rank := map[securityv1alpha1.RemediationState]int{
		securityv1alpha1.StateConflict: 0, securityv1alpha1.StateFailed: 0, securityv1alpha1.StateBlocked: 1,
		securityv1alpha1.StateApplied: 2, securityv1alpha1.StatePlanned: 2, securityv1alpha1.StateInPlace: 3,
	}
	sorted := append([]securityv1alpha1.RemediationActionStatus(nil), actions...)
	// Changes are made in parallel: sort completely so the same outcome gives the same status.
	sort.SliceStable(sorted, func(i, j int) bool {
		if ri, rj := rank[sorted[i].State], rank[sorted[j].State]; ri != rj {
			return ri < rj
		}
		return ActionKey(sorted[i]) < ActionKey(sorted[j])
	})
	if len(sorted) > 20 {
		sorted = sorted[:20]
	}
	st.Actions = sorted
	return st
}

// OwnsChanges reports whether the snapshot holds any change the operator made.
func OwnsChanges(snap *benchmarks.Snapshot) bool {
	for _, np := range snap.NetworkPolicies {
		if np.Labels[LabelManagedBy] == FieldManager {
			return true
		}
	}
	for _, ns := range snap.Namespaces {
		if ns.Annotations[AnnotationManagedLabels] != "" {
			return true
		}
	}
	for _, sa := range snap.ServiceAccounts {
		if sa.Annotations[AnnotationManagedFields] != "" {
			return true
		}
	}
	return false
}

// ActionKey identifies one reported change: action, object and message.
func ActionKey(a securityv1alpha1.RemediationActionStatus) string {
	return string(a.Action) + "|" + a.Object.Kind + "|" + a.Object.Namespace + "|" + a.Object.Name + "|" + a.Message
}
