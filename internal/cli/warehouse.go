package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/warehouse"
)

const warehouseUsage = `Usage: camino warehouse status|stop|clean [flags]

  status   the local clickhouse-server under --data-dir (when no --clickhouse-addr is set) and the
           camino processes attached to it; the data version, the write lock, running loads
  stop     stop the local clickhouse-server under --data-dir; refused while other camino processes
           use it, unless --force (a camino killed with -9 leaves it running; the last process that
           exits normally stops it)
  clean    run the janitor now: drop what no reader can see (generations superseded more than
           --grace ago, rows of loads that died) and mark dead loads killed (docs/loads.md)`

func warehouseCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "stop" && args[0] != "clean") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, warehouseUsage)
			return nil
		}
		return apperr.Errorf(apperr.Invalid, "want 'warehouse status', 'warehouse stop' or 'warehouse clean'")
	}
	action := args[0]
	var cfg config.Config
	fs := e.flags("warehouse "+action, "warehouse "+action+" [flags]", &cfg)
	force := fs.Bool("force", false, "stop: stop the local server even while other camino processes use it")
	grace := fs.Duration("grace", 0, "clean: keep generations superseded less than this long ago (default 10m; 0s drops every "+
		"superseded one at once, for a warehouse no one reads)")
	if err := e.parse(fs, &cfg, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return apperr.Errorf(apperr.Invalid, "unexpected argument %q", fs.Arg(0))
	}
	dir := localDir(&cfg)
	switch action {
	case "clean":
		db, closeDB, err := e.openWriter(ctx, &cfg, e.logger(&cfg))
		if err != nil {
			return err
		}
		defer closeDB()
		opt := warehouse.CleanOptions{Grace: *grace}
		if *grace <= 0 && flagGiven(fs, "grace") {
			opt.Grace = -1 // none
		}
		rep, err := db.Clean(ctx, opt)
		if err != nil {
			return err
		}
		for _, b := range rep.Killed {
			fmt.Fprintf(e.stdout, "load %s had died before it committed: marked killed\n", b)
		}
		fmt.Fprintf(e.stdout, "dropped %d superseded partitions, %d of loads that died, %d stage tables\n", rep.Superseded,
			rep.Unpublished, len(rep.Stages))
		if rep.Busy {
			fmt.Fprintln(e.stdout, "a load was committing: the rows of dead loads are left for the next run")
		}
		return nil
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
	addr := cfg.ClickHouseAddr
	if addr == "" {
		st, err := chlocal.Status(dir)
		if err != nil {
			return err
		}
		if !st.Running {
			fmt.Fprintf(e.stdout, "local clickhouse-server: not running (%s)\n", dir)
			return nil
		}
		addr = st.Addr
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
	// Looking, not attaching: status never starts a server.
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: cfg.Database, User: cfg.ClickHouseUser,
		Password: cfg.ClickHousePassword, MaxExecutionTime: cfg.QueryTimeout, Logger: e.logger(cfg)})
	if err != nil {
		return err
	}
	defer db.Close()
	ws, err := db.WriteStatus(ctx)
	if err != nil {
		fmt.Fprintf(e.stdout, "database %s: %s\n", cfg.Database, apperr.MessageOf(err))
		return nil
	}
	fmt.Fprintf(e.stdout, "database %s: data version %d\n", cfg.Database, ws.DataVersion)
	lock := ws.Lock
	if lock == "" {
		lock = "free"
	}
	fmt.Fprintf(e.stdout, "  write lock: %s\n", lock)
	for _, r := range ws.Running {
		fmt.Fprintf(e.stdout, "  running: %s\n", r)
	}
	fmt.Fprintf(e.stdout, "  partitions no reader sees: %d (the janitor drops them; `camino warehouse clean`)\n", ws.Hidden)
	return nil
}

// flagGiven reports whether the command line set the flag.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
