package cli

import (
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/manifest"
)

// toolVersion is the version SARIF reports; tests replace it for stable output.
var toolVersion = Version

// securitySeverity is the CVSS-like score GitHub code scanning ranks results by.
func securitySeverity(s benchmarks.Severity) string {
	switch s {
	case benchmarks.SeverityCritical:
		return "9.5"
	case benchmarks.SeverityHigh:
		return "8.0"
	case benchmarks.SeverityMedium:
		return "5.5"
	}
	return "3.0"
}

func sarifLevel(s benchmarks.Severity) string {
	switch s {
	case benchmarks.SeverityCritical, benchmarks.SeverityHigh:
		return "error"
	case benchmarks.SeverityMedium:
		return "warning"
	}
	return "note"
}

// ClusterURI is the artifact an audit's results are located in: cluster/NAMESPACE/KIND/NAME,
// with _cluster for cluster-scoped objects and cluster alone for findings about no object.
func ClusterURI(ref benchmarks.ObjectRef) string {
	if ref.Name == "" {
		return "cluster"
	}
	ns := ref.Namespace
	if ns == "" {
		ns = "_cluster"
	}
	return "cluster/" + ns + "/" + ref.Kind + "/" + ref.Name
}

func physical(uri string, line int) *sarif.Location {
	if line < 1 {
		line = 1
	}
	return sarif.NewLocation().WithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewArtifactLocation().WithURI(uri)).
		WithRegion(sarif.NewRegion().WithStartLine(line)))
}

// writeSARIF writes SARIF 2.1.0 for GitHub code scanning: one rule per check that ran, one
// result per offending finding, each located at its manifest file and line (for audit, at a
// stable cluster path of the object). Skipped files and an unreadable manifest are tool
// notifications; a scan that could not read its input still yields a valid document.
func writeSARIF(w io.Writer, res *result) error {
	driver := sarif.NewToolComponent().WithName("kubeposture").WithVersion(toolVersion()).
		WithInformationURI(strings.TrimSuffix(DocsURL, "/blob/main/docs/checks.md"))
	run := sarif.NewRun()
	run.Tool = sarif.NewTool().WithDriver(driver)
	inv := sarif.NewInvocation().WithExecutionSuccessful(res.inputError == nil)
	if res.input != nil {
		for _, s := range res.input.Skipped {
			inv.AddToolExecutionNotification(sarif.NewNotification().WithLevel("warning").
				WithMessage(sarif.NewMessage().WithText(s.Reason)).AddLocation(physical(s.File, 1)))
		}
	}
	if res.inputError != nil {
		n := sarif.NewNotification().WithLevel("error").WithMessage(sarif.NewMessage().WithText(res.inputError.Error()))
		var merr *manifest.Error
		if errors.As(res.inputError, &merr) {
			n.AddLocation(physical(merr.File, merr.Line))
		}
		inv.AddToolExecutionNotification(n)
	}
	run.Invocations = append(run.Invocations, inv)
	if res.report != nil {
		addResults(run, driver, res)
	}
	doc := sarif.NewReport().AddRun(run)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func addResults(run *sarif.Run, driver *sarif.ToolComponent, res *result) {
	fallback := "cluster"
	if res.input != nil && res.input.firstFile != "" {
		fallback = res.input.firstFile
	}
	for i, c := range res.report.Checks {
		props := sarif.NewPropertyBag().
			Add("security-severity", securitySeverity(c.Check.Severity)).
			Add("level", c.Check.Level.String()).
			Add("severity", string(c.Check.Severity)).
			Add("precision", "high").
			WithTags([]string{"security", "kubernetes", string(c.Check.Domain)})
		help := c.Check.Remediation
		driver.AddRule(sarif.NewReportingDescriptor().WithID(c.Check.ID).WithName(ruleName(c.Check.ID)).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(c.Check.Title)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(c.Check.Rationale)).
			WithHelp(sarif.NewMultiformatMessageString().WithText(help).
				WithMarkdown("**Remediation:** " + help + "\n\n[" + c.Check.ID + " in the check catalog](" + HelpURI(c.Check.ID) + ")")).
			WithHelpURI(HelpURI(c.Check.ID)).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(c.Check.Severity))).
			WithProperties(props))
		for _, f := range c.Findings {
			if f.Result != benchmarks.Fail && f.Result != benchmarks.Error {
				continue
			}
			r := sarif.NewResult().WithRuleID(c.Check.ID).WithRuleIndex(i).WithLevel(sarifLevel(c.Check.Severity)).
				WithMessage(sarif.NewMessage().WithText(findingText(f)))
			var loc *sarif.Location
			switch l, ok := res.locs[f.Object]; {
			case ok:
				loc = physical(l.file, l.line)
			case res.command == "audit":
				loc = physical(ClusterURI(f.Object), 1)
			default:
				loc = physical(fallback, 1)
			}
			if f.Object.Name != "" {
				loc.AddLogicalLocation(sarif.NewLogicalLocation().WithName(f.Object.Name).
					WithFullyQualifiedName(f.Object.String()).WithKind("resource"))
			}
			r.AddLocation(loc)
			r.WithPartialFingerprints(map[string]string{"kubepostureObject/v1": c.Check.ID + "|" + f.Object.String()})
			run.AddResult(r)
		}
	}
}

// ruleName turns an ID such as WKL-001 into the PascalCase name SARIF viewers show.
func ruleName(id string) string {
	return "KubePosture" + strings.ReplaceAll(id, "-", "")
}
