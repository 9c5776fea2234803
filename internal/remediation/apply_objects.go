package remediation

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

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
