// Package gitops tests the GitOps health checks of config/gitops against SecurityProfiles as the
// operator writes them.
package gitops

import (
	"os"
	"path/filepath"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/test/envtest"
)

type fixture struct {
	Health  string         `json:"health"`
	Message string         `json:"message"`
	Profile map[string]any `json:"profile"`
}

// toLua converts a decoded JSON value to a Lua value the way Argo CD hands objects to health
// scripts.
func toLua(L *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(x)
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case nil:
		return lua.LNil
	}
	panic(v)
}

// TestArgoCDHealth runs health.lua in gopher-lua, the interpreter Argo CD uses, on profiles as
// the operator leaves them: before the first audit, with a stale generation, with an invalid
// spec, below its level and at its level.
func TestArgoCDHealth(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "config", "gitops", "health.lua"))
	if err != nil {
		t.Fatal(err)
	}
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
			L := lua.NewState(lua.Options{SkipOpenLibs: false})
			defer L.Close()
			L.SetGlobal("obj", toLua(L, f.Profile))
			if err := L.DoString(string(script)); err != nil {
				t.Fatal(err)
			}
			hs, ok := L.Get(-1).(*lua.LTable)
			if !ok {
				t.Fatalf("health.lua returned %v", L.Get(-1))
			}
			if got := hs.RawGetString("status").String(); got != f.Health {
				t.Errorf("health %s, want %s", got, f.Health)
			}
			if got := hs.RawGetString("message").String(); got != f.Message {
				t.Errorf("message %q, want %q", got, f.Message)
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
