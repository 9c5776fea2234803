package cli

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

const testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user: {token: "t"}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`

func TestLoadRESTConfigAppliesTheAuditRate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, []byte(testKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadRESTConfig(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" {
		t.Fatalf("host %q: the kubeconfig was not loaded", cfg.Host)
	}
	if cfg.QPS != auditQPS || cfg.Burst != auditBurst {
		t.Fatalf("QPS %v burst %d, want %d and %d", cfg.QPS, cfg.Burst, auditQPS, auditBurst)
	}
}

func TestWithAuditRateKeepsWhatIsSet(t *testing.T) {
	limiter := flowcontrol.NewTokenBucketRateLimiter(1, 1)
	for _, tc := range []struct {
		name             string
		in               rest.Config
		wantQPS          float32
		wantBurst        int
		wantOwnRateLimit bool
	}{
		{name: "unset", in: rest.Config{}, wantQPS: auditQPS, wantBurst: auditBurst},
		{name: "QPS set", in: rest.Config{QPS: 7}, wantQPS: 7, wantBurst: auditBurst},
		{name: "burst set", in: rest.Config{Burst: 3}, wantQPS: auditQPS, wantBurst: 3},
		{name: "both set", in: rest.Config{QPS: 7, Burst: 3}, wantQPS: 7, wantBurst: 3},
		{name: "unlimited", in: rest.Config{QPS: -1}, wantQPS: -1, wantBurst: auditBurst},
		{name: "own rate limiter", in: rest.Config{RateLimiter: limiter}, wantOwnRateLimit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.in
			withAuditRate(&cfg)
			if cfg.QPS != tc.wantQPS || cfg.Burst != tc.wantBurst {
				t.Fatalf("QPS %v burst %d, want %v and %d", cfg.QPS, cfg.Burst, tc.wantQPS, tc.wantBurst)
			}
			if tc.wantOwnRateLimit && cfg.RateLimiter != limiter {
				t.Fatal("the configuration's own rate limiter was replaced")
			}
		})
	}
}
