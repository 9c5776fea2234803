package gitops

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/cel-go/cel"
	"sigs.k8s.io/yaml"

	"github.com/kubeposture/kubeposture/test/envtest"
)

// fluxHealthCheck is one entry of a Flux Kustomization's spec.healthCheckExprs.
type fluxHealthCheck struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	InProgress string `json:"inProgress"`
	Failed     string `json:"failed"`
	Current    string `json:"current"`
}

// FluxHealth evaluates the SecurityProfile healthCheckExprs of config/gitops/flux-healthcheck.yaml
// on an object the way kustomize-controller does (the object's top-level fields are the CEL
// variables) and returns kstatus's name for the verdict: InProgress, Failed or Current. The
// expressions must be exclusive: more than one holding is an error, none holding is InProgress.
func FluxHealth(obj map[string]any) (string, error) {
	root, err := envtest.RepoRoot()
	if err != nil {
		return "", err
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "gitops", "flux-healthcheck.yaml"))
	if err != nil {
		return "", err
	}
	var ks struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       struct {
			Wait             bool              `json:"wait"`
			HealthCheckExprs []fluxHealthCheck `json:"healthCheckExprs"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(data, &ks); err != nil {
		return "", fmt.Errorf("flux-healthcheck.yaml: %w", err)
	}
	if len(ks.Spec.HealthCheckExprs) != 1 || ks.Spec.HealthCheckExprs[0].Kind != "SecurityProfile" {
		return "", fmt.Errorf("flux-healthcheck.yaml: want one healthCheckExprs entry for SecurityProfile")
	}
	hc := ks.Spec.HealthCheckExprs[0]
	vars := []cel.EnvOption{cel.OptionalTypes()}
	activation := map[string]any{}
	for _, name := range []string{"apiVersion", "kind", "metadata", "spec", "status"} {
		vars = append(vars, cel.Variable(name, cel.DynType))
		activation[name] = obj[name]
		if activation[name] == nil {
			activation[name] = map[string]any{}
		}
	}
	env, err := cel.NewEnv(vars...)
	if err != nil {
		return "", err
	}
	var holding []string
	for _, e := range []struct{ name, expr string }{{"InProgress", hc.InProgress}, {"Failed", hc.Failed}, {"Current", hc.Current}} {
		ast, iss := env.Compile(e.expr)
		if iss.Err() != nil {
			return "", fmt.Errorf("flux-healthcheck.yaml %s: %w", e.name, iss.Err())
		}
		prg, err := env.Program(ast)
		if err != nil {
			return "", err
		}
		out, _, err := prg.Eval(activation)
		if err != nil {
			return "", fmt.Errorf("flux-healthcheck.yaml %s: %w", e.name, err)
		}
		if b, ok := out.Value().(bool); ok && b {
			holding = append(holding, e.name)
		}
	}
	switch len(holding) {
	case 0:
		return "InProgress", nil
	case 1:
		return holding[0], nil
	}
	return "", fmt.Errorf("flux-healthcheck.yaml: %v all hold", holding)
}
