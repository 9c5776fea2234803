package cli

import (
	"bytes"
	"context"
	"encoding/json"
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
