package options

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func TestParametersOverlayTheDefaults(t *testing.T) {
	got := ParamsFor(&securityv1alpha1.Parameters{
		BackupMaxAge:         &metav1.Duration{Duration: 48 * time.Hour},
		TrustedRegistries:    []string{"registry.example.com"},
		HostPathAllowlist:    []securityv1alpha1.HostPathAllowance{{Namespace: "logging", Path: "/var/log"}},
		ExternalCIDRs:        []string{"10.0.0.0/8"},
		AuditLogMinRetention: &metav1.Duration{Duration: 365 * 24 * time.Hour},
		MinRuntimeVersions:   map[string]string{"containerd": "2.0.0"},
	})
	def := benchmarks.DefaultParams()
	if got.BackupMaxAge != 48*time.Hour || got.SecretMaxAge != def.SecretMaxAge {
		t.Errorf("durations: backup %s, secret %s", got.BackupMaxAge, got.SecretMaxAge)
	}
	if len(got.Workload.HostPathAllowlist) != 1 || got.Workload.HostPathAllowlist[0].Path != "/var/log" {
		t.Errorf("hostPathAllowlist: %+v", got.Workload.HostPathAllowlist)
	}
	if len(got.Network.ExternalCIDRs) != 1 || got.Logging.AuditLogMinRetention != 365*24*time.Hour {
		t.Errorf("network/logging: %+v %s", got.Network.ExternalCIDRs, got.Logging.AuditLogMinRetention)
	}
	if got.Nodes.MinRuntimeVersions["containerd"] != "2.0.0" || got.Nodes.MinRuntimeVersions["cri-o"] != def.Nodes.MinRuntimeVersions["cri-o"] {
		t.Errorf("runtime minimums merge over the defaults: %v", got.Nodes.MinRuntimeVersions)
	}
	if len(def.Nodes.MinRuntimeVersions) > 0 && def.Nodes.MinRuntimeVersions["containerd"] == "2.0.0" {
		t.Error("the defaults must not be modified")
	}
}
