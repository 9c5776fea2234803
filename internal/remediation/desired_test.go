package remediation

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func profile(name string, level securityv1alpha1.Level, mode securityv1alpha1.RemediationMode, actions ...securityv1alpha1.RemediationAction) securityv1alpha1.SecurityProfile {
	return securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level:             level,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}},
			Remediation:       securityv1alpha1.Remediation{Mode: mode, Actions: actions},
		},
	}
}

func snapshot(objs ...any) *benchmarks.Snapshot {
	s := &benchmarks.Snapshot{Source: benchmarks.SourceCluster}
	for _, o := range objs {
		s.Add(o)
	}
	return s
}

func ns(name, team string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"team": team}}}
}

func userDenyIngress(namespace string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "deny-all"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
}

// policiesOf renders the wanted NetworkPolicies as "namespace/name applying=… planning=…".
func policiesOf(d DesiredState) []string {
	var out []string
	for key, p := range d.policies {
		out = append(out, fmt.Sprintf("%s applying=%v all=%v", key, p.applying, p.profiles))
	}
	sort.Strings(out)
	return out
}

// labelsOf renders the wanted namespace labels as "namespace key=value (applying) planned (dry run)".
func labelsOf(d DesiredState) []string {
	var out []string
	for namespace, labels := range d.labels {
		for key, l := range labels {
			out = append(out, fmt.Sprintf("%s %s=%q by %v planned %q by %v", namespace, key, l.value, l.applying, l.planned, l.dryRun.profiles))
		}
	}
	sort.Strings(out)
	return out
}

func TestDesired(t *testing.T) {
	const (
		enabled = securityv1alpha1.RemediationEnabled
		dryRun  = securityv1alpha1.RemediationDryRun
		deny    = securityv1alpha1.ActionDefaultDenyNetworkPolicy
		psa     = securityv1alpha1.ActionPodSecurityLabels
	)
	cases := []struct {
		name     string
		snap     *benchmarks.Snapshot
		profiles []securityv1alpha1.SecurityProfile
		policies []string
		labels   []string
	}{
		{
			name:     "no remediating profile wants nothing",
			snap:     snapshot(ns("a1", "a")),
			profiles: []securityv1alpha1.SecurityProfile{profile("off", securityv1alpha1.LevelL1, securityv1alpha1.RemediationDisabled, deny)},
		},
		{
			name:     "default deny in scoped namespaces without a deny policy of their own",
			snap:     snapshot(ns("a1", "a"), ns("a2", "a"), ns("b1", "b"), userDenyIngress("a2")),
			profiles: []securityv1alpha1.SecurityProfile{profile("p", securityv1alpha1.LevelL1, enabled, deny)},
			policies: []string{"a1/kubeposture-default-deny-ingress applying=[p] all=[p]"},
		},
		{
			name:     "L3 denies egress too and allows DNS",
			snap:     snapshot(ns("a1", "a")),
			profiles: []securityv1alpha1.SecurityProfile{profile("p", securityv1alpha1.LevelL3, dryRun, deny)},
			policies: []string{
				"a1/kubeposture-allow-dns applying=[] all=[p]",
				"a1/kubeposture-default-deny-egress applying=[] all=[p]",
				"a1/kubeposture-default-deny-ingress applying=[] all=[p]",
			},
		},
		{
			name: "two Enabled profiles: one policy wanted by both, the stricter Pod Security level",
			snap: snapshot(ns("a1", "a")),
			profiles: []securityv1alpha1.SecurityProfile{
				profile("strict", securityv1alpha1.LevelL2, enabled, deny, psa), profile("basic", securityv1alpha1.LevelL1, enabled, deny, psa)},
			policies: []string{"a1/kubeposture-default-deny-ingress applying=[basic strict] all=[basic strict]"},
			labels: []string{
				`a1 pod-security.kubernetes.io/audit="restricted" by [basic strict] planned "" by []`,
				`a1 pod-security.kubernetes.io/warn="restricted" by [basic strict] planned "" by []`,
			},
		},
		{
			name: "a DryRun profile's stricter level is planned, never applied",
			snap: snapshot(ns("a1", "a")),
			profiles: []securityv1alpha1.SecurityProfile{
				profile("strict", securityv1alpha1.LevelL2, dryRun, psa), profile("basic", securityv1alpha1.LevelL1, enabled, psa)},
			labels: []string{
				`a1 pod-security.kubernetes.io/audit="baseline" by [basic] planned "restricted" by [strict]`,
				`a1 pod-security.kubernetes.io/warn="baseline" by [basic] planned "restricted" by [strict]`,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Desired(tc.snap, time.Time{}, Profiles(tc.profiles, ""))
			if got := policiesOf(d); !reflect.DeepEqual(got, tc.policies) {
				t.Errorf("policies:\n got %q\nwant %q", got, tc.policies)
			}
			if got := labelsOf(d); !reflect.DeepEqual(got, tc.labels) {
				t.Errorf("labels:\n got %q\nwant %q", got, tc.labels)
			}
		})
	}
}

func TestProfilesExcludesTheDeletedAndTheNonRemediating(t *testing.T) {
	deleting := profile("deleting", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled)
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	list := []securityv1alpha1.SecurityProfile{
		profile("z", securityv1alpha1.LevelL1, securityv1alpha1.RemediationDryRun),
		profile("off", securityv1alpha1.LevelL1, securityv1alpha1.RemediationDisabled),
		profile("a", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled),
		profile("excluded", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled),
		deleting,
	}
	var names []string
	for _, p := range Profiles(list, "excluded") {
		names = append(names, p.name)
	}
	if want := []string{"a", "z"}; !reflect.DeepEqual(names, want) {
		t.Errorf("remediating profiles %v, want %v", names, want)
	}
}

func TestStatus(t *testing.T) {
	action := func(state securityv1alpha1.RemediationState, name string) securityv1alpha1.RemediationActionStatus {
		return securityv1alpha1.RemediationActionStatus{Action: securityv1alpha1.ActionDefaultDenyNetworkPolicy, State: state,
			Object: securityv1alpha1.ObjectReference{Kind: "NetworkPolicy", Namespace: name, Name: "kubeposture-default-deny-ingress"}}
	}
	many := make([]securityv1alpha1.RemediationActionStatus, 0, 30)
	for i := range 30 {
		many = append(many, action(securityv1alpha1.StateInPlace, fmt.Sprintf("ns-%02d", i)))
	}
	cases := []struct {
		name    string
		actions []securityv1alpha1.RemediationActionStatus
		counts  [6]int32 // planned, applied, in place, conflicts, blocked, failed
		first   []string // namespaces of the listed actions, in order
	}{
		{name: "nothing to do", counts: [6]int32{}},
		{
			name: "problems first, then changes, then what was in place",
			actions: []securityv1alpha1.RemediationActionStatus{action(securityv1alpha1.StateInPlace, "a"), action(securityv1alpha1.StateApplied, "b"),
				action(securityv1alpha1.StateFailed, "c"), action(securityv1alpha1.StateBlocked, "d"), action(securityv1alpha1.StateConflict, "e"),
				action(securityv1alpha1.StatePlanned, "f")},
			counts: [6]int32{1, 1, 1, 1, 1, 1},
			first:  []string{"c", "e", "d", "b", "f", "a"},
		},
		{
			name: "counted in full, listed up to 20", actions: many, counts: [6]int32{0, 0, 30, 0, 0, 0},
			first: func() []string {
				var out []string
				for i := range 20 {
					out = append(out, fmt.Sprintf("ns-%02d", i))
				}
				return out
			}(),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := Status(tc.actions)
			if got := [6]int32{st.Planned, st.Applied, st.InPlace, st.Conflicts, st.Blocked, st.Failed}; got != tc.counts {
				t.Errorf("counts %v, want %v", got, tc.counts)
			}
			var order []string
			for _, a := range st.Actions {
				order = append(order, a.Object.Namespace)
			}
			if !reflect.DeepEqual(order, tc.first) {
				t.Errorf("listed %v, want %v", order, tc.first)
			}
		})
	}
}
