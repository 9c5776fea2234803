package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/certgen"
	"github.com/kubeposture/kubeposture/internal/cli"
)

// writeKubeconfig writes a kubeconfig for the suite's administrator into a temporary directory.
func writeKubeconfig(t *testing.T) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: restConfig.Host, CertificateAuthorityData: restConfig.CAData}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: restConfig.CertData, ClientKeyData: restConfig.KeyData, Token: restConfig.BearerToken}
	cfg.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	cfg.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAuditAndOperatorAgreeOnEveryCheck applies workloads, Secrets, a ConfigMap and Velero
// kinds, then compares every check's result in the running operator's status with the result
// of `kubeposture audit` under the same profile.
func TestAuditAndOperatorAgreeOnEveryCheck(t *testing.T) {
	ctx := context.Background()
	const ns = "e2e-agree"
	createNamespace(t, ns, "agree")
	kubectlApply(t, pod(ns, "root-shell", true))
	now := time.Now()
	crt, key, err := certgen.SelfSigned("shop.example.com", []string{"shop.example.com"}, now.Add(-time.Hour), now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	kubectlApply(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "shop-tls", Namespace: ns}, Type: corev1.SecretTypeTLS,
		StringData: map[string]string{corev1.TLSCertKey: string(crt), corev1.TLSPrivateKeyKey: string(key)}})
	kubectlApply(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		StringData: map[string]string{"password": "hunter2"}})
	kubectlApply(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns},
		Data: map[string]string{"password": "hunter2"}})
	if err := k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "velero"}}); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	velero(t, "BackupStorageLocation", "agree-default", map[string]any{"provider": "aws", "default": true,
		"objectStorage": map[string]any{"bucket": "backups"}}, map[string]any{"phase": "Available"}, nil)
	velero(t, "Schedule", "agree-daily", map[string]any{"schedule": "0 3 * * *", "template": map[string]any{"ttl": "720h"}}, nil, nil)

	p := &securityv1alpha1.SecurityProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: securityv1alpha1.GroupVersion.String(), Kind: "SecurityProfile"},
		ObjectMeta: metav1.ObjectMeta{Name: "agree"},
		Spec: securityv1alpha1.SecurityProfileSpec{Level: securityv1alpha1.LevelL3,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"e2e": "agree"}}},
	}
	raw, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	profilePath := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(profilePath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	createProfile(t, p)
	kubeconfig := writeKubeconfig(t)

	var mismatches []string
	for attempt := 0; attempt < 3; attempt++ {
		// An operator audit that saw every object: SEC-007 reports the expired certificate.
		got := waitFor(t, p.Name, 30*time.Second, "an audit that saw the applied objects", func(p *securityv1alpha1.SecurityProfile) bool {
			cs := checkStatus(p, "SEC-007")
			return cs != nil && cs.Result == "Fail" && p.Status.LastAuditTime != nil
		})
		var out, errOut bytes.Buffer
		code := cli.Run(ctx, []string{"audit", "--kubeconfig", kubeconfig, "--profile", profilePath, "-o", "json"}, &out, &errOut)
		if code != cli.ExitNotCompliant && code != cli.ExitCompliant {
			t.Fatalf("audit exit %d: %s", code, errOut.String())
		}
		var rep struct {
			Checks []struct{ ID, Result, Message string } `json:"checks"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("audit output is not JSON: %v", err)
		}
		mismatches = nil
		if len(rep.Checks) == 0 {
			t.Fatal("audit reported no checks")
		}
		for _, c := range rep.Checks {
			op := checkStatus(got, c.ID)
			switch {
			case op == nil:
				mismatches = append(mismatches, c.ID+": missing from the operator's status")
			case string(op.Result) != c.Result:
				mismatches = append(mismatches, c.ID+": operator "+string(op.Result)+" ("+op.Message+"), audit "+c.Result+" ("+c.Message+")")
			}
			if strings.HasPrefix(c.ID, "BAK-001") && strings.Contains(c.Message, "no backup system") {
				t.Errorf("audit does not see the Velero kinds: %s", c.Message)
			}
		}
		if len(mismatches) == 0 {
			return
		}
		time.Sleep(time.Second) // an audit may have run between the two reads
	}
	t.Errorf("audit and the operator disagree:\n  %s", strings.Join(mismatches, "\n  "))
}
