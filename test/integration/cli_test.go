package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"

	"github.com/kubeposture/kubeposture/internal/cli"
)

type auditReport struct {
	Checks []struct {
		ID       string `json:"id"`
		Result   string `json:"result"`
		Findings []struct {
			Object *struct{ Kind, Namespace, Name string } `json:"object"`
		} `json:"findings"`
	} `json:"checks"`
}

// privilegedPodsNamed returns namespace/name of the pods WKL-001 names.
func (r *auditReport) privilegedPodsNamed() map[string]bool {
	out := map[string]bool{}
	for _, c := range r.Checks {
		if c.ID != "WKL-001" {
			continue
		}
		for _, f := range c.Findings {
			if f.Object != nil {
				out[f.Object.Namespace+"/"+f.Object.Name] = true
			}
		}
	}
	return out
}

// TestAuditALiveCluster runs `kubeposture audit` against the real API server: the kubeconfig's
// context is chosen with --context and the namespaced checks are limited with --namespace.
func TestAuditALiveCluster(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{"cli-audit", "cli-audit-other"} {
		if err := k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "root-shell", Namespace: ns},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sh", Image: "busybox:1.36",
				SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}},
		}
		if err := k8sClient.Create(ctx, pod); err != nil {
			t.Fatal(err)
		}
	}
	kubeconfig, err := testEnv.WriteAdminKubeconfig("cli")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(filepath.Dir(kubeconfig))
	// The current context names a cluster that does not exist; only --context reaches the server.
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	good := cfg.CurrentContext
	cfg.Contexts["elsewhere"] = &clientcmdapi.Context{Cluster: "no-such-cluster", AuthInfo: cfg.Contexts[good].AuthInfo}
	cfg.CurrentContext = "elsewhere"
	if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
		t.Fatal(err)
	}

	audit := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := cli.Run(ctx, append([]string{"audit", "--kubeconfig", kubeconfig, "-o", "json"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, _, errOut := audit(); code != cli.ExitUsage || !strings.Contains(errOut, "kubeconfig") {
		t.Fatalf("the current context is unusable: exit %d, %s", code, errOut)
	}
	code, out, errOut := audit("--context", good)
	if code != cli.ExitNotCompliant {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	var rep auditReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if named := rep.privilegedPodsNamed(); !named["cli-audit/root-shell"] || !named["cli-audit-other/root-shell"] {
		t.Fatalf("WKL-001 does not name both pods: %v", named)
	}

	code, out, errOut = audit("--context", good, "--namespace", "cli-audit")
	if code != cli.ExitNotCompliant {
		t.Fatalf("--namespace: exit %d, want 1: %s", code, errOut)
	}
	rep = auditReport{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if named := rep.privilegedPodsNamed(); !named["cli-audit/root-shell"] || named["cli-audit-other/root-shell"] {
		t.Fatalf("--namespace cli-audit: WKL-001 names %v", named)
	}

	// SARIF locates every result, cluster objects at a stable cluster path.
	code, out, _ = audit("--context", good, "--namespace", "cli-audit", "-o", "sarif")
	if code != cli.ExitNotCompliant || !strings.Contains(out, `"uri": "cluster/cli-audit/Pod/root-shell"`) {
		t.Errorf("audit SARIF: exit %d, no stable location for the pod", code)
	}
}
