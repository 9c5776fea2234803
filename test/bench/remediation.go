package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/remediation"
)

// remediationResults are the remediation measurements over every namespace of the reference
// cluster.
type remediationResults struct {
	namespaces       int
	firstApply       time.Duration
	applied          int32
	inPlace          int32
	revert           time.Duration
	firstPlan        time.Duration
	planned          int32
	steady           []time.Duration
	dryRunsPerAudit  float64
	steadyAudits     int
	dryRunsFirstPlan float64
	// load is the 1-minute load average when the section started and when it ended.
	loadStart, loadEnd string
}

// remediationProfile remediates every namespace: default-deny policies and Pod Security warn
// and audit labels (enforce would be held back by the privileged pods in half the namespaces).
func remediationProfile(name string, mode securityv1alpha1.RemediationMode) *securityv1alpha1.SecurityProfile {
	return &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level:  securityv1alpha1.LevelL2,
			Checks: &securityv1alpha1.CheckSelection{Include: []securityv1alpha1.CheckSelector{"NET-002", "WKL-027"}},
			Remediation: securityv1alpha1.Remediation{Mode: mode, Actions: []securityv1alpha1.RemediationAction{
				securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels}},
		},
	}
}

// benchRemediation measures, with the operator running: the first Enabled remediation of every
// namespace, its revert when the profile is deleted, the first DryRun plan, and DryRun audits in
// steady state (cluster changes that do not change the desired state).
func benchRemediation(ctx context.Context, c client.Client, sz sizes, metricsPort int) (*remediationResults, error) {
	res := &remediationResults{namespaces: sz.Namespaces, loadStart: loadAverage()}
	defer func() { res.loadEnd = loadAverage() }()
	logf("remediation: first Enabled remediation of %d namespaces", sz.Namespaces)
	enabled := remediationProfile("bench-remediate", securityv1alpha1.RemediationEnabled)
	t0 := time.Now()
	if err := c.Create(ctx, enabled); err != nil {
		return nil, err
	}
	key := client.ObjectKeyFromObject(enabled)
	var last securityv1alpha1.SecurityProfile
	if err := waitFor(ctx, c, key, 5*time.Minute, func(p *securityv1alpha1.SecurityProfile) bool {
		last = *p
		r := p.Status.Remediation
		return r != nil && r.Planned == 0 && r.Applied+r.InPlace > 0 && remediated(p)
	}); err != nil {
		return nil, fmt.Errorf("first remediation: %w (%s)", err, remediationSummary(&last))
	}
	res.firstApply = time.Since(t0)
	res.applied, res.inPlace = last.Status.Remediation.Applied, last.Status.Remediation.InPlace
	owned, err := ownedPolicies(ctx, c)
	if err != nil {
		return nil, err
	}
	logf("remediation: first apply after %s (%d applied, %d in place, %d policies owned)", res.firstApply.Round(time.Millisecond), res.applied, res.inPlace, owned)

	logf("remediation: revert by deleting the profile")
	t0 = time.Now()
	if err := c.Delete(ctx, enabled); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err := c.Get(ctx, key, &securityv1alpha1.SecurityProfile{})
		if apierrors.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("revert: the profile is still there after 5 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.revert = time.Since(t0)
	if n, err := ownedPolicies(ctx, c); err != nil || n != 0 {
		return nil, fmt.Errorf("revert left %d policies (%v)", n, err)
	}
	if n, err := labelledNamespaces(ctx, c); err != nil || n != 0 {
		return nil, fmt.Errorf("revert left the labels of %d namespaces (%v)", n, err)
	}
	logf("remediation: reverted after %s", res.revert.Round(time.Millisecond))

	logf("remediation: first DryRun plan")
	dry := remediationProfile("bench-dryrun", securityv1alpha1.RemediationDryRun)
	dryRunsBefore, err := scrape(metricsPort, "kubeposture_remediation_dry_runs_total")
	if err != nil {
		return nil, err
	}
	t0 = time.Now()
	if err := c.Create(ctx, dry); err != nil {
		return nil, err
	}
	key = client.ObjectKeyFromObject(dry)
	if err := waitFor(ctx, c, key, 5*time.Minute, func(p *securityv1alpha1.SecurityProfile) bool {
		last = *p
		return p.Status.Remediation != nil && p.Status.Remediation.Planned > 0
	}); err != nil {
		return nil, fmt.Errorf("first plan: %w", err)
	}
	res.firstPlan = time.Since(t0)
	res.planned = last.Status.Remediation.Planned
	time.Sleep(2 * time.Second) // let audits the plan itself triggered settle
	dryRunsAfterPlan, err := scrape(metricsPort, "kubeposture_remediation_dry_runs_total")
	if err != nil {
		return nil, err
	}
	res.dryRunsFirstPlan = dryRunsAfterPlan - dryRunsBefore
	logf("remediation: first plan after %s (%d planned, %.0f dry runs)", res.firstPlan.Round(time.Millisecond), res.planned, res.dryRunsFirstPlan)

	logf("remediation: steady-state DryRun audits")
	auditsBefore, err := scrapeLabelled(metricsPort, "kubeposture_audits_total", `profile="bench-dryrun"`)
	if err != nil {
		return nil, err
	}
	for i := range 20 {
		before := last.Status.LastAuditTime.Time
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("steady-%d", i), Namespace: fmt.Sprintf("bench-%04d", (14*i+1)%sz.Namespaces)}, // odd: no enforce
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:1.0"}}},
		}
		if err := c.Create(ctx, pod); err != nil {
			return nil, err
		}
		if err := waitFor(ctx, c, key, 30*time.Second, func(p *securityv1alpha1.SecurityProfile) bool {
			last = *p
			return p.Status.LastAuditTime != nil && p.Status.LastAuditTime.After(before)
		}); err != nil {
			return nil, fmt.Errorf("steady-state audit %d: %w", i, err)
		}
		if last.Status.AuditDuration != nil {
			res.steady = append(res.steady, last.Status.AuditDuration.Duration)
		}
		time.Sleep(1100 * time.Millisecond)
	}
	auditsAfter, err := scrapeLabelled(metricsPort, "kubeposture_audits_total", `profile="bench-dryrun"`)
	if err != nil {
		return nil, err
	}
	dryRunsAfter, err := scrape(metricsPort, "kubeposture_remediation_dry_runs_total")
	if err != nil {
		return nil, err
	}
	res.steadyAudits = int(auditsAfter - auditsBefore)
	if res.steadyAudits > 0 {
		res.dryRunsPerAudit = (dryRunsAfter - dryRunsAfterPlan) / float64(res.steadyAudits)
	}
	logf("remediation: steady-state DryRun audit p50 %s, %.2f dry runs per audit", percentile(res.steady, 0.5), res.dryRunsPerAudit)
	if err := c.Delete(ctx, dry); err != nil {
		return nil, err
	}
	return res, nil
}

func remediated(p *securityv1alpha1.SecurityProfile) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == securityv1alpha1.ConditionRemediated {
			return c.Status == metav1.ConditionTrue && c.ObservedGeneration == p.Generation
		}
	}
	return false
}

func remediationSummary(p *securityv1alpha1.SecurityProfile) string {
	if p.Status.Remediation == nil {
		return "no remediation status"
	}
	r := p.Status.Remediation
	return fmt.Sprintf("planned %d applied %d inPlace %d conflicts %d blocked %d failed %d", r.Planned, r.Applied, r.InPlace, r.Conflicts, r.Blocked, r.Failed)
}

func ownedPolicies(ctx context.Context, c client.Client) (int, error) {
	var list networkingv1.NetworkPolicyList
	if err := c.List(ctx, &list, client.MatchingLabels{remediation.LabelManagedBy: remediation.FieldManager}); err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

func labelledNamespaces(ctx context.Context, c client.Client) (int, error) {
	var list corev1.NamespaceList
	if err := c.List(ctx, &list); err != nil {
		return 0, err
	}
	n := 0
	for _, ns := range list.Items {
		if ns.Annotations[remediation.AnnotationManagedLabels] != "" {
			n++
		}
	}
	return n, nil
}

func (r *remediationResults) markdown() string {
	var b strings.Builder
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d.Microseconds())/1000) }
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	fmt.Fprintln(&b)
	fmt.Fprintln(&b, "## Remediation")
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "One profile remediates all %d namespaces of the reference cluster (actions `DefaultDenyNetworkPolicy` and `PodSecurityLabels`, warn and audit; checks NET-002 and WKL-027) while the L3 profile above keeps auditing. Half the namespaces already have a default-deny policy and Pod Security labels of their own.\n\n", r.namespaces)
	fmt.Fprintln(&b, "| Measure | Value | Target |")
	fmt.Fprintln(&b, "|---|---|---|")
	fmt.Fprintf(&b, "| First Enabled remediation, profile created to `Remediated=True` (%d changes applied, %d already in place) | %s | under 10 s: %s |\n", r.applied, r.inPlace, ms(r.firstApply), verdict(r.firstApply < 10*time.Second))
	fmt.Fprintf(&b, "| Revert, profile deleted to gone (finalizer done, nothing of it left) | %s | under 10 s: %s |\n", ms(r.revert), verdict(r.revert < 10*time.Second))
	fmt.Fprintf(&b, "| First DryRun plan, profile created to status (%d changes planned, %.0f server-side dry runs) | %s | — |\n", r.planned, r.dryRunsFirstPlan, ms(r.firstPlan))
	fmt.Fprintf(&b, "| Steady-state DryRun audit, p50 / p99 (%d audits after pod changes) | %s / %s | under 1 s: %s |\n", len(r.steady), ms(percentile(r.steady, 0.5)), ms(percentile(r.steady, 0.99)), verdict(percentile(r.steady, 0.99) < time.Second))
	fmt.Fprintf(&b, "| Server-side dry runs per steady-state DryRun audit (%d audits) | %.2f | 0 |\n", r.steadyAudits, r.dryRunsPerAudit)
	fmt.Fprintln(&b)
	fmt.Fprintf(&b, "Load average (1 min) on %d CPUs: %s when the section started, %s when it ended.\n\n", runtime.NumCPU(), r.loadStart, r.loadEnd)
	fmt.Fprintf(&b, "A remediation pass sends at most %d requests at once. DryRun results are cached by content (the object as it would be applied and the resource version of the object it would change), so a DryRun audit sends dry runs only for what changed. Steady-state audits are the DryRun profile's `status.auditDuration` (snapshot, evaluation and the remediation pass) after a pod is created in some namespace; each change also makes the L3 profile audit, and both profiles' audits run concurrently.\n", remediation.DefaultParallelism)
	return b.String()
}

// loadAverage is the 1-minute load average from /proc/loadavg, or "unknown".
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(data)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

// replaceRemediationSection writes section in place of the report's remediation section (from
// its heading to the first section another mode writes: scan, peers or scaling curve), keeping
// everything else.
func replaceRemediationSection(root, out, section string) error {
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	doc := string(data)
	start := strings.Index(doc, "\n## Remediation\n")
	if start < 0 {
		return fmt.Errorf("%s has no \"## Remediation\" section to replace; run the whole benchmark", out)
	}
	end := firstSectionStart(doc[start:])
	if end < 0 {
		end = len(doc) - start
	}
	fmt.Print(section)
	return os.WriteFile(out, []byte(doc[:start]+section+"\n\n"+doc[start+end:]), 0o644) //nolint:gosec // a docs file
}
