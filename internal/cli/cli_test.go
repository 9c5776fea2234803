package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestScanCompliantManifests(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/compliant")
	if code != ExitCompliant {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Achieved: L1") {
		t.Errorf("output: %s", out)
	}
}

func TestScanFailsOnAPrivilegedPod(t *testing.T) {
	code, out, _ := run(t, "scan", "-f", "testdata/privileged", "--level", "L1")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"WKL-001", "WKL-013", "Pod/shop/debug", "Achieved: None"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestScanNamesTheFileAndLineOfABrokenManifest(t *testing.T) {
	code, _, errOut := run(t, "scan", "-f", "testdata/broken")
	if code != ExitUsage || !strings.Contains(errOut, "testdata/broken/app.yaml:9:") {
		t.Fatalf("exit %d, stderr %q: want 2 and the file and line", code, errOut)
	}
}

func TestScanJSONAndProfile(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/privileged", "--profile", "testdata/profile-l2-exempt.yaml", "-o", "json")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Level != "L2" {
		t.Errorf("the profile's level applies: %s", rep.Level)
	}
	results := map[string]string{}
	for _, c := range rep.Checks {
		results[c.ID] = c.Result
	}
	if results["WKL-001"] != "Exempted" || results["WKL-013"] != "Fail" {
		t.Errorf("the profile's exemption applies to WKL-001 only: %v", results)
	}
}

func TestBadArguments(t *testing.T) {
	for _, args := range [][]string{{"scan"}, {"scan", "-f", "testdata/compliant", "-o", "xml"}, {"scan", "-f", "testdata/compliant", "--level", "L4"}, {"frobnicate"}} {
		if code, _, errOut := run(t, args...); code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestScanSARIFLocatesFindingsInTheirFiles(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/privileged", "-o", "sarif")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Tool.Driver.Rules) == 0 {
		t.Fatalf("not a SARIF 2.1.0 run with rules: %s", out)
	}
	for _, r := range doc.Runs[0].Results {
		if r.RuleID != "WKL-001" {
			continue
		}
		loc := r.Locations[0].PhysicalLocation
		if r.Level != "error" || loc.ArtifactLocation.URI != "testdata/privileged/pod.yaml" || loc.Region.StartLine != 2 {
			t.Errorf("WKL-001 result: level %s at %s:%d, want error at testdata/privileged/pod.yaml:2", r.Level, loc.ArtifactLocation.URI, loc.Region.StartLine)
		}
		return
	}
	t.Fatal("no WKL-001 result")
}

func TestScanJUnit(t *testing.T) {
	code, out, errOut := run(t, "scan", "-f", "testdata/privileged", "-o", "junit")
	if code != ExitNotCompliant {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal([]byte(out), &suite); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	if suite.Tests == 0 || suite.Failures == 0 || suite.Tests != len(suite.Cases) {
		t.Fatalf("counts: %d tests, %d failures, %d cases", suite.Tests, suite.Failures, len(suite.Cases))
	}
	for _, c := range suite.Cases {
		if strings.HasPrefix(c.Name, "WKL-001 ") && c.Failure == nil {
			t.Error("WKL-001 must be a failure")
		}
	}
}
