package controllers

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/openreports"
	"github.com/kubeposture/kubeposture/internal/options"
	"github.com/kubeposture/kubeposture/internal/remediation"
)

// DefaultMaxConcurrentReconciles is how many profiles are audited at once by default.
const DefaultMaxConcurrentReconciles = 4

// DefaultMinAuditInterval is the shortest time between two audits of one profile triggered by
// cluster changes: a burst of changes is coalesced into one audit.
const DefaultMinAuditInterval = time.Second

// SecurityProfileReconciler audits the cluster for each SecurityProfile.
type SecurityProfileReconciler struct {
	client.Client
	// Gatherer builds snapshots from the cache.
	Gatherer *gather.Gatherer
	// Recorder emits Events on condition transitions.
	Recorder recorder.EventRecorder
	// Clock is the audit time source; tests inject a fake one.
	Clock clock.PassiveClock
	// Checks is the catalog to evaluate; nil means benchmarks.All().
	Checks []benchmarks.Check
	// MinAuditInterval coalesces bursts of changes; zero means DefaultMinAuditInterval.
	MinAuditInterval time.Duration
	// Remediator applies remediation; nil disables remediation.
	Remediator *remediation.Remediator
	// Preventer applies the generated admission policies; nil disables prevention.
	Preventer *Preventer
	// Reporter publishes each audit as OpenReports; nil disables them.
	Reporter *openreports.Writer
	// MaxConcurrentReconciles is how many profiles are audited at once; zero means
	// DefaultMaxConcurrentReconciles. Remediation passes are serialized by the Remediator.
	MaxConcurrentReconciles int

	lastAudit sync.Map // profile name -> time.Time of the last completed audit
	reported  sync.Map // profile name -> map[actionKey]state of the remediation last reported
}

// +kubebuilder:rbac:groups=security.kubeposture.io,resources=securityprofiles,verbs=list;watch;patch
// +kubebuilder:rbac:groups=security.kubeposture.io,resources=securityprofiles/status,verbs=patch

// Reconcile audits one profile: gather a snapshot, evaluate the checks, write the status.
func (r *SecurityProfileReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	log := logf.FromContext(ctx)
	profile := &securityv1alpha1.SecurityProfile{}
	if err := r.Get(ctx, req.NamespacedName, profile); err != nil {
		if apierrors.IsNotFound(err) {
			r.lastAudit.Delete(req.Name)
			r.reported.Delete(req.Name)
			forgetMetrics(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !profile.DeletionTimestamp.IsZero() {
		if err := r.finalizePrevention(ctx, profile); err != nil {
			return ctrl.Result{}, err
		}
		return r.finalize(ctx, profile)
	}
	if err := r.ensureFinalizer(ctx, profile); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.ensurePreventionFinalizer(ctx, profile); err != nil {
		return ctrl.Result{}, err
	}

	plan, err := options.For(&profile.Spec)
	if wait := r.coalesce(profile, plan.Interval); wait > 0 && err == nil {
		return ctrl.Result{RequeueAfter: wait}, nil
	}

	original := profile.DeepCopy()
	defer func() {
		if err := r.patchStatus(ctx, original, profile); err != nil {
			retErr = kerrors.NewAggregate([]error{retErr, err})
		}
	}()

	if err != nil {
		// A spec admission could not catch: report it and wait for the next spec change.
		applyFailure(profile, securityv1alpha1.ReasonInvalidSpec, err)
		profile.Status.ObservedGeneration = profile.Generation
		log.Info("SecurityProfile spec cannot be used", "securityProfile", profile.Name, "error", err.Error())
		return ctrl.Result{}, reconcile.TerminalError(err)
	}

	outcome, err := r.audit(ctx, profile, plan)
	if err != nil {
		applyFailure(profile, securityv1alpha1.ReasonAuditFailed, err)
		auditsTotal.WithLabelValues(profile.Name, "failed").Inc()
		return ctrl.Result{}, err
	}
	applyAudit(profile, outcome)
	if err := r.prevent(ctx, profile, &outcome.report); err != nil {
		return ctrl.Result{}, err
	}
	r.publishReports(ctx, profile, &outcome.report)
	r.reportRemediation(original, profile, outcome.remediation)
	if outcome.remediation != nil && outcome.remediation.Stale {
		// Another profile's remediation changed the cluster after this snapshot was taken: the
		// remediation status stays as it was until an audit sees the changes.
		return ctrl.Result{RequeueAfter: r.minInterval()}, nil
	}
	recordMetrics(profile.Name, &outcome.report, outcome.duration.Seconds())
	r.lastAudit.Store(profile.Name, outcome.finished)
	log.V(1).Info("Audited SecurityProfile", "securityProfile", profile.Name, "checks", outcome.report.Summary.Total,
		"achieved", profile.Status.AchievedLevel, "duration", outcome.duration)
	return ctrl.Result{RequeueAfter: plan.Interval}, nil
}

// coalesce returns how long to wait before auditing again: a profile audited less than
// MinAuditInterval ago whose spec did not change waits out the rest of the interval.
func (r *SecurityProfileReconciler) coalesce(p *securityv1alpha1.SecurityProfile, interval time.Duration) time.Duration {
	last, ok := r.lastAudit.Load(p.Name)
	if !ok || p.Status.ObservedGeneration != p.Generation {
		return 0
	}
	minInterval := min(r.minInterval(), interval)
	if since := r.Clock.Since(last.(time.Time)); since < minInterval {
		return minInterval - since
	}
	return 0
}

func (r *SecurityProfileReconciler) minInterval() time.Duration {
	if r.MinAuditInterval <= 0 {
		return DefaultMinAuditInterval
	}
	return r.MinAuditInterval
}

// audit gathers, evaluates and (later) remediates.
func (r *SecurityProfileReconciler) audit(ctx context.Context, p *securityv1alpha1.SecurityProfile, plan options.Plan) (auditOutcome, error) {
	start := r.Clock.Now()
	seen := r.remediationWrites()
	snap, err := r.Gatherer.Snapshot(ctx, start)
	if err != nil {
		return auditOutcome{}, fmt.Errorf("gathering the cluster snapshot: %w", err)
	}
	env := benchmarks.Env{Now: start, Params: plan.Params, Scope: plan.Scope}
	if plan.Params.ReadKubeletConfig && r.Gatherer.Kubelet != nil {
		r.Gatherer.KubeletConfigs(ctx, snap, start)
	}
	checks := r.Checks
	if checks == nil {
		checks = benchmarks.All()
	}
	report := benchmarks.Evaluate(snap, env, checks, plan.Options)
	remediation, err := r.remediate(ctx, seen, snap, start, "")
	if err != nil {
		return auditOutcome{}, err
	}
	finished := r.Clock.Now()
	return auditOutcome{report: report, implemented: implementedDomains(checks), finished: finished, duration: finished.Sub(start),
		remediation: remediation}, nil
}

// remediate applies what every remediating profile wants, except the one named excluding (a
// profile being deleted), judged at now, the time snap was gathered. It runs only after evaluation, on the same snapshot, and also when no
// profile remediates any more but the operator still owns changes, so they are reverted.
func (r *SecurityProfileReconciler) remediate(ctx context.Context, seen uint64, snap *benchmarks.Snapshot, now time.Time, excluding string) (*remediation.Outcome, error) {
	if r.Remediator == nil {
		return nil, nil
	}
	var list securityv1alpha1.SecurityProfileList
	// The profiles are only read: the cache's own objects serve, without a copy of each.
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing SecurityProfiles for remediation: %w", err)
	}
	profiles := remediation.Profiles(list.Items, excluding)
	if len(profiles) == 0 && !remediation.OwnsChanges(snap) {
		return nil, nil
	}
	out := r.Remediator.Apply(ctx, seen, snap, remediation.Desired(snap, now, profiles))
	if out == nil {
		return &remediation.Outcome{Stale: true}, nil
	}
	return out, nil
}

func (r *SecurityProfileReconciler) remediationWrites() uint64 {
	if r.Remediator == nil {
		return 0
	}
	return r.Remediator.Writes()
}

// ensureFinalizer adds the remediation finalizer to a profile that remediates, so deleting it
// reverts its changes first.
func (r *SecurityProfileReconciler) ensureFinalizer(ctx context.Context, p *securityv1alpha1.SecurityProfile) error {
	if r.Remediator == nil || p.Spec.Remediation.Mode != securityv1alpha1.RemediationEnabled || controllerutil.ContainsFinalizer(p, FinalizerRemediation) {
		return nil
	}
	patch := client.MergeFrom(p.DeepCopy())
	controllerutil.AddFinalizer(p, FinalizerRemediation)
	return r.Patch(ctx, p, patch)
}

// finalize reverts what a deleted profile alone wanted, then lets it go. When the revert fails
// (most often because the remediation role was removed), the profile keeps its finalizer and
// says why: Remediated=False with reason RevertBlocked, and a Warning Event. A person who
// accepts leaving the changes in place sets AnnotationReleaseFinalizer to "true".
func (r *SecurityProfileReconciler) finalize(ctx context.Context, p *securityv1alpha1.SecurityProfile) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(p, FinalizerRemediation) {
		return ctrl.Result{}, nil
	}
	log := logf.FromContext(ctx)
	if p.Annotations[AnnotationReleaseFinalizer] == "true" {
		if r.Recorder != nil {
			r.Recorder.Eventf(p, nil, corev1.EventTypeWarning, securityv1alpha1.ReasonFinalizerReleased, "Finalize",
				"The finalizer was released through the %s annotation: changes made for this profile that were not yet reverted stay in the cluster.", AnnotationReleaseFinalizer)
		}
		log.Info("Released the finalizer of a deleted SecurityProfile without reverting", "securityProfile", p.Name)
		return ctrl.Result{}, r.removeFinalizer(ctx, p)
	}
	seen := r.remediationWrites()
	now := r.Clock.Now()
	snap, err := r.Gatherer.Snapshot(ctx, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	outcome, err := r.remediate(ctx, seen, snap, now, p.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	if outcome != nil && outcome.Stale {
		return ctrl.Result{RequeueAfter: r.minInterval()}, nil
	}
	var failed []securityv1alpha1.RemediationActionStatus
	if outcome != nil {
		for _, res := range outcome.Results {
			if res.Status.State == securityv1alpha1.StateFailed && len(res.Profiles) == 0 {
				failed = append(failed, res.Status)
			}
		}
	}
	if len(failed) > 0 {
		return ctrl.Result{RequeueAfter: revertRetry}, r.reportBlockedRevert(ctx, p, failed)
	}
	log.Info("Reverted the remediation of a deleted SecurityProfile", "securityProfile", p.Name)
	return ctrl.Result{}, r.removeFinalizer(ctx, p)
}

// revertRetry is how often a blocked revert is tried again (a restored role unblocks it).
const revertRetry = 30 * time.Second

func (r *SecurityProfileReconciler) removeFinalizer(ctx context.Context, p *securityv1alpha1.SecurityProfile) error {
	patch := client.MergeFrom(p.DeepCopy())
	controllerutil.RemoveFinalizer(p, FinalizerRemediation)
	return client.IgnoreNotFound(r.Patch(ctx, p, patch))
}

// reportBlockedRevert writes Remediated=False and a Warning Event naming what the operator may
// not do, and how to let the profile go.
func (r *SecurityProfileReconciler) reportBlockedRevert(ctx context.Context, p *securityv1alpha1.SecurityProfile, failed []securityv1alpha1.RemediationActionStatus) error {
	first := failed[0]
	why := "the API server refused it"
	if strings.Contains(first.Message, "forbidden") {
		why = "the operator lacks a permission the remediation ClusterRole grants"
	}
	msg := fmt.Sprintf("Reverting the changes of this deleted profile is blocked (%s): %s %s: %s (%s in all). "+
		"Grant the permission again, or set the annotation %s=true to remove the finalizer and leave the changes in place.",
		why, first.Object.Kind, qualified(first.Object), first.Message, plural(len(failed), "change"), AnnotationReleaseFinalizer)
	original := p.DeepCopy()
	setCondition(&p.Status, p.Generation, securityv1alpha1.ConditionRemediated, metav1.ConditionFalse, securityv1alpha1.ReasonRevertBlocked, msg)
	if r.Recorder != nil {
		r.Recorder.Eventf(p, nil, corev1.EventTypeWarning, securityv1alpha1.ReasonRevertBlocked, "Finalize", "%s", benchmarks.Truncate(msg, 1000))
	}
	// The Event above says more than a condition transition would.
	return r.writeStatus(ctx, original, p)
}

// reportRemediation writes the profile's remediation status and condition, and an Event for
// each action whose state changed since the last audit.
func (r *SecurityProfileReconciler) reportRemediation(original, p *securityv1alpha1.SecurityProfile, o *remediation.Outcome) {
	mode := p.Spec.Remediation.Mode
	if o != nil && o.Stale {
		return
	}
	if o == nil || mode == "" || mode == securityv1alpha1.RemediationDisabled {
		p.Status.Remediation = nil
		meta.RemoveStatusCondition(&p.Status.Conditions, securityv1alpha1.ConditionRemediated)
		return
	}
	actions := o.ForProfile(p.Name)
	p.Status.Remediation = remediation.Status(actions)
	status, reason, msg := remediatedCondition(mode, p.Status.Remediation)
	setCondition(&p.Status, p.Generation, securityv1alpha1.ConditionRemediated, status, reason, msg)
	recordRemediationMetrics(p.Name, p.Status.Remediation)
	if r.Recorder == nil {
		return
	}
	r.emitRemediation(p, actions)
}

// emitRemediation emits one Event per changed object and state: regarding the profile, related
// to the object, with every change to that object in the note. events.k8s.io merges Events of
// the same reason, action and related object into a series that keeps only the first note, so
// distinct objects are kept apart by their related reference and the changes to one object
// are aggregated into one note. What was already reported (remembered per profile, beyond the
// bounded status list) is not reported again.
func (r *SecurityProfileReconciler) emitRemediation(p *securityv1alpha1.SecurityProfile, actions []securityv1alpha1.RemediationActionStatus) {
	seen := map[string]securityv1alpha1.RemediationState{}
	if v, ok := r.reported.Load(p.Name); ok {
		seen = v.(map[string]securityv1alpha1.RemediationState)
	}
	now := make(map[string]securityv1alpha1.RemediationState, len(actions))
	type group struct {
		state   securityv1alpha1.RemediationState
		action  securityv1alpha1.RemediationAction
		object  securityv1alpha1.ObjectReference
		changes []string
	}
	groups := map[string]*group{}
	for _, a := range actions {
		key := remediation.ActionKey(a)
		now[key] = a.State
		if a.State == securityv1alpha1.StateInPlace || seen[key] == a.State {
			continue
		}
		gk := string(a.State) + "|" + string(a.Action) + "|" + a.Object.Kind + "|" + a.Object.Namespace + "|" + a.Object.Name
		if groups[gk] == nil {
			groups[gk] = &group{state: a.State, action: a.Action, object: a.Object}
		}
		groups[gk].changes = append(groups[gk].changes, a.Message)
	}
	r.reported.Store(p.Name, now)
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		sort.Strings(g.changes)
		eventType := corev1.EventTypeNormal
		if g.state == securityv1alpha1.StateConflict || g.state == securityv1alpha1.StateFailed || g.state == securityv1alpha1.StateBlocked {
			eventType = corev1.EventTypeWarning
		}
		r.Recorder.Eventf(p, relatedObject(g.object), eventType, string(g.state), string(g.action), "%s %s: %s",
			g.object.Kind, qualified(g.object), benchmarks.Truncate(strings.Join(g.changes, " "), 900))
	}
}

// relatedObject is the object a remediation Event is about, for its related reference.
func relatedObject(o securityv1alpha1.ObjectReference) runtime.Object {
	m := metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name}
	switch o.Kind {
	case "Namespace":
		return &corev1.Namespace{ObjectMeta: m}
	case "NetworkPolicy":
		return &networkingv1.NetworkPolicy{ObjectMeta: m}
	case "ServiceAccount":
		return &corev1.ServiceAccount{ObjectMeta: m}
	case "Pod":
		return &corev1.Pod{ObjectMeta: m}
	case "Secret":
		return &corev1.Secret{ObjectMeta: m}
	}
	return nil
}

func qualified(o securityv1alpha1.ObjectReference) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

func implementedDomains(checks []benchmarks.Check) map[benchmarks.Domain]bool {
	out := map[benchmarks.Domain]bool{}
	for _, c := range checks {
		out[c.Domain] = true
	}
	return out
}

// patchStatus writes the whole status in one server-side apply, when it changed, and emits an
// Event for each condition whose status changed. Applying the whole status (rather than a merge
// patch computed against the cached object, which may lag behind the last write) means a field
// that returns to an earlier value is written too.
func (r *SecurityProfileReconciler) patchStatus(ctx context.Context, original, p *securityv1alpha1.SecurityProfile) error {
	if equality.Semantic.DeepEqual(original.Status, p.Status) {
		return nil
	}
	if err := r.writeStatus(ctx, original, p); err != nil {
		return err
	}
	r.emitTransitions(original, p)
	return nil
}

// writeStatus applies the whole status when it changed.
func (r *SecurityProfileReconciler) writeStatus(ctx context.Context, original, p *securityv1alpha1.SecurityProfile) error {
	if equality.Semantic.DeepEqual(original.Status, p.Status) {
		return nil
	}
	status, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&p.Status)
	if err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": status}}
	u.SetAPIVersion(securityv1alpha1.GroupVersion.String())
	u.SetKind("SecurityProfile")
	u.SetName(p.Name)
	if err := r.Status().Apply(ctx, client.ApplyConfigurationFromUnstructured(u), client.FieldOwner(FieldManager), client.ForceOwnership); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("writing SecurityProfile %s status: %w", p.Name, err)
	}
	return nil
}

func (r *SecurityProfileReconciler) emitTransitions(original, p *securityv1alpha1.SecurityProfile) {
	if r.Recorder == nil {
		return
	}
	for _, c := range p.Status.Conditions {
		old := meta.FindStatusCondition(original.Status.Conditions, c.Type)
		if old != nil && old.Status == c.Status {
			continue
		}
		if old == nil && c.Status == metav1.ConditionUnknown {
			continue
		}
		eventType := corev1.EventTypeNormal
		if c.Status == metav1.ConditionFalse && c.Type != securityv1alpha1.ConditionRemediated {
			eventType = corev1.EventTypeWarning
		}
		// The condition type is the action: events.k8s.io merges Events that share a reason and
		// action, and every failing domain has the reason ChecksFailed.
		r.Recorder.Eventf(p, nil, eventType, c.Reason, c.Type, "%s is %s: %s", c.Type, c.Status, benchmarks.Truncate(c.Message, 800))
	}
}

// SetupWithManager watches SecurityProfiles and every kind the checks read.
func (r *SecurityProfileReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&securityv1alpha1.SecurityProfile{}, builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, releaseRequested()))).
		Named("securityprofile").
		WithOptions(controller.Options{MaxConcurrentReconciles: cmp.Or(r.MaxConcurrentReconciles, DefaultMaxConcurrentReconciles),
			RateLimiter: rateLimiter()})
	enqueueAll := handler.EnqueueRequestsFromMapFunc(r.allProfiles)
	now := time.Now()
	for _, kind := range gather.AuditedKinds(r.Gatherer.ReadSecrets) {
		// A kind the operator may not read is not watched: waiting for its cache would stop the
		// manager. The audits report it, naming the permission.
		if msg := r.Gatherer.MissingAccess(context.Background(), kind, now); msg != "" {
			mgr.GetLogger().Info("Not watching a kind the operator may not read", "kind", gather.KindName(kind), "reason", msg)
			continue
		}
		b = b.Watches(kind, enqueueAll, builder.WithPredicates(auditRelevant()))
	}
	if r.Gatherer.Mapper == nil {
		r.Gatherer.Mapper = mgr.GetRESTMapper()
	}
	if events := r.Gatherer.OptionalEvents(); events != nil {
		b = b.WatchesRawSource(source.Channel(events, enqueueAll))
	}
	if r.Gatherer.ReadSecrets && r.Gatherer.Secrets != nil {
		if err := mgr.Add(r.Gatherer.Secrets); err != nil {
			return err
		}
		for _, src := range r.Gatherer.Secrets.Sources(enqueueAll, auditRelevant()) {
			b = b.WatchesRawSource(src)
		}
	}
	return b.Complete(r)
}

// MaxRetryDelay caps the delay before a failed reconcile is retried. controller-runtime's default
// grows to 1,000 s, so the writes that fail during an API server outage would hold a profile's
// next audit back for minutes after the API server returns.
const MaxRetryDelay = 10 * time.Second

// rateLimiter retries a failed reconcile after 5 ms, doubling up to MaxRetryDelay, with
// controller-runtime's overall limit of 10 retries per second (bursts of 100).
func rateLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedMaxOfRateLimiter(
		workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, MaxRetryDelay),
		&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(10), 100)},
	)
}

// releaseRequested passes a profile update that sets AnnotationReleaseFinalizer.
func releaseRequested() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetAnnotations()[AnnotationReleaseFinalizer] != e.ObjectNew.GetAnnotations()[AnnotationReleaseFinalizer]
		},
	}
}

// allProfiles maps any watched change to every profile: profiles are few and cluster-scoped.
func (r *SecurityProfileReconciler) allProfiles(ctx context.Context, _ client.Object) []reconcile.Request {
	var list securityv1alpha1.SecurityProfileList
	// Called for every change of every watched object, and only the names are read: no copy.
	if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		logf.FromContext(ctx).Error(err, "Listing SecurityProfiles to enqueue")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, p := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: p.Name}})
	}
	return reqs
}

// auditRelevant drops updates that cannot change a check's outcome: status-only churn of
// objects that have a generation (except a pod's phase), and resyncs.
func auditRelevant() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld, e.ObjectNew
			if o.GetResourceVersion() == n.GetResourceVersion() {
				return false
			}
			if n.GetGeneration() == 0 {
				return true
			}
			if o.GetGeneration() != n.GetGeneration() || !maps.Equal(o.GetLabels(), n.GetLabels()) ||
				!maps.Equal(o.GetAnnotations(), n.GetAnnotations()) ||
				!equality.Semantic.DeepEqual(o.GetOwnerReferences(), n.GetOwnerReferences()) ||
				(o.GetDeletionTimestamp() == nil) != (n.GetDeletionTimestamp() == nil) {
				return true
			}
			return statusRelevant(o, n)
		},
	}
}

// statusRelevant reports status changes that checks read: a pod's phase, a workload's ready
// replicas and a DaemonSet's scheduled count.
func statusRelevant(o, n client.Object) bool {
	switch np := n.(type) {
	case *corev1.Pod:
		op, ok := o.(*corev1.Pod)
		return !ok || op.Status.Phase != np.Status.Phase || len(op.Spec.EphemeralContainers) != len(np.Spec.EphemeralContainers)
	}
	return false
}
