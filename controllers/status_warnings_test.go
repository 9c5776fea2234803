package controllers

import (
	"strings"
	"testing"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func TestWarningsNameUnknownCheckIDs(t *testing.T) {
	rep := benchmarks.Evaluate(&benchmarks.Snapshot{}, benchmarks.Env{Params: benchmarks.DefaultParams()}, benchmarks.All(), benchmarks.Options{
		Level: benchmarks.L1, Exclude: []string{"WKL-999"},
		Exemptions: []benchmarks.Exemption{{CheckID: "NET-404", Reason: "typo"}},
	})
	got := warningsOf(&rep)
	if len(got) != 2 || !strings.Contains(got[0], "checks.exclude WKL-999 names no check") || !strings.Contains(got[1], "exemption of NET-404") {
		t.Fatalf("warnings %q", got)
	}
}
