package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// PluginBinary is the name kubectl finds the command under as a plugin: `kubectl posture`.
const PluginBinary = "kubectl-posture"

// IsPlugin reports whether the program was started as the kubectl plugin, from its argv[0]:
// kubectl and krew run the plugin through a file (or symlink) named kubectl-posture.
func IsPlugin(argv0 string) bool {
	name := strings.TrimSuffix(filepath.Base(argv0), ".exe")
	return name == PluginBinary
}

// RunPlugin is Run for the kubectl plugin: the same commands, with help, usage and completion
// naming them `kubectl posture`.
func RunPlugin(ctx context.Context, args []string, streams IO) int {
	root := NewRootCommand(streams)
	if root.Annotations == nil {
		root.Annotations = map[string]string{}
	}
	root.Annotations[cobra.CommandDisplayNameAnnotation] = "kubectl posture"
	return execute(ctx, root, args, streams)
}
