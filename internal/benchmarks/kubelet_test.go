package benchmarks_test

import (
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func TestParseConfigz(t *testing.T) {
	cfg, err := benchmarks.ParseConfigz([]byte(`{"kubeletconfig":{"authentication":{"anonymous":{"enabled":false},"webhook":{"enabled":true}},
		"authorization":{"mode":"Webhook"},"readOnlyPort":0,"podPidsLimit":4096,"logging":{"verbosity":2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if *cfg.Authentication.Anonymous.Enabled || cfg.Authorization.Mode != "Webhook" || *cfg.ReadOnlyPort != 0 || *cfg.PodPidsLimit != 4096 || *cfg.Logging.Verbosity != 2 {
		t.Errorf("parsed %+v", cfg)
	}
	if cfg.RotateCertificates != nil {
		t.Error("an absent field stays nil")
	}
	for _, bad := range []string{`not json`, `{"other":{}}`} {
		if _, err := benchmarks.ParseConfigz([]byte(bad)); err == nil {
			t.Errorf("%q must not parse", bad)
		}
	}
}
