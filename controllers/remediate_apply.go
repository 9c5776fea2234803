package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	psaapi "k8s.io/pod-security-admission/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// +kubebuilder:rbac:groups=security.kubeposture.io,resources=securityprofiles,verbs=patch

// Remediator applies a desired state with server-side apply under FieldManager. It only creates
// and deletes objects it labelled as its own, and only sets fields on other objects that no
// other field manager owns: a conflict is reported, never forced.
type Remediator struct {
	// Client writes to the API server (uncached); its REST config must send warnings to
	// WarningCollector so Pod Security dry runs can be read.
	Client client.Client
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
func (r *Remediator) Apply(ctx context.Context, snap *benchmarks.Snapshot, d desiredState) *remediationOutcome {
	out := &remediationOutcome{}
	r.applyPolicies(ctx, snap, d, out)
	r.applyNamespaceLabels(ctx, snap, d, out)
	r.applyAutomount(ctx, snap, d, out)
	r.applyDeletions(ctx, d, out)
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
	return r.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), opts...)
}

func (r *Remediator) applyPolicies(ctx context.Context, snap *benchmarks.Snapshot, d desiredState, out *remediationOutcome) {
	existing := map[string]*networkingv1.NetworkPolicy{}
	for _, np := range snap.NetworkPolicies {
		existing[np.Namespace+"/"+np.Name] = np
	}
	keys := make([]string, 0, len(d.policies))
	for k := range d.policies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		want := d.policies[key]
		ref := benchmarks.ObjectRef{Kind: "NetworkPolicy", Namespace: want.namespace, Name: want.name}
		cur := existing[key]
		if cur != nil && cur.Labels[LabelManagedBy] != FieldManager {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateConflict,
				"A NetworkPolicy of this name exists and was not created by kubeposture; it is left untouched.")
			continue
		}
		if want.enabled && cur != nil && policySatisfied(cur, want) {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateInPlace, "In place.")
			continue
		}
		np := &networkingv1.NetworkPolicy{
			TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: want.name, Namespace: want.namespace,
				Labels:      map[string]string{LabelManagedBy: FieldManager},
				Annotations: map[string]string{AnnotationProfiles: strings.Join(want.profiles, ",")}},
			Spec: want.spec,
		}
		verb := "Created"
		if cur != nil {
			verb = "Updated"
		}
		if err := r.apply(ctx, np, !want.enabled, cur != nil); err != nil {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateFailed, "The API server refused it: "+err.Error())
			continue
		}
		if want.enabled {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StateApplied, verb+" "+describePolicy(want.name)+".")
		} else {
			out.add(want.wanters, want.action, ref, securityv1alpha1.StatePlanned, "Would create "+describePolicy(want.name)+" (validated by a server-side dry run).")
		}
	}
	// Revert: policies the operator created that no enabled profile wants any more.
	for key, np := range existing {
		if np.Labels[LabelManagedBy] != FieldManager || !ownPolicyName(np.Name) {
			continue
		}
		if want := d.policies[key]; want != nil && want.enabled {
			continue
		}
		if err := r.Client.Delete(ctx, np, client.Preconditions{UID: &np.UID}); err != nil && !apierrors.IsNotFound(err) {
			out.add(wanters{}, securityv1alpha1.ActionDefaultDenyNetworkPolicy, benchmarks.ObjectRef{Kind: "NetworkPolicy", Namespace: np.Namespace, Name: np.Name},
				securityv1alpha1.StateFailed, "Removing a policy no profile wants any more failed: "+err.Error())
		}
	}
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
func (r *Remediator) applyNamespaceLabels(ctx context.Context, snap *benchmarks.Snapshot, d desiredState, out *remediationOutcome) {
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
	for _, name := range sorted {
		if obj := snap.Namespace(name); obj != nil {
			r.applyLabels(ctx, obj, d.labels[name], out)
		}
	}
}

func (r *Remediator) applyLabels(ctx context.Context, ns *corev1.Namespace, wanted map[string]*desiredLabel, out *remediationOutcome) {
	ref := benchmarks.ObjectRef{Kind: "Namespace", Name: ns.Name}
	managed := map[string]bool{}
	for _, k := range strings.Split(ns.Annotations[AnnotationManagedLabels], ",") {
		if k != "" {
			managed[k] = true
		}
	}
	own := map[string]string{} // labels to hold with the enabled profiles' values
	planned := map[string]string{}
	keys := make([]string, 0, len(wanted))
	for k := range wanted {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := wanted[k]
		cur, has := ns.Labels[k]
		if has && !managed[k] && (cur == w.value || isPSALabel(k) && !psaStricter(w.value, cur)) {
			if w.enabled {
				out.add(w.wanters, w.action, ref, securityv1alpha1.StateInPlace, fmt.Sprintf("%s=%s is already set by another manager.", k, cur))
			}
			continue
		}
		if w.enabled {
			own[k] = w.value
		} else {
			planned[k] = w.value
		}
	}

	// Enforce only when a dry run shows no running pod would violate it.
	if v, ok := own[psaapi.EnforceLevelLabel]; ok && ns.Labels[psaapi.EnforceLevelLabel] != v {
		warnings, err := r.dryRunLabels(ctx, ns.Name, own)
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

	if len(planned) > 0 {
		all := map[string]string{}
		for k, v := range own {
			all[k] = v
		}
		for k, v := range planned {
			all[k] = v
		}
		_, err := r.dryRunLabels(ctx, ns.Name, all)
		for _, k := range sortedKeys(planned) {
			w := wanted[k]
			switch {
			case err != nil && apierrors.IsConflict(err) && strings.Contains(err.Error(), k):
				out.add(w.wanters, w.action, ref, securityv1alpha1.StateConflict, fmt.Sprintf("%s is owned by another field manager; it would not be changed.", k))
			case err != nil && !apierrors.IsConflict(err):
				out.add(w.wanters, w.action, ref, securityv1alpha1.StateFailed, "The dry run failed: "+err.Error())
			default:
				out.add(w.wanters, w.action, ref, securityv1alpha1.StatePlanned, fmt.Sprintf("Would set %s=%s (validated by a server-side dry run).", k, planned[k]))
			}
		}
	}

	// Nothing to change: the operator's labels are exactly the wanted ones.
	if sameLabels(ns, own, managed) {
		for k := range own {
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
// Pod Security admission warns about running pods that a new enforce level would reject.
func (r *Remediator) dryRunLabels(ctx context.Context, name string, labels map[string]string) ([]string, error) {
	w := &warningList{}
	err := r.applyNamespace(context.WithValue(ctx, warningsKey{}, w), name, labels, true)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.texts, err
}

func (r *Remediator) applyAutomount(ctx context.Context, snap *benchmarks.Snapshot, d desiredState, out *remediationOutcome) {
	for _, sa := range snap.ServiceAccounts {
		if sa.Name != "default" {
			continue
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
				err := r.apply(ctx, automountOff(obj), true)
				out.add(*w, action, ref, stateOf(err, securityv1alpha1.StatePlanned), messageOf(err, "Would set automountServiceAccountToken=false."))
			}
		case sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken:
			out.add(*w, action, ref, securityv1alpha1.StateInPlace, "automountServiceAccountToken=false is in place.")
		default:
			err := r.apply(ctx, automountOff(obj), false)
			out.add(*w, action, ref, stateOf(err, securityv1alpha1.StateApplied), messageOf(err, "Set automountServiceAccountToken=false."))
		}
	}
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

func (r *Remediator) applyDeletions(ctx context.Context, d desiredState, out *remediationOutcome) {
	for _, del := range d.deletions {
		var obj client.Object
		switch del.ref.Kind {
		case "Pod":
			obj = &corev1.Pod{}
		case "Secret":
			obj = &corev1.Secret{}
		default:
			continue
		}
		obj.SetNamespace(del.ref.Namespace)
		obj.SetName(del.ref.Name)
		uid := types.UID(del.uid)
		opts := []client.DeleteOption{client.Preconditions{UID: &uid}}
		if !del.enabled {
			opts = append(opts, client.DryRunAll)
		}
		err := r.Client.Delete(ctx, obj, opts...)
		if apierrors.IsNotFound(err) {
			continue
		}
		if del.enabled {
			out.add(del.wanters, del.action, del.ref, stateOf(err, securityv1alpha1.StateApplied), messageOf(err, "Deleted: "+del.reason+"."))
		} else {
			out.add(del.wanters, del.action, del.ref, stateOf(err, securityv1alpha1.StatePlanned), messageOf(err, "Would delete: "+del.reason+"."))
		}
	}
}
