package remediation

import (
	"context"
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

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
