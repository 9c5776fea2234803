// Package cli is the kubeposture command line: the same checks as the operator, run once,
// against manifest files (scan) or a live cluster (audit), for CI pipelines and people.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/options"
)

// Exit codes.
const (
	ExitCompliant    = 0 // the target level is achieved
	ExitNotCompliant = 1 // the target level is not achieved
	ExitUsage        = 2 // bad arguments or unreadable input
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func usageErr(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// IO is where a command reads and writes.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Run executes the command line args with standard input and returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunIO(ctx, args, IO{In: os.Stdin, Out: stdout, Err: stderr})
}

// RunIO executes the command line args and returns the exit status.
func RunIO(ctx context.Context, args []string, streams IO) int {
	return execute(ctx, NewRootCommand(streams), args, streams)
}

func execute(ctx context.Context, root *cobra.Command, args []string, streams IO) int {
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitCompliant
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(streams.Err, "%s: %v\n", cmd.CommandPath(), ee.err)
		}
		return ee.code
	}
	// cobra's own errors: an unknown command or flag, a wrong number of arguments.
	fmt.Fprintf(streams.Err, "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
	return ExitUsage
}

// commonFlags are the flags of scan and audit.
type commonFlags struct {
	level, profile, output string
	verbose                bool
}

func (f *commonFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.level, "level", "", "target level: L1, L2 or L3 (default L1, or the profile's)")
	fl.StringVar(&f.profile, "profile", "", "a SecurityProfile manifest: level, scope, checks, exemptions, attestations, parameters")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text, json, sarif or junit")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "text: list every offending object, and the checks that pass")
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"L1", "L2", "L3"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "sarif", "junit"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagFilename("profile", "yaml", "yml", "json")
}

func (f *commonFlags) validate() error {
	switch f.output {
	case "text", "json", "sarif", "junit":
	default:
		return usageErr("unknown output %q: use text, json, sarif or junit", f.output)
	}
	return nil
}

// NewRootCommand builds the kubeposture command tree.
func NewRootCommand(streams IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubeposture",
		Short: "Run the container-security maturity checks once and print the result",
		Long: `kubeposture runs the container-security maturity checks of the operator once, against
manifests (scan) or a live cluster (audit), and prints the result.

Exit status: 0 when the target level is achieved, 1 when it is not, 2 on bad arguments or
unreadable input.`,
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.Err)
	root.SetVersionTemplate("kubeposture {{.Version}}\n")
	var cpuProfile, memProfile string
	var stopProfile func()
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file")
	root.PersistentFlags().StringVar(&memProfile, "memprofile", "", "write an allocation profile of the command to this file when it ends")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	_ = root.PersistentFlags().MarkHidden("memprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if memProfile != "" {
			runtime.MemProfileRate = 64 << 10
			stopProfile = func() { writeHeapProfile(memProfile, streams.Err) }
		}
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile) //nolint:gosec // the file the user named
		if err != nil {
			return usageErr("%v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return usageErr("%v", err)
		}
		stopMem := stopProfile
		stopProfile = func() {
			pprof.StopCPUProfile()
			_ = f.Close()
			if stopMem != nil {
				stopMem()
			}
		}
		return nil
	}
	cobra.OnFinalize(func() {
		if stopProfile != nil {
			stopProfile()
			stopProfile = nil
		}
	})
	root.AddCommand(newScanCommand(streams), newAuditCommand(streams), newExplainCommand(streams), newChecksCommand(streams),
		newGenerateCommand(streams))
	return root
}

// writeHeapProfile writes the allocation profile (live objects and everything allocated) to
// path.
func writeHeapProfile(path string, errOut io.Writer) {
	f, err := os.Create(path) //nolint:gosec // the file the user named
	if err != nil {
		fmt.Fprintf(errOut, "kubeposture: memory profile: %v\n", err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintf(errOut, "kubeposture: memory profile: %v\n", err)
	}
}

func newScanCommand(streams IO) *cobra.Command {
	var common commonFlags
	var in scanInputs
	cmd := &cobra.Command{
		Use:   "scan (-f PATH | -k DIR | --chart DIR) [flags]",
		Short: "Check manifest files, a kustomization or a Helm chart",
		Long: `Check manifests as kubectl apply would send them: files and directories (-f, "-" for
standard input), a kustomization rendered as kustomize build does (-k), or a Helm chart rendered
as helm template does (--chart, with --values). Objects that name no namespace belong to
--namespace. Files that are not Kubernetes manifests are skipped with a warning; a document that
cannot be read is an error naming its file and line.`,
		Example: `  kubeposture scan -f deploy/ --level L2
  kustomize build overlays/prod | kubeposture scan -f - -o sarif > kubeposture.sarif
  kubeposture scan -k overlays/prod
  kubeposture scan --chart charts/shop --values charts/shop/values-prod.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := common.validate(); err != nil {
				return err
			}
			if len(in.files) == 0 && len(in.kustomizations) == 0 && len(in.charts) == 0 {
				return usageErr("name the manifests with -f FILE_OR_DIRECTORY, -k DIR or --chart DIR")
			}
			if len(in.values) > 0 && len(in.charts) == 0 {
				return usageErr("--values needs --chart")
			}
			opts, params, scope, err := loadProfile(common.profile, common.level)
			if err != nil {
				return usageErr("%v", err)
			}
			// A scan is short and allocates mostly garbage (each file's parse tree): a heap target
			// of 3× live data halves the collector's work, and the soft limit keeps it bounded.
			if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
				debug.SetGCPercent(200)
				debug.SetMemoryLimit(1 << 30)
			}
			res := &result{command: "scan", verbose: common.verbose}
			snap, err := scanSnapshot(&in, streams, res)
			if err != nil {
				if common.output == "sarif" {
					// A broken manifest still gives a valid SARIF document carrying the error.
					res.inputError = err
					if werr := writeSARIF(streams.Out, res); werr != nil {
						return usageErr("%v", werr)
					}
				}
				return usageErr("%v", err)
			}
			env := benchmarks.Env{Now: time.Now(), Params: params, Scope: scope}
			return evaluate(snap, env, opts, common, res, streams)
		},
	}
	common.register(cmd)
	fl := cmd.Flags()
	fl.StringArrayVarP(&in.files, "filename", "f", nil, `a manifest file or directory, or "-" for standard input (repeatable)`)
	fl.StringArrayVarP(&in.kustomizations, "kustomize", "k", nil, "a kustomization directory to render (repeatable)")
	fl.StringArrayVar(&in.charts, "chart", nil, "a Helm chart directory to render (repeatable)")
	fl.StringArrayVar(&in.values, "values", nil, "a values file for the charts (repeatable; later files win)")
	fl.StringVarP(&in.namespace, "namespace", "n", "default", "the namespace of objects that name none")
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
	_ = cmd.MarkFlagDirname("kustomize")
	_ = cmd.MarkFlagDirname("chart")
	_ = cmd.MarkFlagFilename("values", "yaml", "yml")
	return cmd
}

func newAuditCommand(streams IO) *cobra.Command {
	var common commonFlags
	var kubeconfig, kubeContext, namespace string
	var readSecrets bool
	cmd := &cobra.Command{
		Use:   "audit [flags]",
		Short: "Check the cluster of the kubeconfig",
		Long: `Check a live cluster, read the way the operator reads it. --kubeconfig and --context
choose the cluster as kubectl does; --namespace limits the namespaced checks to one namespace.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := common.validate(); err != nil {
				return err
			}
			opts, params, scope, err := loadProfile(common.profile, common.level)
			if err != nil {
				return usageErr("%v", err)
			}
			if namespace != "" {
				scope.Selector = onlyNamespace(scope.Selector, namespace)
			}
			params.ReadKubeletConfig = false
			snap, err := auditSnapshot(cmd.Context(), kubeconfig, kubeContext, readSecrets)
			if err != nil {
				return usageErr("%v", err)
			}
			env := benchmarks.Env{Now: time.Now(), Params: params, Scope: scope}
			return evaluate(snap, env, opts, common, &result{command: "audit", verbose: common.verbose}, streams)
		},
	}
	common.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&kubeconfig, "kubeconfig", "", "the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fl.StringVar(&kubeContext, "context", "", "the kubeconfig context to use (default: its current context)")
	fl.StringVarP(&namespace, "namespace", "n", "", "limit the namespaced checks to this namespace (default: every namespace the profile selects)")
	fl.BoolVar(&readSecrets, "read-secrets", true, "read Secrets' metadata, type and keys (values are never kept)")
	_ = cmd.MarkFlagFilename("kubeconfig")
	return cmd
}

// onlyNamespace narrows a namespace selector to one namespace by its name label, which the API
// server sets on every namespace.
func onlyNamespace(sel labels.Selector, ns string) labels.Selector {
	req, err := labels.NewRequirement("kubernetes.io/metadata.name", selection.Equals, []string{ns})
	if err != nil {
		return sel
	}
	if sel == nil {
		sel = labels.NewSelector()
	}
	return sel.Add(*req)
}

// evaluate runs the checks over the snapshot in env, writes the report and returns the exit
// status.
func evaluate(snap *benchmarks.Snapshot, env benchmarks.Env, opts benchmarks.Options, common commonFlags, res *result, streams IO) error {
	rep := benchmarks.Evaluate(snap, env, benchmarks.All(), opts)
	res.report = &rep
	var err error
	switch common.output {
	case "json":
		err = writeJSON(streams.Out, res)
	case "sarif":
		err = writeSARIF(streams.Out, res)
	case "junit":
		err = writeJUnit(streams.Out, res)
	default:
		err = writeText(streams.Out, res, useColour(streams.Out))
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if rep.Compliant() {
		return nil
	}
	return &exitError{code: ExitNotCompliant}
}

// loadProfile reads the profile file, if any, and applies the --level override.
func loadProfile(path, level string) (benchmarks.Options, benchmarks.Params, benchmarks.Scope, error) {
	spec := securityv1alpha1.SecurityProfileSpec{Level: securityv1alpha1.LevelL1}
	if path != "" {
		data, err := os.ReadFile(path) //nolint:gosec // the file the user named
		if err != nil {
			return benchmarks.Options{}, benchmarks.Params{}, benchmarks.Scope{}, err
		}
		p := &securityv1alpha1.SecurityProfile{}
		if err := yaml.UnmarshalStrict(data, p); err != nil {
			return benchmarks.Options{}, benchmarks.Params{}, benchmarks.Scope{}, fmt.Errorf("%s: %w", path, err)
		}
		if p.Kind != "SecurityProfile" {
			return benchmarks.Options{}, benchmarks.Params{}, benchmarks.Scope{}, fmt.Errorf("%s: kind is %q, want SecurityProfile", path, p.Kind)
		}
		spec = p.Spec
	}
	if level != "" {
		spec.Level = securityv1alpha1.Level(strings.ToUpper(level))
	}
	if _, err := benchmarks.ParseLevel(string(spec.Level)); err != nil {
		return benchmarks.Options{}, benchmarks.Params{}, benchmarks.Scope{}, field.Invalid(field.NewPath("level"), spec.Level, "want L1, L2 or L3")
	}
	return options.ForProfile(&spec)
}

// result is what the writers render: the report and what was read to make it.
type result struct {
	command string
	verbose bool
	report  *benchmarks.Report
	input   *inputSummary // scan only
	// inputError is a manifest that could not be read; only SARIF is written then.
	inputError error
	locs       locations
	started    time.Time
}

// unknownSelectorWarnings says which IDs of the profile name no check of the catalog.
func unknownSelectorWarnings(rep *benchmarks.Report) []string {
	var out []string
	for _, u := range rep.UnknownSelectors {
		out = append(out, u+" names no check of the catalog and has no effect")
	}
	return out
}
