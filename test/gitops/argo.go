// Package gitops runs the GitOps health checks of config/gitops the way the GitOps tools do,
// for the tests of this package and of the controllers.
package gitops

import (
	"fmt"
	"os"
	"path/filepath"

	lua "github.com/yuin/gopher-lua"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// ArgoCDHealth runs config/gitops/health.lua in gopher-lua, the interpreter Argo CD uses, on an
// object as Argo CD hands it to health scripts, and returns the health status and message.
func ArgoCDHealth(obj map[string]any) (status, message string, err error) {
	root, err := envtest.RepoRoot()
	if err != nil {
		return "", "", err
	}
	script, err := os.ReadFile(filepath.Join(root, "config", "gitops", "health.lua"))
	if err != nil {
		return "", "", err
	}
	L := lua.NewState()
	defer L.Close()
	v, err := toLua(L, obj)
	if err != nil {
		return "", "", err
	}
	L.SetGlobal("obj", v)
	if err := L.DoString(string(script)); err != nil {
		return "", "", fmt.Errorf("health.lua: %w", err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("health.lua returned %v, not a table", L.Get(-1))
	}
	return hs.RawGetString("status").String(), hs.RawGetString("message").String(), nil
}

// toLua converts a decoded JSON value to a Lua value the way Argo CD does.
func toLua(L *lua.LState, v any) (lua.LValue, error) {
	switch x := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range x {
			lv, err := toLua(L, e)
			if err != nil {
				return nil, err
			}
			t.RawSetString(k, lv)
		}
		return t, nil
	case []any:
		t := L.NewTable()
		for _, e := range x {
			lv, err := toLua(L, e)
			if err != nil {
				return nil, err
			}
			t.Append(lv)
		}
		return t, nil
	case string:
		return lua.LString(x), nil
	case bool:
		return lua.LBool(x), nil
	case float64:
		return lua.LNumber(x), nil
	case int64:
		return lua.LNumber(x), nil
	case int:
		return lua.LNumber(x), nil
	case nil:
		return lua.LNil, nil
	}
	return nil, fmt.Errorf("a value of type %T has no Lua form", v)
}
