// Package cli is the kubeposture command line: the same checks as the operator, run once,
// against manifest files (scan) or a live cluster (audit), for CI pipelines and people.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/controllers"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
	"github.com/kubeposture/kubeposture/internal/operator"
)

// Exit codes.
const (
	ExitCompliant    = 0 // the target level is achieved
	ExitNotCompliant = 1 // the target level is not achieved
	ExitUsage        = 2 // bad arguments or unreadable input
)

const usage = `kubeposture runs the container-security maturity checks once and prints the result.

Usage:
  kubeposture scan -f PATH [-f PATH ...] [flags]   check manifest files and directories
  kubeposture audit [--kubeconfig FILE] [flags]    check the cluster of the kubeconfig

Flags:
  --level L1|L2|L3     target level (default L1, or the profile's)
  --profile FILE       a SecurityProfile manifest: level, scope, checks, exemptions, attestations, parameters
  -o, --output FORMAT  text (default), json, sarif or junit
  --read-secrets       audit: read Secrets' metadata, type and keys (values are never kept) (default true)

Exit status: 0 when the target level is achieved, 1 when it is not, 2 on bad input.
`

// Run executes the command line args and returns the exit status.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return ExitCompliant
	}
	cmd := args[0]
	fs := flag.NewFlagSet("kubeposture "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	var files multiFlag
	level := fs.String("level", "", "target level: L1, L2 or L3")
	profilePath := fs.String("profile", "", "a SecurityProfile manifest")
	output := fs.String("output", "text", "text, json, sarif or junit")
	fs.StringVar(output, "o", "text", "text, json, sarif or junit")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file (audit)")
	readSecrets := fs.Bool("read-secrets", true, "read Secrets' metadata, type and keys (audit)")
	fs.Var(&files, "f", "a manifest file or directory (scan; repeatable)")
	fs.Var(&files, "filename", "a manifest file or directory (scan; repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return ExitUsage
	}
	switch *output {
	case "text", "json", "sarif", "junit":
	default:
		fmt.Fprintf(stderr, "kubeposture: unknown output %q: use text, json, sarif or junit\n", *output)
		return ExitUsage
	}
	opts, params, scope, err := loadProfile(*profilePath, *level)
	if err != nil {
		fmt.Fprintf(stderr, "kubeposture: %v\n", err)
		return ExitUsage
	}

	var snap *benchmarks.Snapshot
	locs := locations{}
	switch cmd {
	case "scan":
		if len(files) == 0 {
			fmt.Fprintln(stderr, "kubeposture scan: name the manifests with -f FILE_OR_DIRECTORY")
			return ExitUsage
		}
		snap, err = scanSnapshot(files, locs)
	case "audit":
		params.ReadKubeletConfig = false
		snap, err = auditSnapshot(ctx, *kubeconfig, *readSecrets)
	default:
		fmt.Fprintf(stderr, "kubeposture: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "kubeposture %s: %v\n", cmd, err)
		return ExitUsage
	}
	snap.Params, snap.Scope = params, scope
	rep := benchmarks.Evaluate(snap, benchmarks.All(), opts)
	switch *output {
	case "json":
		err = writeJSON(stdout, &rep)
	case "sarif":
		err = writeSARIF(stdout, &rep, locs)
	case "junit":
		err = writeJUnit(stdout, &rep)
	default:
		err = writeText(stdout, &rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kubeposture: %v\n", err)
		return ExitUsage
	}
	if rep.Compliant() {
		return ExitCompliant
	}
	return ExitNotCompliant
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

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
	return controllers.ProfileOptions(&spec)
}

// scanSnapshot reads manifests into a snapshot; an unreadable document is an error naming its
// file and line.
func scanSnapshot(paths []string, locs locations) (*benchmarks.Snapshot, error) {
	objs, err := manifest.ReadPaths(paths)
	if err != nil {
		return nil, err
	}
	snap := &benchmarks.Snapshot{Now: time.Now(), Source: benchmarks.SourceManifests}
	for _, o := range objs {
		snap.Add(o.Object) // kinds no check reads are simply not inspected
		if m, ok := o.Object.(metav1.Object); ok {
			locs[benchmarks.ObjectRef{Kind: o.GVK.Kind, Namespace: m.GetNamespace(), Name: m.GetName()}] = location{file: o.File, line: o.Line}
		}
	}
	return snap, nil
}

// auditSnapshot gathers a live cluster through the operator's own gatherer, from a short-lived
// cache. Kinds the caller may not read are found by access review at once and reported by the
// checks as Skipped, naming the permission; nothing waits for a list that cannot succeed.
func auditSnapshot(ctx context.Context, kubeconfig string, readSecrets bool) (*benchmarks.Snapshot, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	src, err := controllers.NewClusterSource(cfg, controllers.SourceOptions{Scheme: operator.Scheme, ReadSecrets: readSecrets})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := src.Start(ctx, time.Minute); err != nil {
		return nil, fmt.Errorf("reading the cluster: %w", err)
	}
	snap, err := src.Gatherer.Snapshot(ctx, time.Now())
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, errors.New("the cluster's objects could not be read within 5 minutes")
	}
	return snap, err
}

// jsonReport is the machine-readable result.
type jsonReport struct {
	Level     string      `json:"level"`
	Achieved  string      `json:"achievedLevel"`
	Compliant bool        `json:"compliant"`
	Score     *int        `json:"score,omitempty"`
	Checks    []jsonCheck `json:"checks"`
	Warnings  []string    `json:"warnings,omitempty"`
}

type jsonCheck struct {
	ID          string               `json:"id"`
	Title       string               `json:"title"`
	Domain      string               `json:"domain"`
	Level       string               `json:"level"`
	Severity    string               `json:"severity"`
	Result      string               `json:"result"`
	Message     string               `json:"message"`
	Remediation string               `json:"remediation,omitempty"`
	Findings    []benchmarks.Finding `json:"findings,omitempty"`
}

func achieved(rep *benchmarks.Report) string {
	if rep.Achieved == 0 {
		return "None"
	}
	return rep.Achieved.String()
}

func writeJSON(w io.Writer, rep *benchmarks.Report) error {
	out := jsonReport{Level: rep.Level.String(), Achieved: achieved(rep), Compliant: rep.Compliant(), Checks: []jsonCheck{}}
	if rep.Score >= 0 {
		out.Score = &rep.Score
	}
	for _, c := range rep.Checks {
		jc := jsonCheck{ID: c.Check.ID, Title: c.Check.Title, Domain: string(c.Check.Domain), Level: c.Check.Level.String(),
			Severity: string(c.Check.Severity), Result: string(c.Result), Message: c.Message, Findings: c.Findings}
		if c.Result == benchmarks.Fail || c.Result == benchmarks.Error {
			jc.Remediation = c.Check.Remediation
		}
		out.Checks = append(out.Checks, jc)
	}
	for _, e := range rep.ExpiredExemptions {
		out.Warnings = append(out.Warnings, fmt.Sprintf("exemption of %s expired on %s", e.CheckID, e.Expires.Format(time.DateOnly)))
	}
	out.Warnings = append(out.Warnings, unknownSelectorWarnings(rep)...)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeText(w io.Writer, rep *benchmarks.Report) error {
	var notMet []benchmarks.CheckReport
	for _, c := range rep.Checks {
		if c.Result != benchmarks.Pass && c.Result != benchmarks.NotApplicable {
			notMet = append(notMet, c)
		}
	}
	rank := map[benchmarks.Result]int{benchmarks.Error: 0, benchmarks.Fail: 1, benchmarks.Manual: 2, benchmarks.Skipped: 3, benchmarks.Exempted: 4}
	sort.SliceStable(notMet, func(i, j int) bool {
		a, b := notMet[i], notMet[j]
		if rank[a.Result] != rank[b.Result] {
			return rank[a.Result] < rank[b.Result]
		}
		return a.Check.Severity.Weight() > b.Check.Severity.Weight()
	})
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tLEVEL\tSEVERITY\tRESULT\tOBJECTS\tMESSAGE")
	for _, c := range notMet {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", c.Check.ID, c.Check.Level, c.Check.Severity, c.Result, c.Offending, benchmarks.Truncate(c.Message, 160))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	score := "n/a"
	if rep.Score >= 0 {
		score = fmt.Sprint(rep.Score)
	}
	_, err := fmt.Fprintf(w, "\n%d checks at %s: %d pass, %d fail, %d error, %d manual, %d not applicable. Achieved: %s. Score: %s.\n",
		rep.Summary.Total, rep.Level, rep.Summary.ByResult[benchmarks.Pass], rep.Summary.ByResult[benchmarks.Fail],
		rep.Summary.ByResult[benchmarks.Error], rep.Summary.ByResult[benchmarks.Manual], rep.Summary.ByResult[benchmarks.NotApplicable],
		achieved(rep), score)
	for _, msg := range unknownSelectorWarnings(rep) {
		if err == nil {
			_, err = fmt.Fprintf(w, "Warning: %s.\n", msg)
		}
	}
	return err
}

// unknownSelectorWarnings says which IDs of the profile name no check of the catalog.
func unknownSelectorWarnings(rep *benchmarks.Report) []string {
	var out []string
	for _, u := range rep.UnknownSelectors {
		out = append(out, u+" names no check of the catalog and has no effect")
	}
	return out
}
