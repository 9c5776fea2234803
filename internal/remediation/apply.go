package remediation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	psaapi "k8s.io/pod-security-admission/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// Remediator applies a desired state with server-side apply under FieldManager. It only creates
// and deletes objects it labelled as its own, and only sets fields on other objects that no
// other field manager owns: a conflict is reported, never forced.
type Remediator struct {
	// Client writes to the API server (uncached); its REST config must send warnings to
	// WarningCollector so Pod Security dry runs can be read.
	Client client.Client
	// Parallelism bounds the concurrent API requests of one pass; zero means
	// DefaultParallelism.
	Parallelism int

	// mu serializes passes: every pass works on the objects of every remediating profile, so
	// profiles reconciled concurrently never race on a shared object.
	mu        sync.Mutex
	once      sync.Once
	cache     dryRunCache
	writes    atomic.Uint64 // passes that changed the cluster
	passWrote atomic.Bool   // the current pass changed the cluster
	dryRuns   atomic.Uint64 // server-side dry runs sent
}

var dryRunsTotal = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "kubeposture_remediation_dry_runs_total",
	Help: "Server-side dry runs sent by remediation (results cached by content are not sent again).",
})

func init() { metrics.Registry.MustRegister(dryRunsTotal) }

// DefaultParallelism is how many API requests one remediation pass sends at once.
const DefaultParallelism = 16

// Writes counts the remediation passes that changed the cluster. A snapshot gathered before a
// pass that changed the cluster is stale for remediation.
func (r *Remediator) Writes() uint64 { return r.writes.Load() }

// DryRuns counts the server-side dry runs sent (cached ones are not sent again).
func (r *Remediator) DryRuns() uint64 { return r.dryRuns.Load() }

// wrote marks the current pass as one that changed the cluster, when a write succeeded.
func (r *Remediator) wrote(err error) {
	if err == nil {
		r.passWrote.Store(true)
	}
}

// each runs fn for 0..n-1 with at most Parallelism at once.
func (r *Remediator) each(n int, fn func(i int)) {
	limit := r.Parallelism
	if limit <= 0 {
		limit = DefaultParallelism
	}
	var g errgroup.Group
	g.SetLimit(limit)
	for i := 0; i < n; i++ {
		g.Go(func() error { fn(i); return nil })
	}
	_ = g.Wait()
}

// WarningCollector hands API warnings to the collector stored in the request's context.
type WarningCollector struct{}

type warningsKey struct{}

type warningList struct {
	mu    sync.Mutex
	texts []string
}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (WarningCollector) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warningList); ok {
		w.mu.Lock()
		w.texts = append(w.texts, text)
		w.mu.Unlock()
	}
}

// Apply makes the cluster match d, as far as ownership allows, and reports every action.
// seen is Writes() from before snap was gathered: when another pass changed the cluster since,
// snap is stale, and Apply returns nil without acting (the changes' watch events bring a new
// audit).
func (r *Remediator) Apply(ctx context.Context, seen uint64, snap *benchmarks.Snapshot, d DesiredState) *Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writes.Load() != seen {
		return nil
	}
	r.once.Do(func() { r.cache.next = map[string]dryRunResult{} })
	r.cache.rotate()
	r.passWrote.Store(false)
	out := &Outcome{}
	r.applyPolicies(ctx, snap, d, out)
	r.applyNamespaceLabels(ctx, snap, d, out)
	r.applyAutomount(ctx, snap, d, out)
	r.applyDeletions(ctx, d, out)
	if r.passWrote.Load() {
		r.writes.Add(1)
	}
	return out
}

// apply server-side applies obj as FieldManager. force takes over fields of objects the
// operator created itself (an earlier version may have written them another way); it is never
// used on objects the operator does not own.
func (r *Remediator) apply(ctx context.Context, obj runtime.Object, dryRun bool, force ...bool) error {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	opts := []client.ApplyOption{client.FieldOwner(FieldManager)}
	if len(force) > 0 && force[0] {
		opts = append(opts, client.ForceOwnership)
	}
	if dryRun {
		opts = append(opts, client.DryRunAll)
	}
	err = r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), opts...)
	if !dryRun {
		r.wrote(err)
	}
	return err
}

func (r *Remediator) applyPolicies(ctx context.Context, snap *benchmarks.Snapshot, d DesiredState, out *Outcome) {
	existing := map[string]*networkingv1.NetworkPolicy{}
	for _, np := range snap.NetworkPolicies {
		existing[np.Namespace+"/"+np.Name] = np
	}
	keys := make([]string, 0, len(d.policies))
	for k := range d.policies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	r.each(len(keys), func(i int) {
		key := keys[i]
		want := d.policies[key]
		ref := benchmarks.ObjectRef{Kind: "NetworkPolicy", Namespace: want.namespace, Name: want.name}
		cur := existing[key]
		if cur != nil && cur.Labels[LabelManagedBy] != FieldManager {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateConflict,
				"A NetworkPolicy of this name exists and was not created by kubeposture; it is left untouched.")
			return
		}
		dry := want.dryRunOnes()
		if want.enabled && cur != nil && policySatisfied(cur, want) {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateInPlace, "In place.")
			return
		}
		np := &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: want.name, Namespace: want.namespace,
				Labels:      map[string]string{LabelManagedBy: FieldManager},
				Annotations: map[string]string{AnnotationProfiles: strings.Join(want.applying, ",")}},
			Spec: want.spec,
		}
		if !want.enabled {
			err := r.dryRun(ctx, np, resourceVersion(cur))
			out.add(want.wanters, want.action, ref, stateOf(err, securityv1alpha1.StatePlanned),
				messageOf(err, "Would create "+describePolicy(want.name)+" (validated by a server-side dry run)."))
			return
		}
		verb, err := "Created", error(nil)
		switch {
		case cur == nil:
			err = r.apply(ctx, np, false)
		case !equality.Semantic.DeepEqual(cur.Spec, want.spec):
			// Someone changed the spec of the operator's own policy: restore all of it. An
			// apply would keep rules another field manager added, so the spec is replaced.
			verb = "Restored"
			err = r.restorePolicy(ctx, cur, np)
		default:
			verb = "Updated"
			err = r.apply(ctx, np, false, true)
		}
		if err != nil {
			out.add(want.enabledOnes(), want.action, ref, securityv1alpha1.StateFailed, "The API server refused it: "+err.Error())
		} else {
			msg := verb + " " + describePolicy(want.name) + "."
			if verb == "Restored" {
				msg = "Restored " + describePolicy(want.name) + ": its spec had been changed (" + benchmarks.Truncate(specDiff(cur.Spec), 200) + ")."
			}
			out.add(want.enabledOnes(), want.action, ref, securityv1alpha1.StateApplied, msg)
		}
		if len(dry.profiles) > 0 {
			out.add(dry, want.action, ref, stateOf(err, securityv1alpha1.StateInPlace), messageOf(err, "Kept in place by "+strings.Join(want.applying, ", ")+"."))
		}
	})
	// Revert: policies the operator created that no enabled profile wants any more.
	var unwanted []*networkingv1.NetworkPolicy
	for key, np := range existing {
		if want := d.policies[key]; np.Labels[LabelManagedBy] == FieldManager && ownPolicyName(np.Name) && (want == nil || !want.enabled) {
			unwanted = append(unwanted, np)
		}
	}
	r.each(len(unwanted), func(i int) {
		np := unwanted[i]
		err := r.Client.Delete(ctx, np, client.Preconditions{UID: &np.UID})
		r.wrote(err)
		if err != nil && !apierrors.IsNotFound(err) {
			out.add(wanters{}, securityv1alpha1.ActionDefaultDenyNetworkPolicy, benchmarks.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name},
				securityv1alpha1.StateFailed, "Removing a policy no profile wants any more failed: "+err.Error())
		}
	})
}

// restorePolicy replaces the spec of the operator's own policy with the wanted one, keeping the
// labels and annotations others added. The resource version of the snapshot is a precondition:
// a policy changed since is restored at the next audit (remediation may update, not get).
func (r *Remediator) restorePolicy(ctx context.Context, cur, want *networkingv1.NetworkPolicy) error {
	np := cur.DeepCopy()
	np.Spec = want.Spec
	if np.Annotations == nil {
		np.Annotations = map[string]string{}
	}
	np.Labels[LabelManagedBy] = FieldManager
	np.Annotations[AnnotationProfiles] = want.Annotations[AnnotationProfiles]
	err := r.Client.Update(ctx, np, client.FieldOwner(FieldManager))
	r.wrote(err)
	if apierrors.IsConflict(err) {
		// Changed since the snapshot; its watch event brings the audit that restores it.
		return fmt.Errorf("the NetworkPolicy changed while being restored; it is restored at the next audit: %w", err)
	}
	return err
}

// specDiff names what a policy allows beyond denying, for the restore message.
func specDiff(spec networkingv1.NetworkPolicySpec) string {
	var parts []string
	if len(spec.Ingress) > 0 {
		parts = append(parts, fmt.Sprintf("%d ingress rules", len(spec.Ingress)))
	}
	if len(spec.Egress) > 0 {
		parts = append(parts, fmt.Sprintf("%d egress rules", len(spec.Egress)))
	}
	var types []string
	for _, t := range spec.PolicyTypes {
		types = append(types, string(t))
	}
	parts = append(parts, "policyTypes "+strings.Join(types, ","))
	if sel := metav1.FormatLabelSelector(&spec.PodSelector); sel != "<none>" {
		parts = append(parts, "podSelector "+sel)
	}
	return strings.Join(parts, ", ")
}

func ownPolicyName(name string) bool {
	switch name {
	case policyDenyIngress, policyDenyEgress, policyAllowDNS, policyQuarantine:
		return true
	}
	return false
}

func describePolicy(name string) string {
	switch name {
	case policyDenyIngress:
		return "a default-deny ingress NetworkPolicy"
	case policyDenyEgress:
		return "a default-deny egress NetworkPolicy"
	case policyAllowDNS:
		return "a NetworkPolicy allowing DNS egress to kube-dns"
	case policyQuarantine:
		return "a NetworkPolicy isolating pods labelled " + benchmarks.LabelQuarantine + "=true"
	}
	return "a NetworkPolicy"
}

// applyNamespaceLabels sets the wanted labels each namespace lacks and removes the ones the
// operator set that no enabled profile wants any more.
func (r *Remediator) applyNamespaceLabels(ctx context.Context, snap *benchmarks.Snapshot, d DesiredState, out *Outcome) {
	names := map[string]bool{}
	for ns := range d.labels {
		names[ns] = true
	}
	for _, ns := range snap.Namespaces {
		if ns.Annotations[AnnotationManagedLabels] != "" {
			names[ns.Name] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	r.each(len(sorted), func(i int) {
		name := sorted[i]
		if obj := snap.Namespace(name); obj != nil {
			r.applyLabels(ctx, snap, obj, d.labels[name], out)
		}
	})
}

func (r *Remediator) applyLabels(ctx context.Context, snap *benchmarks.Snapshot, ns *corev1.Namespace, wanted map[string]*desiredLabel, out *Outcome) {
	ref := benchmarks.ObjectRef{Kind: "Namespace", Name: ns.Name}
	managed := map[string]bool{}
	for _, k := range strings.Split(ns.Annotations[AnnotationManagedLabels], ",") {
		if k != "" {
			managed[k] = true
		}
	}
	own := map[string]string{} // labels to hold with the Enabled profiles' values
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := wanted[k]
		if !w.enabled {
			continue
		}
		if cur, has := ns.Labels[k]; has && !managed[k] && satisfiesLabel(k, cur, w.value) {
			out.add(w.wanters, w.action, ref, securityv1alpha1.StateInPlace, fmt.Sprintf("%s=%s is already set by another manager.", k, cur))
			continue
		}
		own[k] = w.value
	}

	// Enforce only when a dry run shows no running pod would violate it.
	if v, ok := own[psaapi.EnforceLevelLabel]; ok && ns.Labels[psaapi.EnforceLevelLabel] != v {
		warnings, err := r.dryRunLabels(ctx, ns, own, podsKey(snap, ns.Name))
		w := wanted[psaapi.EnforceLevelLabel]
		switch {
		case err != nil && !apierrors.IsConflict(err):
			delete(own, psaapi.EnforceLevelLabel)
			out.add(w.wanters, w.action, ref, securityv1alpha1.StateFailed, "The enforce dry run failed: "+err.Error())
		case len(warnings) > 0:
			delete(own, psaapi.EnforceLevelLabel)
			out.add(w.wanters, w.action, ref, securityv1alpha1.StateBlocked,
				fmt.Sprintf("enforce=%s not set: running pods would violate it: %s", v, strings.Join(warnings, "; ")))
		}
	}

	// What DryRun profiles want beyond what the Enabled ones hold is planned, never applied.
	planned := map[string]string{}
	for _, k := range keys {
		w := wanted[k]
		if len(w.dryRun.profiles) == 0 {
			continue
		}
		cur, has := ns.Labels[k]
		if managed[k] {
			cur, has = "", false // the operator's own label stays only if an Enabled profile holds it
		}
		if v, ok := own[k]; ok {
			cur, has = v, true
		}
		if has && satisfiesLabel(k, cur, w.planned) {
			out.add(w.dryRun, w.action, ref, securityv1alpha1.StateInPlace, fmt.Sprintf("%s=%s is in place.", k, cur))
			continue
		}
		planned[k] = w.planned
	}
	if len(planned) > 0 {
		all := map[string]string{}
		for k, v := range own {
			all[k] = v
		}
		for k, v := range planned {
			all[k] = v
		}
		_, err := r.dryRunLabels(ctx, ns, all, "")
		for _, k := range sortedKeys(planned) {
			w := wanted[k]
			switch {
			case err != nil && apierrors.IsConflict(err) && strings.Contains(err.Error(), k):
				out.add(w.dryRun, w.action, ref, securityv1alpha1.StateConflict, fmt.Sprintf("%s is owned by another field manager; it would not be changed.", k))
			case err != nil && !apierrors.IsConflict(err):
				out.add(w.dryRun, w.action, ref, securityv1alpha1.StateFailed, "The dry run failed: "+err.Error())
			default:
				out.add(w.dryRun, w.action, ref, securityv1alpha1.StatePlanned, fmt.Sprintf("Would set %s=%s (validated by a server-side dry run).", k, planned[k]))
			}
		}
	}

	// Nothing to change: the operator's labels are exactly the wanted ones.
	if sameLabels(ns, own, managed) {
		for _, k := range sortedKeys(own) {
			out.add(wanted[k].wanters, wanted[k].action, ref, securityv1alpha1.StateInPlace, fmt.Sprintf("%s=%s is in place.", k, own[k]))
		}
		return
	}
	for attempt := 0; attempt < 3; attempt++ {
		err := r.applyNamespace(ctx, ns.Name, own, false)
		if err == nil {
			for _, k := range sortedKeys(own) {
				state, msg := securityv1alpha1.StateApplied, fmt.Sprintf("Set %s=%s.", k, own[k])
				if managed[k] && ns.Labels[k] == own[k] {
					state, msg = securityv1alpha1.StateInPlace, fmt.Sprintf("%s=%s is in place.", k, own[k])
				}
				out.add(wanted[k].wanters, wanted[k].action, ref, state, msg)
			}
			return
		}
		if !apierrors.IsConflict(err) {
			for _, k := range sortedKeys(own) {
				out.add(wanted[k].wanters, wanted[k].action, ref, securityv1alpha1.StateFailed, "The API server refused it: "+err.Error())
			}
			for k := range managed {
				if _, kept := own[k]; !kept {
					out.add(wanters{}, securityv1alpha1.ActionPodSecurityLabels, ref, securityv1alpha1.StateFailed, "Removing labels no profile wants any more failed: "+err.Error())
					break
				}
			}
			return
		}
		// Drop the labels another manager owns and apply the rest.
		dropped := false
		for _, k := range sortedKeys(own) {
			if strings.Contains(err.Error(), k) {
				out.add(wanted[k].wanters, wanted[k].action, ref, securityv1alpha1.StateConflict,
					fmt.Sprintf("%s is owned by another field manager (for example a GitOps tool); it is not overwritten.", k))
				delete(own, k)
				dropped = true
			}
		}
		if !dropped {
			return
		}
	}
}

// satisfiesLabel reports whether a label's current value meets the wanted one: equal, or for a
// Pod Security level at least as strict.
func satisfiesLabel(key, cur, want string) bool {
	return cur == want || isPSALabel(key) && !psaStricter(want, cur)
}

// podsKey identifies the pods of a namespace as they are now: Pod Security dry runs of an
// enforce level depend on them.
func podsKey(snap *benchmarks.Snapshot, ns string) string {
	h := sha256.New()
	for _, p := range snap.PodsIn(ns) {
		fmt.Fprintf(h, "%s/%s;", p.UID, p.ResourceVersion)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func isPSALabel(k string) bool { return strings.HasPrefix(k, "pod-security.kubernetes.io/") }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sameLabels reports whether the namespace already carries exactly the labels the operator
// wants to own, recorded in its marker annotation.
func sameLabels(ns *corev1.Namespace, own map[string]string, managed map[string]bool) bool {
	if len(own) != len(managed) {
		return false
	}
	for k, v := range own {
		if !managed[k] || ns.Labels[k] != v {
			return false
		}
	}
	return true
}

func namespaceApply(name string, labels map[string]string) *corev1.Namespace {
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name}}
	if len(labels) > 0 {
		ns.Labels = labels
		ns.Annotations = map[string]string{AnnotationManagedLabels: strings.Join(sortedKeys(labels), ",")}
	}
	return ns
}

func (r *Remediator) applyNamespace(ctx context.Context, name string, labels map[string]string, dryRun bool) error {
	return r.apply(ctx, namespaceApply(name, labels), dryRun)
}

// dryRunLabels applies the labels in a server-side dry run and returns the API's warnings:
// Pod Security admission warns about running pods that a new enforce level would reject. The
// result is cached by content: the labels, the namespace's resource version and extra (the
// pods, when the warnings matter).
func (r *Remediator) dryRunLabels(ctx context.Context, ns *corev1.Namespace, labels map[string]string, extra string) ([]string, error) {
	obj := namespaceApply(ns.Name, labels)
	res := r.cachedDryRun(contentKey(obj, ns.ResourceVersion+"|"+extra), func() dryRunResult {
		w := &warningList{}
		err := r.apply(context.WithValue(ctx, warningsKey{}, w), obj, true)
		w.mu.Lock()
		defer w.mu.Unlock()
		return dryRunResult{warnings: w.texts, err: err}
	})
	return res.warnings, res.err
}

// dryRun validates applying obj with a server-side dry run, cached by content: obj and the
// resource version of the object it would change (current; "" when it does not exist).
func (r *Remediator) dryRun(ctx context.Context, obj runtime.Object, current string) error {
	return r.cachedDryRun(contentKey(obj, current), func() dryRunResult { return dryRunResult{err: r.apply(ctx, obj, true)} }).err
}

func resourceVersion(np *networkingv1.NetworkPolicy) string {
	if np == nil {
		return ""
	}
	return np.ResourceVersion
}

// dryRunResult is the outcome of one server-side dry run.
type dryRunResult struct {
	warnings []string
	err      error
}

// dryRunCache remembers dry runs by content across remediation passes. An entry not used in a
// pass is dropped at the end of the next, so the cache holds about one pass's dry runs.
type dryRunCache struct {
	mu         sync.Mutex
	prev, next map[string]dryRunResult
}

func (c *dryRunCache) get(key string) (dryRunResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if res, ok := c.next[key]; ok {
		return res, true
	}
	res, ok := c.prev[key]
	if ok {
		c.next[key] = res
	}
	return res, ok
}

func (c *dryRunCache) put(key string, res dryRunResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[key] = res
}

// rotate starts a pass.
func (c *dryRunCache) rotate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prev, c.next = c.next, map[string]dryRunResult{}
}

// cachedDryRun returns the cached result for key or runs the dry run. Only results that depend
// on content alone are kept: success and field-manager conflicts. Other errors (a missing
// permission, an unreachable API server) are tried again at the next pass.
func (r *Remediator) cachedDryRun(key string, run func() dryRunResult) dryRunResult {
	if res, ok := r.cache.get(key); ok {
		return res
	}
	res := run()
	r.dryRuns.Add(1)
	dryRunsTotal.Inc()
	if res.err == nil || apierrors.IsConflict(res.err) {
		r.cache.put(key, res)
	}
	return res
}

// contentKey hashes an object as it would be sent, with what else the result depends on.
func contentKey(obj runtime.Object, extra string) string {
	raw, err := json.Marshal(obj)
	if err != nil {
		raw = []byte(fmt.Sprintf("%#v", obj))
	}
	h := sha256.New()
	h.Write(raw)
	h.Write([]byte{0})
	h.Write([]byte(extra))
	return hex.EncodeToString(h.Sum(nil))
}

func (r *Remediator) applyAutomount(ctx context.Context, snap *benchmarks.Snapshot, d DesiredState, out *Outcome) {
	r.each(len(snap.ServiceAccounts), func(i int) {
		sa := snap.ServiceAccounts[i]
		if sa.Name != "default" {
			return
		}
		ref := benchmarks.ObjectRef{Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name}
		ours := sa.Annotations[AnnotationManagedFields] != ""
		w := d.automount[sa.Namespace]
		action := securityv1alpha1.ActionDisableDefaultServiceAccountAutomount
		obj := &corev1.ServiceAccount{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: metav1.ObjectMeta{Name: sa.Name, Namespace: sa.Namespace}}
		switch {
		case w == nil || !w.enabled:
			if ours { // revert: give the field back
				if err := r.apply(ctx, obj, false); err != nil {
					out.add(wanters{}, action, ref, securityv1alpha1.StateFailed, "Reverting failed: "+err.Error())
				}
			}
			if w != nil {
				err := r.dryRun(ctx, automountOff(obj), sa.ResourceVersion)
				out.add(*w, action, ref, stateOf(err, securityv1alpha1.StatePlanned), messageOf(err, "Would set automountServiceAccountToken=false."))
			}
		case sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken:
			out.add(*w, action, ref, securityv1alpha1.StateInPlace, "automountServiceAccountToken=false is in place.")
		default:
			err := r.apply(ctx, automountOff(obj), false)
			out.add(*w, action, ref, stateOf(err, securityv1alpha1.StateApplied), messageOf(err, "Set automountServiceAccountToken=false."))
		}
	})
}

func automountOff(sa *corev1.ServiceAccount) *corev1.ServiceAccount {
	off := false
	sa = sa.DeepCopy()
	sa.AutomountServiceAccountToken = &off
	sa.Annotations = map[string]string{AnnotationManagedFields: "automountServiceAccountToken"}
	return sa
}

func stateOf(err error, ok securityv1alpha1.RemediationState) securityv1alpha1.RemediationState {
	switch {
	case err == nil:
		return ok
	case apierrors.IsConflict(err):
		return securityv1alpha1.StateConflict
	}
	return securityv1alpha1.StateFailed
}

func messageOf(err error, ok string) string {
	switch {
	case err == nil:
		return ok
	case apierrors.IsConflict(err):
		return "Owned by another field manager; not overwritten: " + err.Error()
	}
	return "The API server refused it: " + err.Error()
}

func (r *Remediator) applyDeletions(ctx context.Context, d DesiredState, out *Outcome) {
	r.each(len(d.deletions), func(i int) {
		del := d.deletions[i]
		var obj client.Object
		switch del.ref.Kind {
		case "Pod":
			obj = &corev1.Pod{}
		case "Secret":
			obj = &corev1.Secret{}
		default:
			return
		}
		obj.SetNamespace(del.ref.Namespace)
		obj.SetName(del.ref.Name)
		uid := types.UID(del.uid)
		opts := []client.DeleteOption{client.Preconditions{UID: &uid}}
		if !del.enabled {
			opts = append(opts, client.DryRunAll)
		}
		err := r.Client.Delete(ctx, obj, opts...)
		if del.enabled {
			r.wrote(err)
		}
		if apierrors.IsNotFound(err) {
			return
		}
		if del.enabled {
			out.add(del.wanters, del.action, del.ref, stateOf(err, securityv1alpha1.StateApplied), messageOf(err, "Deleted: "+del.reason+"."))
		} else {
			out.add(del.wanters, del.action, del.ref, stateOf(err, securityv1alpha1.StatePlanned), messageOf(err, "Would delete: "+del.reason+"."))
		}
	})
}
