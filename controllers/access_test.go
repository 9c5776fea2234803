package controllers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// auditRole returns the shipped read-only audit ClusterRole (config/rbac/role.yaml) under name,
// without the rules for the resources in drop.
func auditRole(t *testing.T, name string, drop ...string) *rbacv1.ClusterRole {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	dec := yaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		var r rbacv1.ClusterRole
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("no ClusterRole audit in config/rbac/role.yaml: %v", err)
		}
		if r.Kind != "ClusterRole" || r.Name != "audit" {
			continue
		}
		out := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}}
		for _, rule := range r.Rules {
			var keep []string
			for _, res := range rule.Resources {
				dropped := false
				for _, d := range drop {
					dropped = dropped || res == d
				}
				if !dropped {
					keep = append(keep, res)
				}
			}
			if len(keep) > 0 {
				rule.Resources = keep
				out.Rules = append(out.Rules, rule)
			}
		}
		return out
	}
}

// restrictedUser binds role to a new user and returns a config that impersonates the user.
func restrictedUser(t *testing.T, user string, role *rbacv1.ClusterRole) *rest.Config {
	t.Helper()
	ctx := context.Background()
	if err := k8sClient.Create(ctx, role); err != nil {
		t.Fatal(err)
	}
	b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
	if err := k8sClient.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, b); _ = k8sClient.Delete(ctx, role) })
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	return cfg
}

// restrictedSnapshot gathers as the user, failing the test when that takes a minute: a missing
// permission must be found by access review, not by waiting for a list that cannot succeed.
func restrictedSnapshot(t *testing.T, cfg *rest.Config, readKubelet bool) *benchmarks.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	src, err := gather.NewClusterSource(cfg, gather.SourceOptions{Scheme: envtest.Scheme, ReadSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Start(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	snap, err := src.Gatherer.Snapshot(ctx, time.Now())
	if err != nil {
		t.Fatalf("gathering without a permission must not fail: %v", err)
	}
	if readKubelet {
		src.Gatherer.KubeletConfigs(ctx, snap, time.Now())
	}
	return snap
}

// auditEnv is the Env of these audits: default parameters, every namespace, kubelet
// configurations read when readKubelet is set.
func auditEnv(readKubelet bool) benchmarks.Env {
	params := benchmarks.DefaultParams()
	params.ReadKubeletConfig = readKubelet
	return benchmarks.Env{Now: time.Now(), Params: params, Scope: benchmarks.NewScope(nil, nil, nil)}
}

func reportOf(rep benchmarks.Report, id string) *benchmarks.CheckReport {
	for i := range rep.Checks {
		if rep.Checks[i].Check.ID == id {
			return &rep.Checks[i]
		}
	}
	return nil
}

// TestMissingOptionalRolesGiveSkippedNamingTheRole gathers as a user holding only the audit role:
// Secret checks and kubelet checks are Skipped naming the permission and its role, at once, and
// every other check is judged.
func TestMissingOptionalRolesGiveSkippedNamingTheRole(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "e2e-access-node"}}
	if err := k8sClient.Create(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(context.Background(), node) })
	cfg := restrictedUser(t, "e2e-auditor", auditRole(t, "e2e-audit-only"))
	snap := restrictedSnapshot(t, cfg, true)
	env := auditEnv(true)
	if snap.SecretsRead || !strings.Contains(snap.SecretsUnread, "secrets") || !strings.Contains(snap.SecretsUnread, "secrets-reader") {
		t.Errorf("Secrets must be unread, naming the permission and role: read=%v %q", snap.SecretsRead, snap.SecretsUnread)
	}
	if len(snap.Unread) != 0 {
		t.Errorf("the audit role grants every audited kind: %v", snap.Unread)
	}
	rep := benchmarks.Evaluate(snap, env, benchmarks.All(), benchmarks.Options{Level: benchmarks.L3})
	for _, id := range []string{"SEC-007", "SEC-008", "SEC-010"} {
		c := reportOf(rep, id)
		if c == nil || c.Result != benchmarks.Skipped || !strings.Contains(c.Message, "secrets-reader") {
			t.Errorf("%s must be Skipped naming the secrets-reader role: %+v", id, c)
		}
	}
	c := reportOf(rep, "NODE-010")
	if c == nil || c.Result != benchmarks.Skipped || !strings.Contains(c.Message, "nodes/proxy") || !strings.Contains(c.Message, "node-proxy") {
		t.Errorf("NODE-010 must be Skipped naming nodes/proxy and the node-proxy role: %+v", c)
	}
	if c := reportOf(rep, "WKL-001"); c == nil || c.Result == benchmarks.Skipped {
		t.Errorf("checks of readable kinds are judged: %+v", c)
	}
}

// TestAnUnreadableKindSkipsTheChecks gathers as a user who may not list StorageClasses: the
// gather returns at once and every check is Skipped naming StorageClass and the audit role.
func TestAnUnreadableKindSkipsTheChecks(t *testing.T) {
	cfg := restrictedUser(t, "e2e-auditor-no-sc", auditRole(t, "e2e-audit-no-storageclasses", "storageclasses"))
	snap := restrictedSnapshot(t, cfg, false)
	env := auditEnv(false)
	why := snap.Unread["StorageClass"]
	if !strings.Contains(why, "storageclasses.storage.k8s.io") || !strings.Contains(why, "kubeposture-audit") {
		t.Fatalf("StorageClass must be unread, naming the permission and the role: %v", snap.Unread)
	}
	rep := benchmarks.Evaluate(snap, env, benchmarks.All(), benchmarks.Options{Level: benchmarks.L3})
	for _, c := range rep.Checks {
		if c.Result != benchmarks.Skipped || !strings.Contains(c.Message, "StorageClass") {
			t.Errorf("%s must be Skipped naming StorageClass: %s %q", c.Check.ID, c.Result, c.Message)
		}
	}
}

// TestReadyOnlyAfterTheCacheHasListed asks the gatherer's readiness before and after its cache
// starts.
func TestReadyOnlyAfterTheCacheHasListed(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := gather.NewClusterSource(restConfig, gather.SourceOptions{Scheme: envtest.Scheme, ReadSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Gatherer.Ready(ctx); err == nil {
		t.Error("ready before the cache started")
	}
	if err := src.Start(ctx, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for src.Gatherer.Ready(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %v", src.Gatherer.Ready(ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
