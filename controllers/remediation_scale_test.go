package controllers_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
)

// apiserverDryRuns counts the dry-run requests the API server has served, from its own metrics.
func apiserverDryRuns(t *testing.T) float64 {
	t.Helper()
	cfg := rest.CopyConfig(restConfig)
	rc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rc.Get(strings.TrimSuffix(cfg.Host, "/") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	sum := 0.0
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "apiserver_request_total{") || !strings.Contains(line, `dry_run="All"`) {
			continue
		}
		v, _ := strconv.ParseFloat(strings.TrimSpace(line[strings.LastIndex(line, "}")+1:]), 64)
		sum += v
	}
	return sum
}

func TestSteadyStateDryRunSendsNoDryRuns(t *testing.T) {
	ctx := context.Background()
	var nss []string
	for i := range 5 {
		ns := fmt.Sprintf("rem-steady-%d", i)
		createNamespace(t, ns, "rem-steady")
		nss = append(nss, ns)
	}
	p := remediatingProfile("steady", "rem-steady", securityv1alpha1.LevelL2, securityv1alpha1.RemediationDryRun, []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"},
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels)
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "the plan", func(p *securityv1alpha1.SecurityProfile) bool {
		return p.Status.Remediation != nil && p.Status.Remediation.Planned >= 15
	})
	time.Sleep(time.Second)
	before := apiserverDryRuns(t)
	if before == 0 {
		t.Fatal("the plan was validated by server-side dry runs, so the API server counted some")
	}
	// Changes that leave the desired state alone: each brings an audit, none a dry run.
	for i, ns := range nss[:3] {
		time.Sleep(1100 * time.Millisecond) // lastAuditTime has a resolution of one second
		last := got.Status.LastAuditTime.Time
		if err := k8sClient.Create(ctx, pod(ns, fmt.Sprintf("steady-%d", i), false)); err != nil {
			t.Fatal(err)
		}
		got = waitFor(t, p.Name, 20*time.Second, "an audit after the change", func(p *securityv1alpha1.SecurityProfile) bool {
			return p.Status.LastAuditTime != nil && p.Status.LastAuditTime.After(last)
		})
	}
	if after := apiserverDryRuns(t); after != before {
		t.Errorf("steady-state DryRun audits sent %.0f dry runs; the desired state did not change, so none are needed", after-before)
	}
	if got.Status.Remediation == nil || got.Status.Remediation.Planned < 15 {
		t.Errorf("the plan stays reported from the cache: %+v", got.Status.Remediation)
	}
	deleteProfileAndWait(t, p.Name)
}

// maxConcurrentReconciles reads controller-runtime's gauge for the SecurityProfile controller,
// which is set once the controller has started (after its caches synced).
func maxConcurrentReconciles(t *testing.T) float64 {
	t.Helper()
	var n float64
	eventually(t, 2*time.Minute, "the securityprofile controller to start", func() bool {
		var ok bool
		n, ok = gaugeOfController(t)
		return ok
	})
	return n
}

func gaugeOfController(t *testing.T) (float64, bool) {
	t.Helper()
	families, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "controller_runtime_max_concurrent_reconciles" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "securityprofile" {
					return m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

func TestTwoProfilesRemediateSharedNamespacesConcurrently(t *testing.T) {
	ctx := context.Background()
	if n := maxConcurrentReconciles(t); n < 2 {
		t.Fatalf("profiles are reconciled one at a time (MaxConcurrentReconciles=%.0f)", n)
	}
	var nss []string
	for i := range 8 {
		ns := fmt.Sprintf("rem-shared-%d", i)
		createNamespace(t, ns, "rem-shared")
		nss = append(nss, ns)
	}
	a := remediatingProfile("shared-a", "rem-shared", securityv1alpha1.LevelL2, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"},
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels)
	b := remediatingProfile("shared-b", "rem-shared", securityv1alpha1.LevelL1, securityv1alpha1.RemediationEnabled, []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"},
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels)
	createProfile(t, a)
	createProfile(t, b)
	for _, name := range []string{a.Name, b.Name} {
		got := waitFor(t, name, 30*time.Second, "Remediated=True", func(p *securityv1alpha1.SecurityProfile) bool {
			return hasCondition(p, securityv1alpha1.ConditionRemediated, metav1.ConditionTrue, securityv1alpha1.ReasonRemediated)
		})
		if r := got.Status.Remediation; r.Failed+r.Conflicts+r.Blocked > 0 {
			t.Errorf("%s: the profiles' passes raced: %+v", name, r)
		}
	}
	eventually(t, 20*time.Second, "every namespace to hold one policy wanted by both and the stricter level", func() bool {
		for _, ns := range nss {
			var list networkingv1.NetworkPolicyList
			if err := k8sClient.List(ctx, &list, client.InNamespace(ns)); err != nil || len(list.Items) != 1 ||
				list.Items[0].Annotations[controllers.AnnotationProfiles] != "shared-a,shared-b" {
				return false
			}
			if namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"] != "restricted" {
				return false
			}
		}
		return true
	})
	deleteProfileAndWait(t, a.Name)
	eventually(t, 20*time.Second, "the policies to name the remaining profile and warn=baseline", func() bool {
		for _, ns := range nss {
			np := &networkingv1.NetworkPolicy{}
			if k8sClient.Get(ctx, client.ObjectKey{Namespace: ns, Name: "kubeposture-default-deny-ingress"}, np) != nil ||
				np.Annotations[controllers.AnnotationProfiles] != "shared-b" || namespaceLabels(t, ns)["pod-security.kubernetes.io/warn"] != "baseline" {
				return false
			}
		}
		return true
	})
	deleteProfileAndWait(t, b.Name)
	for _, ns := range nss {
		if policyExists("kubeposture-default-deny-ingress", ns) {
			t.Errorf("%s: the policy outlived both profiles", ns)
		}
	}
}
