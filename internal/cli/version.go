package cli

import (
	"runtime/debug"
	"strings"
)

// version is the release version; set with -ldflags "-X .../internal/cli.version=v1.2.3" when
// the module version in the build info is not one (a build from a work tree).
var version = ""

// revision is the VCS revision, set with -ldflags "-X .../internal/cli.revision=$(git rev-parse
// HEAD)" where the build info carries none (builds with -buildvcs=false).
var revision = ""

// Version reports the module version and the VCS revision the binary was built from.
func Version() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if v == "" && ok {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if !ok {
		return v
	}
	rev, when := revision, ""
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var details []string
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified {
			rev += "-dirty"
		}
		details = append(details, "revision "+rev)
	}
	if when != "" {
		details = append(details, when)
	}
	details = append(details, info.GoVersion)
	return v + " (" + strings.Join(details, ", ") + ")"
}
