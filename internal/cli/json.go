package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// jsonReport is the machine-readable result.
type jsonReport struct {
	Level     string        `json:"level"`
	Achieved  string        `json:"achievedLevel"`
	Compliant bool          `json:"compliant"`
	Score     *int          `json:"score,omitempty"`
	Input     *inputSummary `json:"input,omitempty"`
	Checks    []jsonCheck   `json:"checks"`
	Warnings  []string      `json:"warnings,omitempty"`
}

type jsonCheck struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Domain      string        `json:"domain"`
	Level       string        `json:"level"`
	Severity    string        `json:"severity"`
	Result      string        `json:"result"`
	Message     string        `json:"message"`
	Remediation string        `json:"remediation,omitempty"`
	Findings    []jsonFinding `json:"findings,omitempty"`
}

// jsonFinding is a finding; a finding about no particular object has no object.
type jsonFinding struct {
	Result  string                `json:"result"`
	Object  *benchmarks.ObjectRef `json:"object,omitempty"`
	File    string                `json:"file,omitempty"`
	Line    int                   `json:"line,omitempty"`
	Message string                `json:"message"`
}

func writeJSON(w io.Writer, res *result) error {
	rep := res.report
	out := jsonReport{Level: rep.Level.String(), Achieved: achieved(rep), Compliant: rep.Compliant(), Input: res.input, Checks: []jsonCheck{}}
	if rep.Score >= 0 {
		out.Score = &rep.Score
	}
	for _, c := range rep.Checks {
		jc := jsonCheck{ID: c.Check.ID, Title: c.Check.Title, Domain: string(c.Check.Domain), Level: c.Check.Level.String(),
			Severity: string(c.Check.Severity), Result: string(c.Result), Message: c.Message}
		if c.Result == benchmarks.Fail || c.Result == benchmarks.Error {
			jc.Remediation = c.Check.Remediation
		}
		for _, f := range c.Findings {
			jf := jsonFinding{Result: string(f.Result), Message: f.Message}
			if f.Object != (benchmarks.ObjectRef{}) {
				ref := f.Object
				jf.Object = &ref
				if loc, ok := res.locs[f.Object]; ok {
					jf.File, jf.Line = loc.file, loc.line
				}
			}
			jc.Findings = append(jc.Findings, jf)
		}
		out.Checks = append(out.Checks, jc)
	}
	for _, e := range rep.ExpiredExemptions {
		out.Warnings = append(out.Warnings, fmt.Sprintf("exemption of %s expired on %s", e.CheckID, e.Expires.Format(time.DateOnly)))
	}
	out.Warnings = append(out.Warnings, unknownSelectorWarnings(rep)...)
	if res.input != nil {
		for _, s := range res.input.Skipped {
			out.Warnings = append(out.Warnings, s.File+": "+s.Reason)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
