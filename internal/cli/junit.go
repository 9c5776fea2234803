package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// writeJUnit writes one test suite per domain and one test case per check: Fail is a failure,
// Error an error, and results that are not judged here (NotApplicable, Skipped, Manual,
// Exempted) are skipped with the reason.
func writeJUnit(w io.Writer, res *result) error {
	rep := res.report
	suites := junit.Testsuites{Name: "kubeposture " + res.command + " " + rep.Level.String()}
	byDomain := map[benchmarks.Domain]*junit.Testsuite{}
	var order []benchmarks.Domain
	for _, c := range rep.Checks {
		s, ok := byDomain[c.Check.Domain]
		if !ok {
			s = &junit.Testsuite{Name: string(c.Check.Domain), ID: len(order), Time: "0"}
			byDomain[c.Check.Domain] = s
			order = append(order, c.Check.Domain)
		}
		tc := junit.Testcase{Name: c.Check.ID + " " + c.Check.Title, Classname: "kubeposture." + string(c.Check.Domain)}
		var lines []string
		for _, f := range c.Findings {
			line := fmt.Sprintf("%s %s", f.Result, findingText(f))
			if loc, ok := res.locs[f.Object]; ok {
				line += fmt.Sprintf(" (%s:%d)", loc.file, loc.line)
			}
			lines = append(lines, line)
		}
		detail := &junit.Result{Message: c.Message, Type: string(c.Check.Severity), Data: strings.Join(lines, "\n")}
		switch c.Result {
		case benchmarks.Fail:
			detail.Data += "\n\nRemediation: " + c.Check.Remediation
			tc.Failure = detail
		case benchmarks.Error:
			tc.Error = detail
		case benchmarks.Pass:
		default:
			tc.Skipped = &junit.Result{Message: string(c.Result) + ": " + c.Message}
		}
		s.AddTestcase(tc)
	}
	for _, d := range order {
		suites.AddSuite(*byDomain[d])
	}
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"); err != nil {
		return err
	}
	return suites.WriteXML(w)
}
