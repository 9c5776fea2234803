package controllers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/options"
	"github.com/kubeposture/kubeposture/internal/prevention"
)

// FinalizerPrevention lets a deleted profile remove its admission policies first.
const FinalizerPrevention = "security.kubeposture.io/prevention"

// DefaultPreventionNamespace holds the params ConfigMaps when the operator is not told its
// namespace.
const DefaultPreventionNamespace = "kubeposture-system"

// maxViolating bounds the objects named for a check held below Deny.
const maxViolating = 5

var preventionGauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "kubeposture_prevention_policy_state",
	Help: "Admission policy of a check of a SecurityProfile: 1 for its current state (Warn, Audit, Deny, Conflict, Failed), " +
		"with held=true when a staged rollout holds it below Deny and typechecked=true|false|unknown.",
}, []string{"profile", "check", "state", "held", "typechecked"})

func init() { metrics.Registry.MustRegister(preventionGauge) }

// Preventer applies a profile's generated ValidatingAdmissionPolicies with server-side apply.
// It follows remediation's rules: it only writes and deletes objects labelled as its own for the
// profile, reports an object of the same name it does not own as a Conflict, and reverts what it
// created when prevention is switched off or the profile is deleted.
type Preventer struct {
	// Client reads and writes uncached.
	Client client.Client
	// Namespace holds the params ConfigMaps; DefaultPreventionNamespace when empty.
	Namespace string
}

func (p *Preventer) namespace() string {
	if p.Namespace == "" {
		return DefaultPreventionNamespace
	}
	return p.Namespace
}

// PreventionInput is the generation input of a profile; modes come from the spec only (a staged
// rollout's holds are decided by the Preventer).
func PreventionInput(profile *securityv1alpha1.SecurityProfile, namespace string, now time.Time) (prevention.Input, error) {
	opts, params, _, err := options.ForProfile(&profile.Spec)
	if err != nil {
		return prevention.Input{}, err
	}
	in := prevention.Input{
		Profile: profile.Name, Options: opts, Params: params,
		NamespaceSelector: profile.Spec.NamespaceSelector, ExcludedNamespaces: profile.Spec.ExcludedNamespaces,
		Mode: profile.Spec.Prevention.Mode, ParamsNamespace: namespace, Now: now,
	}
	for _, c := range profile.Spec.Prevention.Checks {
		in.Checks = append(in.Checks, string(c))
	}
	return in, nil
}

// Apply brings the profile's admission policies in line with its spec and the audit report,
// and returns their status; nil when prevention is Disabled.
func (p *Preventer) Apply(ctx context.Context, profile *securityv1alpha1.SecurityProfile, rep *benchmarks.Report, now time.Time) (*securityv1alpha1.PreventionStatus, error) {
	spec := profile.Spec.Prevention
	if spec.Mode == "" || spec.Mode == securityv1alpha1.PreventionDisabled {
		return nil, p.Remove(ctx, profile.Name)
	}
	in, err := PreventionInput(profile, p.namespace(), now)
	if err != nil {
		return nil, err
	}
	// A staged rollout holds Deny for each check the audit still finds violated in scope.
	held := map[string][]securityv1alpha1.ObjectReference{}
	heldCount := map[string]int{}
	if spec.Mode == securityv1alpha1.PreventionDeny && spec.Rollout != securityv1alpha1.RolloutImmediate {
		in.Modes = map[string]securityv1alpha1.PreventionMode{}
		for i := range rep.Checks {
			c := &rep.Checks[i]
			if !prevention.Has(c.Check.ID) || (c.Result != benchmarks.Fail && c.Result != benchmarks.Error) {
				continue
			}
			in.Modes[c.Check.ID] = securityv1alpha1.PreventionAudit
			heldCount[c.Check.ID] = c.Offending
			for _, f := range c.Findings {
				if (f.Result == benchmarks.Fail || f.Result == benchmarks.Error) && len(held[c.Check.ID]) < maxViolating {
					held[c.Check.ID] = append(held[c.Check.ID], securityv1alpha1.ObjectReference{
						Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name})
				}
			}
			if len(held[c.Check.ID]) == 0 {
				held[c.Check.ID] = nil
			}
		}
	}
	set, err := prevention.Generate(in)
	if err != nil {
		return nil, err
	}
	owner := ownerOf(profile)
	status := &securityv1alpha1.PreventionStatus{}
	keep := map[string]bool{}
	paramsErr := ""
	if set.Params != nil {
		set.Params.OwnerReferences = []metav1.OwnerReference{owner}
		if state, msg := p.applyOwned(ctx, set.Params, profile.Name); state != "" {
			paramsErr = fmt.Sprintf("%s: the params ConfigMap %s/%s: %s", state, set.Params.Namespace, set.Params.Name, msg)
		}
	}
	for _, pol := range set.Policies {
		id := pol.Check.ID
		keep[pol.Policy.Name] = true
		entry := securityv1alpha1.PreventionCheckStatus{ID: id, Policy: pol.Policy.Name}
		if paramsErr != "" && pol.Policy.Spec.ParamKind != nil && pol.Policy.Spec.ParamKind.Kind == "ConfigMap" {
			// Without its params the policy would deny everything: it is not applied.
			entry.State, entry.Message = securityv1alpha1.PreventionStateFailed, benchmarks.Truncate(paramsErr, 1024)
			status.Checks = append(status.Checks, entry)
			continue
		}
		pol.Policy.OwnerReferences = []metav1.OwnerReference{owner}
		pol.Binding.OwnerReferences = []metav1.OwnerReference{owner}
		state, msg := p.applyOwned(ctx, pol.Policy, profile.Name)
		if state == "" {
			state, msg = p.applyOwned(ctx, pol.Binding, profile.Name)
		}
		if state != "" {
			entry.State, entry.Message = state, benchmarks.Truncate(msg, 1024)
			status.Checks = append(status.Checks, entry)
			continue
		}
		status.Policies++
		entry.State = securityv1alpha1.PreventionState(prevention.ModeOf(pol.Binding))
		if entry.State == securityv1alpha1.PreventionStateDeny {
			status.Deny++
		}
		if objs, ok := held[id]; ok {
			status.Held++
			entry.Violating = objs
			entry.Message = benchmarks.Truncate(fmt.Sprintf("Held at Audit until no in-scope object violates %s: %d do, such as %s.",
				id, heldCount[id], refList(objs)), 1024)
		}
		p.readTypeChecking(ctx, pol.Policy.Name, &entry)
		status.Checks = append(status.Checks, entry)
	}
	sort.Slice(status.Checks, func(i, j int) bool { return status.Checks[i].ID < status.Checks[j].ID })
	if len(status.Checks) > 64 {
		status.Checks = status.Checks[:64]
	}
	if err := p.removeStale(ctx, profile.Name, keep, set.Params != nil); err != nil {
		return status, err
	}
	recordPreventionMetrics(profile.Name, status)
	return status, nil
}

func refList(objs []securityv1alpha1.ObjectReference) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Kind+" "+qualified(o))
	}
	return strings.Join(out, ", ")
}

func ownerOf(p *securityv1alpha1.SecurityProfile) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: securityv1alpha1.GroupVersion.String(), Kind: "SecurityProfile",
		Name: p.Name, UID: p.UID}
}

// applyOwned server-side applies obj unless an object of that name exists that the operator did
// not create for this profile; it returns a Conflict or Failed state with a message, or "".
func (p *Preventer) applyOwned(ctx context.Context, obj client.Object, profile string) (securityv1alpha1.PreventionState, string) {
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(obj.GetObjectKind().GroupVersionKind())
	err := p.Client.Get(ctx, client.ObjectKeyFromObject(obj), cur)
	switch {
	case err == nil:
		if cur.GetLabels()[LabelManagedBy] != FieldManager || cur.GetLabels()[prevention.LabelProfile] != profile {
			return securityv1alpha1.PreventionStateConflict, fmt.Sprintf("A %s named %s exists and was not created by kubeposture for this profile; it is left untouched.",
				cur.GetKind(), obj.GetName())
		}
	case !apierrors.IsNotFound(err):
		return securityv1alpha1.PreventionStateFailed, err.Error()
	}
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return securityv1alpha1.PreventionStateFailed, err.Error()
	}
	u := &unstructured.Unstructured{Object: raw}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(u.Object, "status")
	// The operator owns the object, so it takes back any field another manager changed: a
	// generated policy edited by hand is reverted.
	err = p.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership)
	if apierrors.IsInvalid(err) && cur.GetName() != "" {
		// A set another manager added items to (such as Warn beside Deny in validationActions)
		// cannot be taken back by apply: the operator's own object is recreated instead.
		if derr := p.Client.Delete(ctx, cur); derr != nil && !apierrors.IsNotFound(derr) {
			return securityv1alpha1.PreventionStateFailed, derr.Error()
		}
		err = p.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership)
	}
	if err != nil {
		return securityv1alpha1.PreventionStateFailed, err.Error()
	}
	return "", ""
}

// readTypeChecking copies the policy's status.typeChecking, which kube-controller-manager writes.
func (p *Preventer) readTypeChecking(ctx context.Context, name string, entry *securityv1alpha1.PreventionCheckStatus) {
	pol := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	if err := p.Client.Get(ctx, client.ObjectKey{Name: name}, pol); err != nil || pol.Status.TypeChecking == nil ||
		pol.Status.ObservedGeneration != pol.Generation {
		return
	}
	ok := len(pol.Status.TypeChecking.ExpressionWarnings) == 0
	entry.TypeChecked = &ok
	if !ok {
		var warnings []string
		for _, w := range pol.Status.TypeChecking.ExpressionWarnings {
			warnings = append(warnings, w.FieldRef+": "+w.Warning)
		}
		msg := "Type checking warns: " + strings.Join(warnings, "; ")
		if entry.Message != "" {
			msg = entry.Message + " " + msg
		}
		entry.Message = benchmarks.Truncate(msg, 1024)
	}
}

// removeStale deletes the profile's policies and bindings not in keep, and its params ConfigMap
// unless keepParams.
func (p *Preventer) removeStale(ctx context.Context, profile string, keep map[string]bool, keepParams bool) error {
	sel := client.MatchingLabels{LabelManagedBy: FieldManager, prevention.LabelProfile: profile}
	var bindings admissionregistrationv1.ValidatingAdmissionPolicyBindingList
	if err := p.Client.List(ctx, &bindings, sel); err != nil {
		return fmt.Errorf("listing the profile's admission policy bindings: %w", err)
	}
	for i := range bindings.Items {
		if !keep[bindings.Items[i].Name] {
			if err := client.IgnoreNotFound(p.Client.Delete(ctx, &bindings.Items[i])); err != nil {
				return err
			}
		}
	}
	var policies admissionregistrationv1.ValidatingAdmissionPolicyList
	if err := p.Client.List(ctx, &policies, sel); err != nil {
		return fmt.Errorf("listing the profile's admission policies: %w", err)
	}
	for i := range policies.Items {
		if !keep[policies.Items[i].Name] {
			if err := client.IgnoreNotFound(p.Client.Delete(ctx, &policies.Items[i])); err != nil {
				return err
			}
		}
	}
	if keepParams {
		return nil
	}
	cm := &corev1.ConfigMap{}
	err := p.Client.Get(ctx, client.ObjectKey{Namespace: p.namespace(), Name: prevention.ParamsName(profile)}, cm)
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		// Without the prevention role the ConfigMap was never made, or, made before the role was
		// removed, it is owned by the profile and goes with it (garbage collection).
		return nil
	}
	if err != nil {
		return err
	}
	if cm.Labels[LabelManagedBy] != FieldManager || cm.Labels[prevention.LabelProfile] != profile {
		return nil
	}
	return client.IgnoreNotFound(p.Client.Delete(ctx, cm))
}

// Remove deletes every object generated for the profile.
func (p *Preventer) Remove(ctx context.Context, profile string) error {
	preventionGauge.DeletePartialMatch(prometheus.Labels{"profile": profile})
	return p.removeStale(ctx, profile, nil, false)
}

func recordPreventionMetrics(profile string, st *securityv1alpha1.PreventionStatus) {
	preventionGauge.DeletePartialMatch(prometheus.Labels{"profile": profile})
	for _, c := range st.Checks {
		tc := "unknown"
		if c.TypeChecked != nil {
			tc = fmt.Sprint(*c.TypeChecked)
		}
		preventionGauge.WithLabelValues(profile, c.ID, string(c.State), fmt.Sprint(len(c.Violating) > 0 || strings.HasPrefix(c.Message, "Held")), tc).Set(1)
	}
}

// ensurePreventionFinalizer adds the finalizer that removes the policies of a deleted profile.
func (r *SecurityProfileReconciler) ensurePreventionFinalizer(ctx context.Context, p *securityv1alpha1.SecurityProfile) error {
	mode := p.Spec.Prevention.Mode
	if r.Preventer == nil || mode == "" || mode == securityv1alpha1.PreventionDisabled || controllerutil.ContainsFinalizer(p, FinalizerPrevention) {
		return nil
	}
	patch := client.MergeFrom(p.DeepCopy())
	controllerutil.AddFinalizer(p, FinalizerPrevention)
	return r.Patch(ctx, p, patch)
}

// finalizePrevention removes a deleted profile's admission policies, then its finalizer.
func (r *SecurityProfileReconciler) finalizePrevention(ctx context.Context, p *securityv1alpha1.SecurityProfile) error {
	if !controllerutil.ContainsFinalizer(p, FinalizerPrevention) {
		return nil
	}
	if r.Preventer != nil {
		if err := r.Preventer.Remove(ctx, p.Name); err != nil {
			return fmt.Errorf("removing the admission policies of SecurityProfile %s: %w", p.Name, err)
		}
	}
	patch := client.MergeFrom(p.DeepCopy())
	controllerutil.RemoveFinalizer(p, FinalizerPrevention)
	return client.IgnoreNotFound(r.Patch(ctx, p, patch))
}

// prevent applies the profile's admission policies after an audit and sets status.prevention.
func (r *SecurityProfileReconciler) prevent(ctx context.Context, p *securityv1alpha1.SecurityProfile, rep *benchmarks.Report) error {
	if r.Preventer == nil {
		return nil
	}
	if mode := p.Spec.Prevention.Mode; mode == "" || mode == securityv1alpha1.PreventionDisabled {
		// A profile that never enabled prevention has nothing to remove, and needs no permission
		// for it; one that had it switched off removes its objects, then its finalizer.
		p.Status.Prevention = nil
		return r.finalizePrevention(ctx, p)
	}
	before := p.Status.Prevention
	st, err := r.Preventer.Apply(ctx, p, rep, r.Clock.Now())
	p.Status.Prevention = st
	r.reportPreventionChanges(p, before, st)
	return err
}

// reportPreventionChanges records an Event for each check whose policy reached Deny, or went
// back from Deny to Audit, since the last audit.
func (r *SecurityProfileReconciler) reportPreventionChanges(p *securityv1alpha1.SecurityProfile, before, after *securityv1alpha1.PreventionStatus) {
	if r.Recorder == nil || after == nil {
		return
	}
	was := map[string]securityv1alpha1.PreventionState{}
	if before != nil {
		for _, c := range before.Checks {
			was[c.ID] = c.State
		}
	}
	for _, c := range after.Checks {
		switch {
		case c.State == securityv1alpha1.PreventionStateDeny && was[c.ID] != securityv1alpha1.PreventionStateDeny:
			r.Recorder.Eventf(p, nil, corev1.EventTypeNormal, securityv1alpha1.ReasonPreventionEnforced, "Prevent",
				"The admission policy %s of %s now denies violating objects.", c.Policy, c.ID)
		case was[c.ID] == securityv1alpha1.PreventionStateDeny && c.State == securityv1alpha1.PreventionStateAudit:
			r.Recorder.Eventf(p, nil, corev1.EventTypeWarning, securityv1alpha1.ReasonPreventionHeld, "Prevent",
				"The admission policy %s of %s is back at Audit (warnings only): %s", c.Policy, c.ID, benchmarks.Truncate(c.Message, 800))
		}
	}
}
