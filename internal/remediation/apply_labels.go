package remediation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

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
