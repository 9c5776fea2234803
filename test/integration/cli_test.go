package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubeposture/kubeposture/internal/cli"
)

// TestAuditALiveCluster runs `kubeposture audit` against the real API server.
func TestAuditALiveCluster(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cli-audit"}}
	if err := k8sClient.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "root-shell", Namespace: ns.Name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sh", Image: "busybox:1.36",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}},
	}
	if err := k8sClient.Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := testEnv.WriteAdminKubeconfig("cli")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	var out, errOut bytes.Buffer
	code := cli.Run(ctx, []string{"audit", "--kubeconfig", kubeconfig, "-o", "json"}, &out, &errOut)
	if code != cli.ExitNotCompliant {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	var rep struct {
		Checks []struct {
			ID       string `json:"id"`
			Result   string `json:"result"`
			Findings []struct {
				Object struct{ Namespace, Name string } `json:"object"`
			} `json:"findings"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, c := range rep.Checks {
		if c.ID != "WKL-001" {
			continue
		}
		for _, f := range c.Findings {
			if f.Object.Namespace == "cli-audit" && f.Object.Name == "root-shell" {
				return
			}
		}
		t.Fatalf("WKL-001 %s does not name the pod: %+v", c.Result, c.Findings)
	}
	t.Fatal("WKL-001 did not run")
}
