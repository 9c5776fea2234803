package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// quickLease makes a replica that replaces a killed one take over within seconds; the outage
// test uses the defaults the Deployment runs with.
var quickLease = []string{"--leader-elect-lease-duration", "6s", "--leader-elect-renew-deadline", "4s", "--leader-elect-retry-period", "1s"}

func scopedNamespaces(t *testing.T, prefix string, n int) []string {
	t.Helper()
	var names []string
	for i := range n {
		name := fmt.Sprintf("%s-%02d", prefix, i)
		create(t, namespace(name, prefix))
		names = append(names, name)
	}
	return names
}

func profileFor(name, scope string, mode securityv1alpha1.RemediationMode, actions ...securityv1alpha1.RemediationAction) *securityv1alpha1.SecurityProfile {
	return &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level:             securityv1alpha1.LevelL1,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"e2e": scope}},
			Remediation:       securityv1alpha1.Remediation{Mode: mode, Actions: actions},
		},
	}
}

func audited(p *securityv1alpha1.SecurityProfile) bool {
	return p.Status.ObservedGeneration == p.Generation && meta.IsStatusConditionTrue(p.Status.Conditions, securityv1alpha1.ConditionReady)
}

// bumpGeneration changes the profile's spec so a fresh audit must follow.
func bumpGeneration(t *testing.T, name string) int64 {
	t.Helper()
	p := getProfile(t, name)
	patch := client.MergeFrom(p.DeepCopy())
	if p.Spec.Level == securityv1alpha1.LevelL1 {
		p.Spec.Level = securityv1alpha1.LevelL2
	} else {
		p.Spec.Level = securityv1alpha1.LevelL1
	}
	if err := suite.admin.Patch(context.Background(), p, patch); err != nil {
		t.Fatal(err)
	}
	return p.Generation
}

// TestLeaderSurvivesAPIServerOutage stops the API server for 30 s while the operator leads and
// audits, with leader election timed as the shipped Deployment runs it: the operator must not
// exit, must keep the Lease, and must audit again once the API server is back.
func TestLeaderSurvivesAPIServerOutage(t *testing.T) {
	scopedNamespaces(t, "outage", 3)
	op := startOperator(t, "outage")
	create(t, profileFor("outage", "outage", securityv1alpha1.RemediationDisabled))
	waitProfile(t, "outage", 60*time.Second, "first audit", audited)
	holder := leaseHolder(t)
	if holder == "" {
		t.Fatal("the operator holds no Lease")
	}
	// The next audit starts while the API server goes away.
	bumpGeneration(t, "outage")
	restartAPIServer(t, 30*time.Second)
	if !op.running() {
		t.Fatalf("the operator exited during a 30 s API server outage: %v", op.err)
	}
	back := time.Now()
	gen := bumpGeneration(t, "outage")
	// The informers reconnect within 2 s of the API server's return and a failed reconcile is
	// retried within 10 s (controllers.MaxRetryDelay); measured: under a second. The rest is
	// margin for a loaded machine.
	waitProfile(t, "outage", 30*time.Second, "an audit after the outage", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.ObservedGeneration >= gen && audited(p)
	})
	progress("outage: audited %s after the API server came back", time.Since(back).Round(100*time.Millisecond))
	if !op.running() {
		t.Fatalf("the operator exited after the outage: %v", op.err)
	}
	if h := leaseHolder(t); h != holder {
		t.Errorf("the Lease changed hands from %s to %s", holder, h)
	}
	deleteProfile(t, "outage", 30*time.Second)
	op.stop(t)
}

// policiesPerNamespace lists the operator's NetworkPolicies in the namespaces, in one request,
// by name per namespace.
func policiesPerNamespace(t *testing.T, namespaces []string) map[string][]string {
	t.Helper()
	in := map[string]bool{}
	for _, ns := range namespaces {
		in[ns] = true
	}
	var list networkingv1.NetworkPolicyList
	if err := suite.admin.List(context.Background(), &list, client.MatchingLabels{"app.kubernetes.io/managed-by": "kubeposture"}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, np := range list.Items {
		if in[np.Namespace] {
			out[np.Namespace] = append(out[np.Namespace], np.Name)
		}
	}
	return out
}

// killAtFirstPolicy watches the operator's NetworkPolicies and kills op with SIGKILL as soon as
// the first one is created.
func killAtFirstPolicy(t *testing.T, op *operatorProcess, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w, err := suite.cs.NetworkingV1().NetworkPolicies(metav1.NamespaceAll).Watch(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=kubeposture"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == watch.Added {
			op.kill()
			return
		}
	}
	t.Fatalf("no NetworkPolicy of the operator appeared within %s", timeout)
}

// TestKillMidRemediationConverges kills the operator with SIGKILL as soon as it creates the
// first of its default-deny policies across many namespaces; a new replica finishes the job: one
// policy per namespace, none twice, and the status counts every namespace as remediated.
func TestKillMidRemediationConverges(t *testing.T) {
	const n = 200
	namespaces := scopedNamespaces(t, "kill", n)
	op := startOperator(t, "kill-1", quickLease...)
	p := profileFor("kill", "kill", securityv1alpha1.RemediationEnabled, securityv1alpha1.ActionDefaultDenyNetworkPolicy)
	create(t, p)
	killAtFirstPolicy(t, op, 90*time.Second)
	got := policiesPerNamespace(t, namespaces)
	progress("kill: SIGKILL with %d of %d namespaces remediated", len(got), n)
	if len(got) >= n {
		t.Fatalf("the kill came after every namespace was remediated (%d of %d): it must interrupt the pass", len(got), n)
	}

	op = startOperator(t, "kill-2", quickLease...)
	status := waitProfile(t, "kill", 120*time.Second, "every namespace remediated", func(p *securityv1alpha1.SecurityProfile) bool {
		r := p.Status.Remediation
		return audited(p) && r != nil && r.Applied+r.InPlace >= n && r.Failed == 0
	})
	after := policiesPerNamespace(t, namespaces)
	for ns, names := range after {
		if len(names) != 1 || names[0] != "kubeposture-default-deny-ingress" {
			t.Errorf("namespace %s has the operator's policies %v, want exactly [kubeposture-default-deny-ingress]", ns, names)
		}
	}
	if len(after) != n {
		t.Errorf("only %d of %d namespaces have the policy", len(after), n)
	}
	if r := status.Status.Remediation; r.Applied+r.InPlace != n || r.Conflicts != 0 || r.Blocked != 0 {
		t.Errorf("status counts %d applied, %d in place, %d conflicts, %d blocked; want %d remediated in all",
			r.Applied, r.InPlace, r.Conflicts, r.Blocked, n)
	}
	if c := meta.FindStatusCondition(status.Status.Conditions, securityv1alpha1.ConditionRemediated); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Remediated must be True once every namespace has its policy: %+v", c)
	}

	t.Run("OwnedObjectDeletedByHand", func(t *testing.T) {
		ctx := context.Background()
		deleted := &networkingv1.NetworkPolicy{}
		if err := suite.admin.Get(ctx, client.ObjectKey{Namespace: namespaces[0], Name: "kubeposture-default-deny-ingress"}, deleted); err != nil {
			t.Fatal(err)
		}
		if err := suite.admin.Delete(ctx, deleted); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, "the deleted policy to be recreated", func() bool {
			return suite.admin.Get(ctx, client.ObjectKey{Namespace: namespaces[0], Name: "kubeposture-default-deny-ingress"}, &networkingv1.NetworkPolicy{}) == nil
		})
	})

	t.Run("ProfileDeletedWhileOperatorDown", func(t *testing.T) {
		op.stop(t)
		if err := suite.admin.Delete(context.Background(), &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "kill"}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if getProfile(t, "kill") == nil {
			t.Fatal("the profile went away without its finalizer reverting the changes")
		}
		op = startOperator(t, "kill-3", quickLease...)
		eventually(t, 60*time.Second, "the profile to be finalized", func() bool { return getProfile(t, "kill") == nil })
		if left := policiesPerNamespace(t, namespaces); len(left) != 0 {
			t.Errorf("the operator's policies are left in %d namespaces after the profile was deleted", len(left))
		}
		op.stop(t)
	})
}

// TestTwoReplicasWithLeaderElection runs two replicas: one leads and audits; when it stops, the
// other takes over the Lease and audits.
func TestTwoReplicasWithLeaderElection(t *testing.T) {
	scopedNamespaces(t, "replicas", 2)
	a := startOperator(t, "replica-a", quickLease...)
	b := startOperator(t, "replica-b", quickLease...)
	create(t, profileFor("replicas", "replicas", securityv1alpha1.RemediationDisabled))
	waitProfile(t, "replicas", 60*time.Second, "first audit", audited)
	first := leaseHolder(t)
	leader, standby := a, b
	if !strings.Contains(tail(a.log, 1000), "Successfully acquired lease") {
		leader, standby = b, a
	}
	if strings.Contains(tail(standby.log, 1000), "Successfully acquired lease") {
		t.Fatalf("both replicas acquired the Lease")
	}
	progress("replicas: %s leads (%s); stopping it", leader.name, first)
	leader.stop(t)
	eventually(t, 30*time.Second, "the standby to take over the Lease", func() bool {
		h := leaseHolder(t)
		return h != "" && h != first
	})
	gen := bumpGeneration(t, "replicas")
	waitProfile(t, "replicas", 60*time.Second, "the new leader to audit", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.ObservedGeneration >= gen && audited(p)
	})
	if !standby.running() {
		t.Fatalf("the new leader exited: %v", standby.err)
	}
	deleteProfile(t, "replicas", 30*time.Second)
	standby.stop(t)
}

// TestOptionalRoleRemoved removes each optional role in turn and checks the documented result:
// a remediation change it would grant is reported Failed (forbidden) and nothing else breaks;
// without the secrets-reader role and with --read-secrets=false the Secret checks are Skipped.
func TestOptionalRoleRemoved(t *testing.T) {
	ns := scopedNamespaces(t, "degraded", 1)[0]
	create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}})
	cases := []struct {
		role   string
		action securityv1alpha1.RemediationAction
		setup  func(t *testing.T)
	}{
		{role: "kubeposture-remediation", action: securityv1alpha1.ActionDefaultDenyNetworkPolicy},
		{role: "kubeposture-remediation-serviceaccounts", action: securityv1alpha1.ActionDisableDefaultServiceAccountAutomount},
		{role: "kubeposture-remediation-pods", action: securityv1alpha1.ActionDeleteTerminatedPods,
			setup: func(t *testing.T) { terminatedPod(t, ns, "finished-long-ago") }},
		{role: "kubeposture-remediation-bootstrap-tokens", action: securityv1alpha1.ActionDeleteExpiredBootstrapTokens,
			setup: func(t *testing.T) { expiredBootstrapToken(t, "dgrade") }},
	}
	for i, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			withoutRole(t, tc.role)
			if tc.setup != nil {
				tc.setup(t)
			}
			op := startOperator(t, "degraded-"+tc.role)
			name := fmt.Sprintf("degraded-%d", i)
			create(t, profileFor(name, "degraded", securityv1alpha1.RemediationEnabled, tc.action))
			got := waitProfile(t, name, 60*time.Second, string(tc.action)+" reported Failed (forbidden)", func(p *securityv1alpha1.SecurityProfile) bool {
				if !audited(p) || p.Status.Remediation == nil {
					return false
				}
				for _, a := range p.Status.Remediation.Actions {
					if a.Action == tc.action && a.State == securityv1alpha1.StateFailed && strings.Contains(a.Message, "forbidden") {
						return true
					}
				}
				return false
			})
			if c := meta.FindStatusCondition(got.Status.Conditions, securityv1alpha1.ConditionRemediated); c == nil || c.Status != metav1.ConditionFalse {
				t.Errorf("Remediated must be False when a change is forbidden: %+v", c)
			}
			// Without the role the finalizer cannot revert anything it could not do: the profile goes.
			deleteProfile(t, name, 30*time.Second)
			if !op.running() {
				t.Fatalf("the operator exited without %s: %v", tc.role, op.err)
			}
			op.stop(t)
		})
	}
	t.Run("kubeposture-node-proxy", func(t *testing.T) {
		withoutRole(t, "kubeposture-node-proxy")
		node(t, "degraded-node")
		op := startOperator(t, "degraded-node-proxy")
		p := profileFor("degraded-node-proxy", "degraded", securityv1alpha1.RemediationDisabled)
		p.Spec.Level = securityv1alpha1.LevelL3
		p.Spec.Parameters.ReadKubeletConfig = true
		create(t, p)
		got := waitProfile(t, p.Name, 60*time.Second, "an audit without kubelet configuration", audited)
		// The kubelet checks (anonymous auth, authorization mode, read-only port, certificate
		// rotation) read the configuration through nodes/proxy.
		kubelet := map[string]bool{"NODE-010": true, "NODE-011": true, "NODE-012": true, "NODE-017": true}
		for _, c := range got.Status.Checks {
			if c.Result == "Error" && (kubelet[c.ID] || strings.Contains(c.Message, "proxy") || strings.Contains(c.Message, "kubelet config")) {
				t.Errorf("%s is Error without the node-proxy role: %s", c.ID, c.Message)
			}
			if kubelet[c.ID] {
				if c.Result != "Skipped" || !strings.Contains(c.Message, "kubeposture-node-proxy") || !strings.Contains(c.Message, "nodes/proxy") {
					t.Errorf("%s is %s (%q); want Skipped naming nodes/proxy and the node-proxy role", c.ID, c.Result, c.Message)
				}
				delete(kubelet, c.ID)
			}
		}
		if len(kubelet) > 0 {
			t.Errorf("the kubelet checks %v are missing from the status of an L3 profile", kubelet)
		}
		deleteProfile(t, p.Name, 30*time.Second)
		if !op.running() {
			t.Fatalf("the operator exited without the node-proxy role: %v", op.err)
		}
		op.stop(t)
	})
	t.Run("kubeposture-prevention", func(t *testing.T) {
		withoutRole(t, "kubeposture-prevention")
		withoutRole(t, "kubeposture-prevention-params")
		op := startOperator(t, "degraded-prevention")
		p := profileFor("degraded-prevention", "degraded", securityv1alpha1.RemediationDisabled)
		p.Spec.Prevention = securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionWarn, Checks: []securityv1alpha1.CheckSelector{"WKL-001", "WKL-002"}}
		create(t, p)
		got := waitProfile(t, p.Name, 60*time.Second, "each policy reported Failed (forbidden)", func(p *securityv1alpha1.SecurityProfile) bool {
			if !audited(p) || p.Status.Prevention == nil || len(p.Status.Prevention.Checks) == 0 {
				return false
			}
			for _, c := range p.Status.Prevention.Checks {
				if c.State != securityv1alpha1.PreventionStateFailed || !strings.Contains(c.Message, "forbidden") {
					return false
				}
			}
			return true
		})
		if n := got.Status.Prevention.Policies; n != 0 {
			t.Errorf("status counts %d policies in place without the prevention role", n)
		}
		// Nothing was generated, so nothing blocks the deletion.
		deleteProfile(t, p.Name, 30*time.Second)
		if !op.running() {
			t.Fatalf("the operator exited without the prevention role: %v", op.err)
		}
		op.stop(t)
	})
	t.Run("kubeposture-secrets-reader", func(t *testing.T) {
		withoutRole(t, "kubeposture-secrets-reader")
		op := startOperator(t, "degraded-secrets", "--read-secrets=false")
		create(t, profileFor("degraded-secrets", "degraded", securityv1alpha1.RemediationDisabled))
		got := waitProfile(t, "degraded-secrets", 60*time.Second, "an audit without Secrets", audited)
		skipped := 0
		for _, c := range got.Status.Checks {
			if strings.HasPrefix(c.ID, "SEC-") && c.Result == "Skipped" && strings.Contains(c.Message, "secrets-reader") {
				skipped++
			}
		}
		if skipped == 0 {
			t.Errorf("no Secret check is Skipped naming the secrets-reader role")
		}
		deleteProfile(t, "degraded-secrets", 30*time.Second)
		op.stop(t)
	})
}
