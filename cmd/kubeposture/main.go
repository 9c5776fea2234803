// Command kubeposture runs the container-security maturity checks once, against manifests
// (kubeposture scan -f DIR) or a live cluster (kubeposture audit), for CI pipelines and people.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/kubeposture/kubeposture/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
