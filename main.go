// Command camino serves the Camino GraphQL API and dashboards over a
// ClickHouse warehouse, and manages it: migrate, seed, version. Run
// `camino --help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/camino-edu/camino/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Exit(ctx)
	stop()
	os.Exit(code)
}
