package operator

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

// clobberFreeEnv is the environment variable the Go runtime reads its debug settings from.
const clobberFreeEnv = "GODEBUG"

// clobberFreeSetting makes the Go garbage collector overwrite every object it frees. Response
// bodies from the API server pass through the process before the cache transforms drop what no
// check needs (Secret values, kubectl's last-applied annotation, which repeats every value of an
// applied Secret); without it, those freed bytes stay readable in the heap until the memory is
// reused.
const clobberFreeSetting = "clobberfree=1"

// WithClobberFree returns environ with GODEBUG extended by clobberfree=1, and whether it had to
// be changed. A GODEBUG that already names clobberfree (for example clobberfree=0, to turn it
// off) is left as it is.
func WithClobberFree(environ []string) ([]string, bool) {
	for i, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if k != clobberFreeEnv {
			continue
		}
		for _, setting := range strings.Split(v, ",") {
			if name, _, _ := strings.Cut(setting, "="); strings.TrimSpace(name) == "clobberfree" {
				return environ, false
			}
		}
		out := append([]string(nil), environ...)
		if v == "" {
			out[i] = clobberFreeEnv + "=" + clobberFreeSetting
		} else {
			out[i] = kv + "," + clobberFreeSetting
		}
		return out, true
	}
	return append(append([]string(nil), environ...), clobberFreeEnv+"="+clobberFreeSetting), true
}

// ReexecWithClobberFree replaces the running process with the same binary and arguments, its
// GODEBUG extended by clobberfree=1, unless GODEBUG already names clobberfree. The Go runtime
// reads the setting only at start, so it must be in the environment before the process starts;
// a container or a shell that sets it already avoids the re-execution. On success it does not
// return.
func ReexecWithClobberFree() error {
	environ, changed := WithClobberFree(os.Environ())
	if !changed {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding the operator's executable to restart it with %s: %w", clobberFreeSetting, err)
	}
	if err := syscall.Exec(exe, os.Args, environ); err != nil { //nolint:gosec // the running binary itself, same arguments
		return fmt.Errorf("restarting the operator with %s: %w", clobberFreeSetting, err)
	}
	return nil
}
