package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScanWarnsOfUnknownCheckIDs(t *testing.T) {
	_, out, errOut := run(t, "scan", "-f", "testdata/privileged", "--profile", "testdata/profile-unknown-ids.yaml")
	for _, want := range []string{"Warning: checks.exclude WKL-999 names no check", "Warning: exemption of NET-404 names no check"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s%s", want, out, errOut)
		}
	}
	_, out, _ = run(t, "scan", "-f", "testdata/privileged", "--profile", "testdata/profile-unknown-ids.yaml", "-o", "json")
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rep.Warnings) != 2 || !strings.Contains(rep.Warnings[0], "WKL-999") || !strings.Contains(rep.Warnings[1], "NET-404") {
		t.Errorf("JSON warnings %q", rep.Warnings)
	}
}
