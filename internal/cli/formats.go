package cli

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// locations maps an object (Kind/namespace/name) to where a scan read it.
type locations map[benchmarks.ObjectRef]location

type location struct {
	file string
	line int
}

// writeSARIF writes SARIF 2.1.0: one rule per check that ran, one result per offending finding,
// located at its manifest file and line when the scan read it from one.
func writeSARIF(w io.Writer, rep *benchmarks.Report, locs locations) error {
	type message struct {
		Text string `json:"text"`
	}
	type rule struct {
		ID               string            `json:"id"`
		ShortDescription message           `json:"shortDescription"`
		FullDescription  message           `json:"fullDescription"`
		Help             message           `json:"help"`
		Properties       map[string]string `json:"properties"`
	}
	type result struct {
		RuleID    string           `json:"ruleId"`
		Level     string           `json:"level"`
		Message   message          `json:"message"`
		Locations []map[string]any `json:"locations,omitempty"`
	}
	rules := []rule{}
	results := []result{}
	for _, c := range rep.Checks {
		rules = append(rules, rule{
			ID: c.Check.ID, ShortDescription: message{c.Check.Title}, FullDescription: message{c.Check.Rationale},
			Help:       message{c.Check.Remediation},
			Properties: map[string]string{"level": c.Check.Level.String(), "severity": string(c.Check.Severity), "domain": string(c.Check.Domain)},
		})
		for _, f := range c.Findings {
			if f.Result != benchmarks.Fail && f.Result != benchmarks.Error {
				continue
			}
			r := result{RuleID: c.Check.ID, Level: sarifLevel(c.Check.Severity), Message: message{findingText(f)}}
			if loc, ok := locs[f.Object]; ok {
				r.Locations = append(r.Locations, map[string]any{"physicalLocation": map[string]any{
					"artifactLocation": map[string]string{"uri": loc.file}, "region": map[string]int{"startLine": loc.line},
				}})
			} else if f.Object.Name != "" {
				r.Locations = append(r.Locations, map[string]any{"logicalLocations": []map[string]string{{"name": f.Object.String(), "kind": "resource"}}})
			}
			results = append(results, r)
		}
	}
	doc := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []map[string]any{{
			"tool":    map[string]any{"driver": map[string]any{"name": "kubeposture", "rules": rules}},
			"results": results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
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

// writeJUnit writes one test case per check: Fail is a failure, Error an error, and results
// that are not judged here (NotApplicable, Skipped, Manual, Exempted) are skipped with the reason.
func writeJUnit(w io.Writer, rep *benchmarks.Report) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Error     *failure `xml:"error,omitempty"`
		Skipped   *failure `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		XMLName  xml.Name   `xml:"testsuite"`
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Errors   int        `xml:"errors,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	suite := testsuite{Name: "kubeposture " + rep.Level.String()}
	for _, c := range rep.Checks {
		tc := testcase{Name: c.Check.ID + " " + c.Check.Title, Classname: string(c.Check.Domain)}
		var lines []string
		for _, f := range c.Findings {
			lines = append(lines, fmt.Sprintf("%s %s", f.Result, findingText(f)))
		}
		detail := &failure{Message: c.Message, Text: strings.Join(lines, "\n")}
		switch c.Result {
		case benchmarks.Fail:
			tc.Failure = detail
			detail.Text += "\n\nRemediation: " + c.Check.Remediation
			suite.Failures++
		case benchmarks.Error:
			tc.Error = detail
			suite.Errors++
		case benchmarks.Pass:
		default:
			tc.Skipped = &failure{Message: string(c.Result) + ": " + c.Message}
			suite.Skipped++
		}
		suite.Tests++
		suite.Cases = append(suite.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suite); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
