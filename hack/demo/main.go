// Command demo starts a local control plane, creates a small insecure cluster, runs the
// operator against it with the sample L2 profile and prints the result, then shows remediation
// and a staged rollout of prevention that ends with a privileged pod rejected at admission. Everything it starts
// is stopped on exit; DEMO_KEEP=1 keeps it running until interrupted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"go.uber.org/zap/zapcore"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/certgen"
	"github.com/kubeposture/kubeposture/internal/cli"
	"github.com/kubeposture/kubeposture/internal/manifest"
	"github.com/kubeposture/kubeposture/internal/operator"
	"github.com/kubeposture/kubeposture/internal/prevention"
	"github.com/kubeposture/kubeposture/test/envtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) { fmt.Printf("\n==> "+format+"\n", args...) }

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapErrorsOnly)))
	root, err := envtest.RepoRoot()
	if err != nil {
		return err
	}

	step("Starting a local control plane (kube-apiserver and etcd from bin/k8s)")
	env, err := envtest.Start(filepath.Join(root, "test", "crds")) // Velero's kinds
	if err != nil {
		return err
	}
	defer func() {
		step("Stopping the operator and the control plane")
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}()
	kubeconfig, err := env.WriteAdminKubeconfig("demo-admin")
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	c, err := client.New(env.Config, client.Options{Scheme: operator.Scheme})
	if err != nil {
		return err
	}

	step("Creating a sample insecure cluster (hack/demo/cluster)")
	if err := createSampleCluster(ctx, c, filepath.Join(root, "hack", "demo", "cluster")); err != nil {
		return err
	}

	step("Starting the operator")
	mgr, err := operator.NewManager(env.Config, operator.Options{MetricsAddr: "0", ProbeAddr: "0", ReadSecrets: true})
	if err != nil {
		return err
	}
	mgrCtx, stopMgr := context.WithCancel(ctx)
	mgrDone := make(chan error, 1)
	go func() { mgrDone <- mgr.Start(mgrCtx) }()
	defer func() {
		stopMgr()
		<-mgrDone
	}()

	step("Applying the sample L2 profile (config/samples/security_v1alpha1_securityprofile_l2.yaml)")
	profile, err := applyProfile(ctx, c, filepath.Join(root, "config", "samples", "security_v1alpha1_securityprofile_l2.yaml"))
	if err != nil {
		return err
	}

	step("Waiting for the first audit")
	if err := waitForAudit(ctx, c, profile); err != nil {
		return err
	}

	step("kubectl get securityprofiles -o wide")
	kubectl := filepath.Join(root, "bin", "k8s", "kubectl")
	cmd := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfig, "get", "securityprofiles", "-o", "wide") //nolint:gosec // our own binary
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("running kubectl: %w", err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(profile), profile); err != nil {
		return err
	}
	printStatus(profile)

	step("kubeposture audit with the same profile, compared with the operator's status")
	if err := compareWithAudit(ctx, c, kubeconfig, filepath.Join(root, "config", "samples", "security_v1alpha1_securityprofile_l2.yaml"), profile); err != nil {
		return err
	}

	if err := demoRemediation(ctx, c, profile); err != nil {
		return err
	}

	if err := demoPrevention(ctx, env.Config, c); err != nil {
		return err
	}

	if os.Getenv("DEMO_KEEP") != "" {
		step("DEMO_KEEP is set: the cluster and the operator keep running until you press Ctrl-C")
		fmt.Printf("    export KUBECONFIG=%s\n    %s get securityprofiles -o wide\n", kubeconfig, kubectl)
		<-ctx.Done()
	}
	return nil
}

const zapErrorsOnly = zapcore.ErrorLevel

func createSampleCluster(ctx context.Context, c client.Client, dir string) error {
	objs, err := manifest.ReadPaths([]string{dir})
	if err != nil {
		return err
	}
	for _, o := range objs {
		obj, ok := o.Object.(client.Object)
		if !ok {
			return fmt.Errorf("%s:%d: not an object", o.File, o.Line)
		}
		node, isNode := obj.(*corev1.Node)
		var status corev1.NodeStatus
		if isNode {
			status = *node.Status.DeepCopy()
		}
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("%s:%d: creating %s %s: %w", o.File, o.Line, o.GVK.Kind, obj.GetName(), err)
		}
		// No kubelet runs here: the nodes' status comes from the manifest.
		if isNode {
			node.Status = status
			if err := c.Status().Update(ctx, node); err != nil {
				return fmt.Errorf("%s:%d: setting the status of Node %s: %w", o.File, o.Line, node.Name, err)
			}
		}
		fmt.Printf("    created %s %s\n", kindOf(o), qualifiedName(obj))
	}
	// The TLS certificate expired a month ago; it is made here so it is always expired.
	now := time.Now()
	certPEM, keyPEM, err := certgen.SelfSigned("shop.example.com", []string{"shop.example.com"}, now.AddDate(-1, 0, 0), now.AddDate(0, -1, 0))
	if err != nil {
		return err
	}
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "storefront-tls", Namespace: "shop"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}
	if err := c.Create(ctx, tls); err != nil {
		return fmt.Errorf("creating Secret shop/storefront-tls: %w", err)
	}
	fmt.Printf("    created Secret shop/storefront-tls (certificate expired on %s)\n", now.AddDate(0, -1, 0).Format(time.DateOnly))
	return createBackups(ctx, c, now)
}

// createBackups installs Velero's objects: a storage location, a daily schedule whose last
// backup is three days old, and no restore test. Their times are relative to now, so they are
// made here rather than in hack/demo/cluster.
func createBackups(ctx context.Context, c client.Client, now time.Time) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "velero"}}); err != nil {
		return fmt.Errorf("creating Namespace velero: %w", err)
	}
	ts := func(d time.Duration) string { return now.UTC().Add(d).Format(time.RFC3339) }
	objs := []struct {
		kind, name   string
		spec, status map[string]any
		labels       map[string]string
	}{
		{"BackupStorageLocation", "default", map[string]any{"provider": "aws", "default": true, "objectStorage": map[string]any{"bucket": "backups"}},
			map[string]any{"phase": "Available", "lastValidationTime": ts(-time.Minute)}, nil},
		{"Schedule", "daily", map[string]any{"schedule": "0 2 * * *", "template": map[string]any{}}, map[string]any{"phase": "Enabled"}, nil},
		{"Backup", "daily-1", map[string]any{}, map[string]any{"phase": "Completed", "startTimestamp": ts(-73 * time.Hour),
			"completionTimestamp": ts(-72 * time.Hour)}, map[string]string{"velero.io/schedule-name": "daily"}},
	}
	for _, o := range objs {
		u := &unstructured.Unstructured{Object: map[string]any{"spec": o.spec}}
		u.SetAPIVersion("velero.io/v1")
		u.SetKind(o.kind)
		u.SetNamespace("velero")
		u.SetName(o.name)
		u.SetLabels(o.labels)
		if err := c.Create(ctx, u); err != nil {
			return fmt.Errorf("creating %s velero/%s: %w", o.kind, o.name, err)
		}
		u.Object["status"] = o.status
		if err := c.Status().Update(ctx, u); err != nil {
			return fmt.Errorf("setting the status of %s velero/%s: %w", o.kind, o.name, err)
		}
		fmt.Printf("    created %s velero/%s\n", o.kind, o.name)
	}
	return nil
}

// compareWithAudit runs `kubeposture audit` with the profile's file and compares each check's
// result with the operator's status, retrying while an audit may have run in between.
func compareWithAudit(ctx context.Context, c client.Client, kubeconfig, profilePath string, p *securityv1alpha1.SecurityProfile) error {
	var mismatches []string
	for attempt := 0; attempt < 3; attempt++ {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return err
		}
		var out, errOut bytes.Buffer
		if code := cli.Run(ctx, []string{"audit", "--kubeconfig", kubeconfig, "--profile", profilePath, "-o", "json"}, &out, &errOut); code != cli.ExitCompliant && code != cli.ExitNotCompliant {
			return fmt.Errorf("kubeposture audit exited %d: %s", code, errOut.String())
		}
		var rep struct {
			Checks []struct{ ID, Result string } `json:"checks"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			return fmt.Errorf("kubeposture audit: %w", err)
		}
		status := map[string]string{}
		for _, cs := range p.Status.Checks {
			status[cs.ID] = string(cs.Result)
		}
		mismatches = nil
		for _, ch := range rep.Checks {
			if status[ch.ID] != ch.Result {
				mismatches = append(mismatches, fmt.Sprintf("%s: operator %q, audit %q", ch.ID, status[ch.ID], ch.Result))
			}
		}
		if len(mismatches) == 0 {
			fmt.Printf("    kubeposture audit and the operator agree on all %d checks\n", len(rep.Checks))
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("kubeposture audit and the operator disagree:\n    %s", strings.Join(mismatches, "\n    "))
}

func kindOf(o manifest.Object) string { return o.GVK.Kind }

func qualifiedName(obj client.Object) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}

func applyProfile(ctx context.Context, c client.Client, path string) (*securityv1alpha1.SecurityProfile, error) {
	data, err := os.ReadFile(path) //nolint:gosec // a file of this repository
	if err != nil {
		return nil, err
	}
	p := &securityv1alpha1.SecurityProfile{}
	if err := yaml.UnmarshalStrict(data, p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Create(ctx, p); err != nil {
		return nil, fmt.Errorf("creating SecurityProfile %s: %w", p.Name, err)
	}
	return p, nil
}

func waitForAudit(ctx context.Context, c client.Client, p *securityv1alpha1.SecurityProfile) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == securityv1alpha1.ConditionReady && cond.ObservedGeneration == p.Generation {
				return true, nil
			}
		}
		return false, nil
	})
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("the operator did not complete an audit within 2 minutes")
	}
	return err
}

func printStatus(p *securityv1alpha1.SecurityProfile) {
	step("Conditions of SecurityProfile %s", p.Name)
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "    TYPE\tSTATUS\tREASON\tMESSAGE")
	for _, c := range p.Status.Conditions {
		fmt.Fprintf(w, "    %s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, oneLine(c.Message, 140))
	}
	_ = w.Flush()

	var failing []securityv1alpha1.CheckStatus
	for _, c := range p.Status.Checks {
		if c.Result != "Pass" && c.Result != "NotApplicable" {
			failing = append(failing, c)
		}
	}
	sort.SliceStable(failing, func(i, j int) bool { return severityRank(failing[i].Severity) > severityRank(failing[j].Severity) })
	if s := p.Status.Summary; s != nil {
		step("Checks: %d evaluated, %d pass, %d fail, %d exempted, %d not applicable", s.Total, s.Passed, s.Failed, s.Exempted, s.NotApplicable)
	}
	w = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "    CHECK\tLEVEL\tSEVERITY\tRESULT\tOBJECTS\tMESSAGE")
	for _, c := range failing {
		fmt.Fprintf(w, "    %s\t%s\t%s\t%s\t%d\t%s\n", c.ID, c.Level, c.Severity, c.Result, c.Count, oneLine(c.Message, 120))
	}
	_ = w.Flush()
	for _, warning := range p.Status.Warnings {
		fmt.Printf("    warning: %s\n", warning)
	}
}

func severityRank(s string) int {
	return map[string]int{"Critical": 4, "High": 3, "Medium": 2, "Low": 1}[s]
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// demoRemediation turns remediation on for the profile, shows the checks it fixes going from
// Fail to Pass, then deletes the profile and shows the cluster is as it was.
func demoRemediation(ctx context.Context, c client.Client, p *securityv1alpha1.SecurityProfile) error {
	watched := []string{"NET-002", "WKL-027", "WKL-030"}
	before := map[string]securityv1alpha1.CheckStatus{}
	for _, cs := range p.Status.Checks {
		before[cs.ID] = cs
	}
	fingerprint, err := clusterFingerprint(ctx, c)
	if err != nil {
		return err
	}

	step("Remediation: setting remediation.mode=Enabled (default-deny policies, Pod Security labels with enforce, quarantine policies)")
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Remediation.Mode = securityv1alpha1.RemediationEnabled
	p.Spec.Remediation.EnforcePodSecurity = true
	p.Spec.Remediation.Actions = []securityv1alpha1.RemediationAction{
		securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels, securityv1alpha1.ActionQuarantineNetworkPolicy,
	}
	if err := c.Patch(ctx, p, patch); err != nil {
		return err
	}
	// Wait for the audit that sees the operator's own changes.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		r := p.Status.Remediation
		return p.Status.ObservedGeneration == p.Generation && r != nil && r.Applied == 0 && r.InPlace > 0, nil
	})
	if err != nil {
		var actions []string
		if r := p.Status.Remediation; r != nil {
			for _, a := range r.Actions {
				actions = append(actions, fmt.Sprintf("%s %s %s: %s", a.State, a.Object.Kind, qualifiedRef(a.Object), a.Message))
			}
		}
		return fmt.Errorf("waiting for remediation to settle: %w\nlast actions:\n  %s", err, strings.Join(actions, "\n  "))
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "    CHECK\tBEFORE\tAFTER\tMESSAGE AFTER")
	for _, id := range watched {
		after := securityv1alpha1.CheckStatus{}
		for _, cs := range p.Status.Checks {
			if cs.ID == id {
				after = cs
			}
		}
		fmt.Fprintf(w, "    %s\t%s (%d)\t%s (%d)\t%s\n", id, before[id].Result, before[id].Count, after.Result, after.Count, oneLine(after.Message, 110))
	}
	_ = w.Flush()
	if r := p.Status.Remediation; r != nil {
		fmt.Printf("    Remediation: %d in place, %d conflicts, %d blocked, %d failed\n", r.InPlace, r.Conflicts, r.Blocked, r.Failed)
		for _, a := range r.Actions {
			if a.State != securityv1alpha1.StateInPlace {
				fmt.Printf("    %-9s %s %s: %s\n", a.State, a.Object.Kind, qualifiedRef(a.Object), oneLine(a.Message, 120))
			}
		}
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == securityv1alpha1.ConditionRemediated {
			fmt.Printf("    Remediated=%s (%s): %s\n", cond.Status, cond.Reason, oneLine(cond.Message, 160))
		}
	}

	step("Deleting the profile: its finalizer reverts what it changed")
	if err := c.Delete(ctx, p); err != nil {
		return err
	}
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, client.ObjectKeyFromObject(p), &securityv1alpha1.SecurityProfile{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the profile to be deleted: %w", err)
	}
	after, err := clusterFingerprint(ctx, c)
	if err != nil {
		return err
	}
	if after != fingerprint {
		return fmt.Errorf("the cluster differs after the profile was deleted:\nbefore:\n%s\nafter:\n%s", fingerprint, after)
	}
	fmt.Println("    The cluster is as it was: the same NetworkPolicies and the same namespace labels and annotations.")
	return nil
}

// demoPrevention rolls out WKL-001's admission policy in stages: held at Audit (a warning) while
// the privileged debug pod runs, applied as Deny once it is removed, when a new privileged pod
// is rejected by the API server.
func demoPrevention(ctx context.Context, cfg *rest.Config, c client.Client) error {
	step("Prevention: a profile with prevention.mode=Deny, rollout Staged, for WKL-001 in namespace payments")
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controllers.DefaultPreventionNamespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	p := &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "demo-prevention"},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level: securityv1alpha1.LevelL1,
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: []string{"payments"}}}},
			Prevention: securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionDeny, Rollout: securityv1alpha1.RolloutStaged,
				Checks: []securityv1alpha1.CheckSelector{"WKL-001"}},
		},
	}
	if err := c.Create(ctx, p); err != nil {
		return err
	}
	entry := func() *securityv1alpha1.PreventionCheckStatus {
		if p.Status.Prevention == nil {
			return nil
		}
		for i := range p.Status.Prevention.Checks {
			if p.Status.Prevention.Checks[i].ID == "WKL-001" {
				return &p.Status.Prevention.Checks[i]
			}
		}
		return nil
	}
	waitState := func(state securityv1alpha1.PreventionState) error {
		return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			if err := c.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
				return false, err
			}
			e := entry()
			return e != nil && e.State == state, nil
		})
	}
	if err := waitState(securityv1alpha1.PreventionStateAudit); err != nil {
		return fmt.Errorf("waiting for WKL-001 to be held at Audit: %w", err)
	}
	fmt.Printf("    WKL-001 policy %s: %s\n", entry().Policy, entry().State)
	fmt.Printf("    %s\n", oneLine(entry().Message, 160))

	// A client that prints the API server's admission warnings.
	warnings := &printedWarnings{}
	wcfg := rest.CopyConfig(cfg)
	wcfg.WarningHandlerWithContext = warnings
	wc, err := client.New(wcfg, client.Options{Scheme: operator.Scheme})
	if err != nil {
		return err
	}
	probe := func() error {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "another-debug-pod", Namespace: "payments"}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "tools", Image: "registry.example.com/tools:1.0",
				SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}}}
		return wc.Create(ctx, pod, client.DryRunAll)
	}
	step("Creating a privileged pod in payments (server-side dry run) while the rollout holds WKL-001 at Audit")
	var warned string
	// The API server's admission cache takes a moment to see a new binding.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		if err := probe(); err != nil {
			return false, fmt.Errorf("a privileged pod was rejected while WKL-001 was held at Audit: %w", err)
		}
		warned = strings.Join(warnings.take(), "; ")
		return strings.Contains(warned, "WKL-001"), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the WKL-001 warning: %w", err)
	}
	fmt.Printf("    admitted, with the warning: %s\n", oneLine(warned, 200))

	step("Removing the privileged pod payments/debug-tools: the next audit finds no violation and the rollout reaches Deny")
	if err := c.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug-tools", Namespace: "payments"}}); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err := waitState(securityv1alpha1.PreventionStateDeny); err != nil {
		return fmt.Errorf("waiting for WKL-001 to reach Deny: %w", err)
	}
	fmt.Printf("    WKL-001 policy %s: %s (%d of %d policies at Deny)\n", entry().Policy, entry().State, p.Status.Prevention.Deny, p.Status.Prevention.Policies)

	step("Creating the same privileged pod again")
	var rejected error
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		rejected = probe()
		return rejected != nil, nil
	})
	if err != nil || !apierrors.IsForbidden(rejected) && !apierrors.IsInvalid(rejected) {
		return fmt.Errorf("a privileged pod was not rejected after the rollout reached Deny (last answer: %v)", rejected)
	}
	fmt.Printf("    rejected by the API server: %s\n", oneLine(rejected.Error(), 220))

	step("Deleting the prevention profile removes its admission policies")
	if err := c.Delete(ctx, p); err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var pols admissionregistrationv1.ValidatingAdmissionPolicyList
		if err := c.List(ctx, &pols, client.MatchingLabels{prevention.LabelProfile: p.Name}); err != nil {
			return false, err
		}
		return len(pols.Items) == 0, nil
	})
}

// printedWarnings collects the warnings the API server sends with its answers.
type printedWarnings struct {
	mu    sync.Mutex
	texts []string
}

func (w *printedWarnings) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	w.texts = append(w.texts, text)
	w.mu.Unlock()
}

func (w *printedWarnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.texts
	w.texts = nil
	return out
}

func qualifiedRef(o securityv1alpha1.ObjectReference) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// clusterFingerprint lists what remediation may touch: NetworkPolicies, and namespaces'
// labels and annotations.
func clusterFingerprint(ctx context.Context, c client.Client) (string, error) {
	var b strings.Builder
	var nps networkingv1.NetworkPolicyList
	if err := c.List(ctx, &nps); err != nil {
		return "", err
	}
	for _, np := range nps.Items {
		fmt.Fprintf(&b, "NetworkPolicy %s/%s\n", np.Namespace, np.Name)
	}
	var nss corev1.NamespaceList
	if err := c.List(ctx, &nss); err != nil {
		return "", err
	}
	for _, ns := range nss.Items {
		fmt.Fprintf(&b, "Namespace %s labels=%v annotations=%v\n", ns.Name, ns.Labels, ns.Annotations)
	}
	return b.String(), nil
}
