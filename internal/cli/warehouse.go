package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/config"
)

const warehouseUsage = `Usage: camino warehouse status|stop [flags]

  status   the local clickhouse-server under --data-dir (when no --clickhouse-addr is set) and the
           camino processes attached to it
  stop     stop the local clickhouse-server under --data-dir; refused while other camino processes
           use it, unless --force (a camino killed with -9 leaves it running; the last process that
           exits normally stops it)`

func warehouseCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "stop") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, warehouseUsage)
			return nil
		}
		return apperr.Errorf(apperr.Invalid, "want 'warehouse status' or 'warehouse stop'")
	}
	action := args[0]
	var cfg config.Config
	fs := e.flags("warehouse "+action, "warehouse "+action+" [flags]", &cfg)
	force := fs.Bool("force", false, "stop: stop the local server even while other camino processes use it")
	if err := e.parse(fs, &cfg, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return apperr.Errorf(apperr.Invalid, "unexpected argument %q", fs.Arg(0))
	}
	dir := localDir(&cfg)
	switch action {
	case "stop":
		if cfg.ClickHouseAddr != "" {
			return apperr.Errorf(apperr.Invalid, "warehouse stop stops the local clickhouse-server under --data-dir; "+
				"the configured one (%s) is not camino's to stop", cfg.ClickHouseAddr)
		}
		stopped, err := chlocal.StopShared(ctx, dir, *force)
		if errors.Is(err, chlocal.ErrAttached) {
			return apperr.Errorf(apperr.Invalid, "%s", strings.TrimPrefix(err.Error(), "chlocal: "))
		}
		if err != nil {
			return err
		}
		if stopped {
			fmt.Fprintf(e.stdout, "stopped the local clickhouse-server in %s\n", dir)
		} else {
			fmt.Fprintf(e.stdout, "no local clickhouse-server runs in %s\n", dir)
		}
		return nil
	default:
		return warehouseStatus(ctx, e, &cfg, dir)
	}
}

func warehouseStatus(ctx context.Context, e *env, cfg *config.Config, dir string) error {
	if cfg.ClickHouseAddr == "" {
		st, err := chlocal.Status(dir)
		if err != nil {
			return err
		}
		if !st.Running {
			fmt.Fprintf(e.stdout, "local clickhouse-server: not running (%s)\n", dir)
			return nil
		}
		fmt.Fprintf(e.stdout, "local clickhouse-server: pid %d on %s, since %s (%s)\n", st.PID, st.Addr,
			st.Started.Local().Format(time.DateTime), dir)
		for _, c := range st.Clients {
			fmt.Fprintf(e.stdout, "  attached: %s (pid %d, since %s)\n", c.Command, c.PID, c.Since.Local().Format(time.DateTime))
		}
		if len(st.Clients) == 0 {
			if st.Unlisted {
				fmt.Fprintln(e.stdout, "  attached: a process of an earlier camino")
			} else {
				fmt.Fprintln(e.stdout, "  no camino process attached (`camino warehouse stop` stops it)")
			}
		}
	}
	return nil
}
