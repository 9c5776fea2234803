package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestIsPlugin(t *testing.T) {
	for argv0, want := range map[string]bool{
		"kubectl-posture":                   true,
		"/home/u/.krew/bin/kubectl-posture": true,
		`C:\krew\bin\kubectl-posture.exe`:   true,
		"bin/kubeposture":                   false,
		"kubectl-posture-old":               false,
	} {
		if got := IsPlugin(strings.ReplaceAll(argv0, `\`, "/")); got != want {
			t.Errorf("IsPlugin(%q) = %t, want %t", argv0, got, want)
		}
	}
}

// TestPluginHelpNamesKubectlPosture: as a plugin, help and usage errors name `kubectl posture`,
// and the commands and exit codes are those of kubeposture.
func TestPluginHelpNamesKubectlPosture(t *testing.T) {
	var out, errOut bytes.Buffer
	code := RunPlugin(context.Background(), []string{"explain", "--help"}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitCompliant || !strings.Contains(out.String(), "kubectl posture explain CHECK-ID") {
		t.Errorf("kubectl posture explain --help: exit %d, output:\n%s%s", code, out.String(), errOut.String())
	}
	out.Reset()
	errOut.Reset()
	code = RunPlugin(context.Background(), []string{"explain", "NOPE-1"}, IO{In: strings.NewReader(""), Out: &out, Err: &errOut})
	if code != ExitUsage || !strings.HasPrefix(errOut.String(), "kubectl posture explain: ") {
		t.Errorf("kubectl posture explain NOPE-1: exit %d, stderr %q; want 2 and the plugin's name", code, errOut.String())
	}
}
