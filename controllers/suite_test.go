package controllers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/operator"
	"github.com/kubeposture/kubeposture/test/envtest"
)

var (
	// k8sClient talks to the envtest API server directly (not through the manager's cache).
	k8sClient client.Client
	// restConfig reaches the envtest API server as an administrator.
	restConfig *rest.Config
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	root, err := envtest.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	env, err := envtest.Start(filepath.Join(root, "test", "crds"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	restConfig = env.Config

	k8sClient, err = client.New(env.Config, client.Options{Scheme: envtest.Scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := bindRemediationUser(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, err := operator.NewManager(env.Config, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0", MinAuditInterval: 200 * time.Millisecond, ReadSecrets: true, OpenReports: true,
		RemediationUser: remediationUser,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return code
}

// remediationUser is the identity the operator's remediation client impersonates in the suite;
// remediationBinding grants it everything, and a test removes it to take the permission away.
const (
	remediationUser    = "kubeposture-remediation"
	remediationBinding = "envtest-remediation"
)

func bindRemediationUser() error {
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: remediationBinding},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: remediationUser}},
	}
	if err := k8sClient.Create(context.Background(), crb); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("binding the remediation user: %w", err)
	}
	return nil
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return -1
	}
	return 2 // errors only
}

// waitFor polls the profile until cond holds, failing the test after timeout with the last status.
func waitFor(t *testing.T, name string, timeout time.Duration, what string, cond func(p *securityv1alpha1.SecurityProfile) bool) *securityv1alpha1.SecurityProfile {
	t.Helper()
	deadline := time.Now().Add(timeout)
	p := &securityv1alpha1.SecurityProfile{}
	for {
		err := k8sClient.Get(context.Background(), client.ObjectKey{Name: name}, p)
		if err == nil && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s on SecurityProfile %s (get error: %v)\nstatus: %s", timeout, what, name, err, describeStatus(p))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func describeStatus(p *securityv1alpha1.SecurityProfile) string {
	s := fmt.Sprintf("generation=%d observedGeneration=%d achieved=%s", p.Generation, p.Status.ObservedGeneration, p.Status.AchievedLevel)
	for _, c := range p.Status.Conditions {
		s += fmt.Sprintf("\n  %s=%s (%s, gen %d): %s", c.Type, c.Status, c.Reason, c.ObservedGeneration, c.Message)
	}
	for _, c := range p.Status.Checks {
		if c.Result != "Pass" {
			s += fmt.Sprintf("\n  check %s %s count=%d: %s", c.ID, c.Result, c.Count, c.Message)
		}
	}
	return s
}

func condition(p *securityv1alpha1.SecurityProfile, typ string) *metav1.Condition {
	return meta.FindStatusCondition(p.Status.Conditions, typ)
}

// hasCondition reports whether the profile's condition typ has the status and, if given, the reason.
func hasCondition(p *securityv1alpha1.SecurityProfile, typ string, status metav1.ConditionStatus, reason string) bool {
	c := condition(p, typ)
	return c != nil && c.Status == status && (reason == "" || c.Reason == reason) && c.ObservedGeneration == p.Generation
}

func createProfile(t *testing.T, p *securityv1alpha1.SecurityProfile) {
	t.Helper()
	if err := k8sClient.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), p) })
}
