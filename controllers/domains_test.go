package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/certgen"
)

// velero creates a Velero object (the test suite installs minimal Velero CRDs) with a status.
func velero(t *testing.T, kind, name string, spec, status map[string]any, labels map[string]string) {
	t.Helper()
	ctx := context.Background()
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetAPIVersion("velero.io/v1")
	u.SetKind(kind)
	u.SetNamespace("velero")
	u.SetName(name)
	u.SetLabels(labels)
	if err := k8sClient.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	if status != nil {
		u.Object["status"] = status
		if err := k8sClient.Status().Update(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBackupsHealthyFollowsVelero(t *testing.T) {
	createNamespace(t, "velero", "velero-system")
	p := scopedProfile("backups", "backups", securityv1alpha1.LevelL1, "BAK-001", "BAK-002", "BAK-003", "BAK-007")
	createProfile(t, p)
	got := waitFor(t, p.Name, 20*time.Second, "BackupsHealthy=False with Velero installed but unused", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionBackupsHealthy, metav1.ConditionFalse, securityv1alpha1.ReasonChecksFailed)
	})
	if cs := checkStatus(got, "BAK-002"); cs == nil || cs.Result != "Fail" {
		t.Fatalf("no Schedule: BAK-002 must fail: %+v", cs)
	}

	now := time.Now().UTC()
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	velero(t, "BackupStorageLocation", "default", map[string]any{"provider": "aws", "default": true, "objectStorage": map[string]any{"bucket": "backups"}},
		map[string]any{"phase": "Available", "lastValidationTime": ts(-time.Minute)}, nil)
	velero(t, "Schedule", "daily", map[string]any{"schedule": "0 2 * * *", "template": map[string]any{}}, map[string]any{"phase": "Enabled"}, nil)
	velero(t, "Backup", "daily-1", map[string]any{}, map[string]any{"phase": "Completed", "startTimestamp": ts(-26 * time.Hour), "completionTimestamp": ts(-25 * time.Hour)},
		map[string]string{"velero.io/schedule-name": "daily"})
	velero(t, "Restore", "dr-test", map[string]any{"backupName": "daily-1"}, map[string]any{"phase": "Completed", "completionTimestamp": ts(-24 * time.Hour)}, nil)

	got = waitFor(t, p.Name, 20*time.Second, "BackupsHealthy=True", func(p *securityv1alpha1.SecurityProfile) bool {
		return hasCondition(p, securityv1alpha1.ConditionBackupsHealthy, metav1.ConditionTrue, securityv1alpha1.ReasonChecksPassed)
	})
	for _, id := range []string{"BAK-001", "BAK-002", "BAK-003", "BAK-007"} {
		if cs := checkStatus(got, id); cs == nil || cs.Result != "Pass" {
			t.Errorf("%s: %+v", id, cs)
		}
	}
}

func TestTLSCertificatesAreJudgedFromGeneratedSecrets(t *testing.T) {
	ctx := context.Background()
	const ns = "e2e-tls"
	createNamespace(t, ns, "tls")
	now := time.Now()
	tlsSecret := func(name string, notBefore, notAfter time.Time) {
		crt, key, err := certgen.SelfSigned(name+".example.com", []string{name + ".example.com"}, notBefore, notAfter)
		if err != nil {
			t.Fatal(err)
		}
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key}}
		if err := k8sClient.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	tlsSecret("valid", now.Add(-24*time.Hour), now.Add(365*24*time.Hour))
	p := scopedProfile("tls", "tls", securityv1alpha1.LevelL1, "SEC-007")
	createProfile(t, p)
	waitFor(t, p.Name, 20*time.Second, "SEC-007 to pass with a valid certificate", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "SEC-007")
		return cs != nil && cs.Result == "Pass"
	})

	tlsSecret("expiring", now.Add(-300*24*time.Hour), now.Add(5*24*time.Hour))
	tlsSecret("expired", now.Add(-400*24*time.Hour), now.Add(-24*time.Hour))
	broken := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "broken", Namespace: ns}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"), corev1.TLSPrivateKeyKey: []byte("x")}}
	if err := k8sClient.Create(ctx, broken); err != nil {
		t.Fatal(err)
	}
	got := waitFor(t, p.Name, 20*time.Second, "SEC-007 to report the broken, expired and expiring certificates", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "SEC-007")
		return cs != nil && cs.Count == 3
	})
	cs := checkStatus(got, "SEC-007")
	if cs.Result != "Error" {
		t.Errorf("an unparsable certificate is an Error finding (the worst result wins): %+v", cs)
	}
	names := map[string]bool{}
	for _, s := range cs.Samples {
		names[s.Name] = true
	}
	for _, n := range []string{"broken", "expired", "expiring"} {
		if !names[n] {
			t.Errorf("SEC-007 must name Secret %s: %+v", n, cs.Samples)
		}
	}
	if !strings.Contains(cs.Message, "broken") {
		t.Errorf("the message leads with the Error: %q", cs.Message)
	}
}
