package gitops

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	kstatus "sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

type fixture struct {
	Health  string         `json:"health"`
	KStatus string         `json:"kstatus"`
	Message string         `json:"message"`
	Profile map[string]any `json:"profile"`
}

// TestArgoCDHealth runs health.lua in gopher-lua, the interpreter Argo CD uses, and kstatus, the
// library Flux and kpt use, on profiles as
// the operator leaves them: before the first audit, with a stale generation, with an invalid
// spec, below its level and at its level.
func TestArgoCDHealth(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "profiles.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var fixtures []fixture
	if err := yaml.Unmarshal(data, &fixtures); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fixtures {
		// Each fixture is a valid SecurityProfile of the API.
		p := &securityv1alpha1.SecurityProfile{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(f.Profile, p, true); err != nil {
			t.Fatalf("fixture %v: %v", f.Profile["metadata"], err)
		}
		name := p.Name
		t.Run(name, func(t *testing.T) {
			status, message, err := ArgoCDHealth(f.Profile)
			if err != nil {
				t.Fatal(err)
			}
			if status != f.Health {
				t.Errorf("health %s, want %s", status, f.Health)
			}
			if message != f.Message {
				t.Errorf("message %q, want %q", message, f.Message)
			}
			// The API machinery's JSON decoding keeps integers int64, as a client reads them.
			raw, err := json.Marshal(f.Profile)
			if err != nil {
				t.Fatal(err)
			}
			obj := map[string]any{}
			if err := utiljson.Unmarshal(raw, &obj); err != nil {
				t.Fatal(err)
			}
			res, err := kstatus.Compute(&unstructured.Unstructured{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Status) != f.KStatus {
				t.Errorf("kstatus %s (%s), want %s", res.Status, res.Message, f.KStatus)
			}
			flux, err := FluxHealth(obj)
			if err != nil {
				t.Fatal(err)
			}
			if flux != f.KStatus {
				t.Errorf("Flux healthCheckExprs say %s, want %s as kstatus", flux, f.KStatus)
			}
		})
		seen[f.Health] = true
	}
	for _, h := range []string{"Healthy", "Progressing", "Degraded"} {
		if !seen[h] {
			t.Errorf("no fixture for %s", h)
		}
	}
}
