package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/prevention"
)

// GenerateAdmissionPolicies returns, as YAML, the admission objects the operator generates for
// the profile in the file at profilePath ("" for an empty L1 profile). level and mode override
// the profile's when not empty; a profile whose prevention is Disabled is rendered in Deny.
func GenerateAdmissionPolicies(profilePath, level, mode, namespace string, now time.Time) ([]byte, error) {
	p := &securityv1alpha1.SecurityProfile{Spec: securityv1alpha1.SecurityProfileSpec{Level: securityv1alpha1.LevelL1}}
	p.Name = "default"
	if profilePath != "" {
		data, err := os.ReadFile(profilePath) //nolint:gosec // the file the user named
		if err != nil {
			return nil, err
		}
		if err := yaml.UnmarshalStrict(data, p); err != nil {
			return nil, fmt.Errorf("%s: %w", profilePath, err)
		}
		if p.Kind != "SecurityProfile" {
			return nil, fmt.Errorf("%s: kind is %q, want SecurityProfile", profilePath, p.Kind)
		}
		if p.Name == "" {
			return nil, fmt.Errorf("%s: metadata.name is empty; it names the generated objects", profilePath)
		}
	}
	if level != "" {
		p.Spec.Level = securityv1alpha1.Level(strings.ToUpper(level))
	}
	if _, err := benchmarks.ParseLevel(string(p.Spec.Level)); err != nil {
		return nil, field.Invalid(field.NewPath("level"), p.Spec.Level, "want L1, L2 or L3")
	}
	switch m := securityv1alpha1.PreventionMode(mode); m {
	case "":
		if p.Spec.Prevention.Mode == "" || p.Spec.Prevention.Mode == securityv1alpha1.PreventionDisabled {
			p.Spec.Prevention.Mode = securityv1alpha1.PreventionDeny
		}
	case securityv1alpha1.PreventionWarn, securityv1alpha1.PreventionAudit, securityv1alpha1.PreventionDeny:
		p.Spec.Prevention.Mode = m
	default:
		return nil, field.NotSupported(field.NewPath("mode"), mode, []string{"Warn", "Audit", "Deny"})
	}
	if namespace == "" {
		namespace = controllers.DefaultPreventionNamespace
	}
	in, err := controllers.PreventionInput(p, namespace, now)
	if err != nil {
		return nil, err
	}
	set, err := prevention.Generate(in)
	if err != nil {
		return nil, err
	}
	if len(set.Unsupported) > 0 {
		return nil, fmt.Errorf("spec.prevention.checks: %s have no admission policy; the checks that have one are %s",
			strings.Join(set.Unsupported, ", "), strings.Join(prevention.Supported(), ", "))
	}
	return prevention.Manifests(set)
}

// newGenerateCommand is `kubeposture generate admission-policies`.
func newGenerateCommand(streams IO) *cobra.Command {
	gen := &cobra.Command{
		Use:   "generate",
		Short: "Write objects the operator generates, for teams that keep them in git",
	}
	var level, profilePath, mode, namespace string
	policies := &cobra.Command{
		Use:   "admission-policies",
		Short: "Write the profile's ValidatingAdmissionPolicies, bindings and params ConfigMap as YAML",
		Long: `Writes the ValidatingAdmissionPolicies, their bindings and the params ConfigMap the operator
generates for the profile (the same objects), as YAML on standard output.`,
		Example: `  kubeposture generate admission-policies --level L2
  kubeposture generate admission-policies --profile profile.yaml --mode Warn > policies.yaml`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			data, err := GenerateAdmissionPolicies(profilePath, level, mode, namespace, time.Now())
			if err != nil {
				return usageErr("%v", err)
			}
			_, err = streams.Out.Write(data)
			return err
		},
	}
	policies.Flags().StringVar(&level, "level", "", "target level: L1, L2 or L3 (default L1, or the profile's)")
	policies.Flags().StringVar(&profilePath, "profile", "", "a SecurityProfile manifest: scope, checks, exemptions, parameters, prevention")
	policies.Flags().StringVar(&mode, "mode", "", "Warn, Audit or Deny (default the profile's spec.prevention.mode, Deny when it is Disabled)")
	policies.Flags().StringVar(&namespace, "namespace", "", "namespace of the params ConfigMap (default "+controllers.DefaultPreventionNamespace+")")
	gen.AddCommand(policies)
	return gen
}
