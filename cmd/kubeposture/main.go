// Command kubeposture runs the container-security maturity checks once, against manifests
// (kubeposture scan -f DIR) or a live cluster (kubeposture audit), for CI pipelines and people.
// Started as kubectl-posture (make build writes that link, krew installs it), it is the kubectl
// plugin `kubectl posture`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/kubeposture/kubeposture/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	var code int
	if cli.IsPlugin(os.Args[0]) {
		code = cli.RunPlugin(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	} else {
		code = cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	os.Exit(code)
}
