package check

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Env is what one evaluation asks of the cluster, passed to every check beside the Snapshot,
// which holds only the cluster's state: the time, the level evaluated, the profile's parameters
// and the namespaces in scope. Checks read it and never modify it.
type Env struct {
	// Now is the time of the audit; checks never read the clock.
	Now time.Time
	// Level is the level being evaluated; only LevelDependent checks read it.
	Level Level
	// Params are the thresholds and lists of the profile.
	Params Params
	// Scope decides which namespaces namespaced checks inspect.
	Scope Scope

	// scoped holds the values that depend on both the snapshot and the scope, computed once
	// per snapshot by Prepare and shared by the copies of the Env the evaluator makes per level.
	scoped *scoped
}

type scoped struct {
	snap      *Snapshot
	once      sync.Once
	workloads []Workload
}

// Prepare computes the values the checks share for s: the snapshot's derived values and the
// workloads in scope. Call it before sharing s and the Env between goroutines, and do not change
// the Env's Scope afterwards; copies of the Env made afterwards share the values.
func (e *Env) Prepare(s *Snapshot) {
	s.Prepare()
	e.scoped = &scoped{snap: s}
	e.Workloads(s)
}

// Workloads returns the workloads of s in scope (see Scope.Workloads), computed once when the
// Env was prepared for s.
func (e *Env) Workloads(s *Snapshot) []Workload {
	if c := e.scoped; c != nil && c.snap == s {
		c.once.Do(func() { c.workloads = e.Scope.Workloads(s) })
		return c.workloads
	}
	return e.Scope.Workloads(s)
}

// Scope decides which namespaces namespaced checks inspect.
type Scope struct {
	// Selector limits namespaces by label; nil means every namespace.
	Selector labels.Selector
	// Excluded namespaces are never inspected by namespaced checks.
	Excluded map[string]bool
	// System namespaces are platform namespaces, left out of workload, network and labelling checks.
	System map[string]bool
}

// NewScope builds a Scope from the profile's selector, exclusions and system namespaces.
func NewScope(selector labels.Selector, excluded, system []string) Scope {
	sc := Scope{Selector: selector, Excluded: map[string]bool{}, System: map[string]bool{}}
	for _, n := range excluded {
		sc.Excluded[n] = true
	}
	for _, n := range system {
		sc.System[n] = true
	}
	return sc
}

// IsSystem reports whether ns is a platform namespace.
func (sc Scope) IsSystem(ns string) bool { return sc.System[ns] }

// InScope reports whether namespaced user checks inspect ns of the snapshot s: it is not a
// system or excluded namespace, and its labels, read from s, match the selector. A namespace
// missing from s (as in a manifest scan) is judged by name alone.
func (sc Scope) InScope(s *Snapshot, ns string) bool {
	if ns == "" || sc.System[ns] || sc.Excluded[ns] {
		return false
	}
	if sc.Selector == nil || sc.Selector.Empty() {
		return true
	}
	obj := s.Namespace(ns)
	if obj == nil {
		return s.Source == SourceManifests
	}
	return sc.Selector.Matches(labels.Set(obj.Labels))
}

// Namespaces returns the namespaces of s in scope that are not being deleted.
func (sc Scope) Namespaces(s *Snapshot) []*corev1.Namespace {
	var out []*corev1.Namespace
	for _, ns := range s.Namespaces {
		if ns.DeletionTimestamp == nil && sc.InScope(s, ns.Name) {
			out = append(out, ns)
		}
	}
	return out
}

// Workloads returns the workloads of s (see Snapshot.AllWorkloads) whose namespace is in scope,
// sorted by reference.
func (sc Scope) Workloads(s *Snapshot) []Workload {
	all := s.AllWorkloads()
	out := make([]Workload, 0, len(all))
	for _, w := range all {
		if sc.InScope(s, w.Ref.Namespace) {
			out = append(out, w)
		}
	}
	return out
}
