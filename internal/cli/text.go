package cli

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// findingsShown is how many offending objects a check lists without -v.
const findingsShown = 3

// useColour reports whether w is a terminal and NO_COLOR (https://no-color.org) is not set.
func useColour(w io.Writer) bool {
	if _, ok := os.LookupEnv("NO_COLOR"); ok {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) //nolint:gosec // a file descriptor fits an int
}

type palette struct{ on bool }

func (p palette) paint(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p palette) result(r benchmarks.Result) string {
	label := strings.ToUpper(string(r))
	switch r {
	case benchmarks.Fail, benchmarks.Error:
		return p.paint("1;31", label)
	case benchmarks.Manual:
		return p.paint("33", label)
	case benchmarks.Pass:
		return p.paint("32", label)
	}
	return p.paint("2", label)
}

func achieved(rep *benchmarks.Report) string {
	if rep.Achieved == 0 {
		return "None"
	}
	return rep.Achieved.String()
}

// headline is the one-line summary that opens the text report.
func headline(res *result) string {
	rep := res.report
	verdict := rep.Level.String() + " achieved"
	if !rep.Compliant() {
		verdict = rep.Level.String() + " not achieved"
	}
	score := "n/a"
	if rep.Score >= 0 {
		score = fmt.Sprint(rep.Score)
	}
	by := rep.Summary.ByResult
	return fmt.Sprintf("kubeposture %s: %s (achieved: %s, score %s); %d checks: %d pass, %d fail, %d error, %d manual, %d not applicable.",
		res.command, verdict, achieved(rep), score, rep.Summary.Total, by[benchmarks.Pass], by[benchmarks.Fail], by[benchmarks.Error],
		by[benchmarks.Manual], by[benchmarks.NotApplicable])
}

// writeText writes the report for a person: the summary line, what was read, then the checks
// not met grouped by severity, each with its title and offending objects (all of them with -v).
func writeText(w io.Writer, res *result, colour bool) error {
	p := palette{on: colour}
	rep := res.report
	var b strings.Builder
	b.WriteString(p.paint("1", headline(res)) + "\n")
	if res.input != nil {
		b.WriteString(res.input.summaryLine() + "\n")
	}
	for _, e := range rep.ExpiredExemptions {
		fmt.Fprintf(&b, "Warning: the exemption of %s expired on %s and no longer applies.\n", e.CheckID, e.Expires.Format(time.DateOnly))
	}
	for _, msg := range unknownSelectorWarnings(rep) {
		fmt.Fprintf(&b, "Warning: %s.\n", msg)
	}
	rank := map[benchmarks.Result]int{benchmarks.Error: 0, benchmarks.Fail: 1, benchmarks.Manual: 2, benchmarks.Skipped: 3, benchmarks.Exempted: 4, benchmarks.Pass: 5, benchmarks.NotApplicable: 6}
	bySeverity := map[benchmarks.Severity][]benchmarks.CheckReport{}
	for _, c := range rep.Checks {
		if !res.verbose && (c.Result == benchmarks.Pass || c.Result == benchmarks.NotApplicable) {
			continue
		}
		bySeverity[c.Check.Severity] = append(bySeverity[c.Check.Severity], c)
	}
	for _, sev := range []benchmarks.Severity{benchmarks.SeverityCritical, benchmarks.SeverityHigh, benchmarks.SeverityMedium, benchmarks.SeverityLow} {
		checks := bySeverity[sev]
		if len(checks) == 0 {
			continue
		}
		sort.SliceStable(checks, func(i, j int) bool {
			if rank[checks[i].Result] != rank[checks[j].Result] {
				return rank[checks[i].Result] < rank[checks[j].Result]
			}
			return checks[i].Check.ID < checks[j].Check.ID
		})
		fmt.Fprintf(&b, "\n%s\n", p.paint("1", string(sev)+" severity"))
		for _, c := range checks {
			fmt.Fprintf(&b, "  %-8s %-9s %s [%s]\n", p.result(c.Result), c.Check.ID, c.Check.Title, c.Check.Level)
			writeFindings(&b, c, res)
		}
	}
	if len(bySeverity) == 0 {
		b.WriteString("\nEvery check that applies is met.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFindings(b *strings.Builder, c benchmarks.CheckReport, res *result) {
	var offending, other []benchmarks.Finding
	for _, f := range c.Findings {
		if f.Result == benchmarks.Fail || f.Result == benchmarks.Error {
			offending = append(offending, f)
		} else if f.Result != benchmarks.Pass {
			other = append(other, f)
		}
	}
	if len(offending) == 0 {
		msg := c.Message
		if len(other) > 0 && other[0].Message != "" && !res.verbose {
			msg = other[0].Message
		}
		if msg != "" {
			fmt.Fprintf(b, "                     %s\n", msg)
		}
		return
	}
	shown := offending
	if !res.verbose && len(shown) > findingsShown {
		shown = shown[:findingsShown]
	}
	for _, f := range shown {
		line := findingText(f)
		if loc, ok := res.locs[f.Object]; ok {
			line = fmt.Sprintf("%s (%s:%d)", line, loc.file, loc.line)
		}
		fmt.Fprintf(b, "                     %s\n", line)
	}
	if n := len(offending) - len(shown); n > 0 {
		fmt.Fprintf(b, "                     … and %d more (-v lists them all)\n", n)
	}
	if res.verbose && c.Check.Remediation != "" {
		fmt.Fprintf(b, "                     Remediation: %s\n", c.Check.Remediation)
	}
}

func findingText(f benchmarks.Finding) string {
	text := f.Message
	if f.Object.Name != "" {
		text = f.Object.String() + ": " + text
	}
	if f.Result == benchmarks.Error {
		text = "could not be evaluated: " + text
	}
	return text
}
