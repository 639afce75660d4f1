package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/camino-edu/camino/dashboards"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/bench"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/seed"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Version is set at build time (-ldflags "-X ...cli.Version=...").
var Version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve the GraphQL API and dashboards (starts a local ClickHouse when none is configured)", serve},
		{"migrate", "apply the schema migrations (up, the default) or list them (status)", migrate},
		{"seed", "load a synthetic data set (utah, or national for benchmarks)", seedCmd},
		{"load", "load a staffing, enrollment, members or events CSV file (validated; rejects reported, never lost)", loadCmd},
		{"export", "write staffing, enrollment, members or events as CSV in the format load reads", exportCmd},
		{"keys", "create, list and revoke API keys (keys create --role ...)", keysCmd},
		{"warehouse", "the warehouse's state: status (local server, data version, loads, lock), stop, clean", warehouseCmd},
		{"report", "write the board report (HTML or PDF), in English or Spanish, as a key would read it", reportCmd},
		{"bench", "run the benchmarks and print ratios measured side by side (make bench)", benchCmd},
		{"version", "print the version", version},
	}
}

type env struct {
	command        string // the command running, e.g. "keys create" (for camino warehouse status)
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// Main runs camino with args (without the program name) and returns the
// process exit status: 0 ok, 1 failure, 2 bad usage, configuration or
// input file, 3 a load that loaded its valid rows and rejected others.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return mainIO(ctx, os.Stdin, args, stdout, stderr, getenv)
}

func mainIO(ctx context.Context, stdin io.Reader, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		e.command = strings.Join(args[:min(len(args), 2)], " ")
		if len(args) > 1 && strings.HasPrefix(args[1], "-") {
			e.command = c.name
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, new(rejectedErr)):
			return 3
		case apperr.CodeOf(err) == apperr.Invalid:
			fmt.Fprintf(stderr, "camino %s: %s\n", c.name, apperr.MessageOf(err))
			return 2
		default:
			fmt.Fprintf(stderr, "camino %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "camino: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "camino: are there more Latino educational leaders, and is the pipeline growing?")
	fmt.Fprintln(w, "\nUsage: camino <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'camino <command> --help' for a command's flags. Every flag also reads a CAMINO_* environment variable.")
}

// flags returns a flag set for a command with the shared settings.
func (e *env) flags(name, synopsis string, cfg *config.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("camino "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: camino %s\n\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	if cfg != nil {
		cfg.Register(fs)
	}
	return fs
}

// parse parses args and resolves the configuration.
func (e *env) parse(fs *flag.FlagSet, cfg *config.Config, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if cfg != nil {
		return cfg.Resolve(fs, e.getenv)
	}
	return nil
}

func (e *env) logger(cfg *config.Config) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: lvl}))
}

// open connects to the configured ClickHouse, or uses the local one with
// its data under cfg.DataDir (started when no camino process runs it yet;
// see docs/loads.md). The returned func closes the connection and detaches
// from the local server, which stops when no other process uses it.
func (e *env) open(ctx context.Context, cfg *config.Config, log *slog.Logger) (*warehouse.DB, func(), error) {
	return e.openAs(ctx, cfg, log, false)
}

// openWriter is open with the credentials of the commands that write
// (--clickhouse-writer-user; by default the same as open's).
func (e *env) openWriter(ctx context.Context, cfg *config.Config, log *slog.Logger) (*warehouse.DB, func(), error) {
	return e.openAs(ctx, cfg, log, true)
}

func (e *env) openAs(ctx context.Context, cfg *config.Config, log *slog.Logger, writer bool) (*warehouse.DB, func(), error) {
	user, password := cfg.ClickHouseUser, cfg.ClickHousePassword
	if writer {
		user, password = cfg.Writer()
	}
	addr := cfg.ClickHouseAddr
	var local *chlocal.Attachment
	if addr == "" {
		dir := localDir(cfg)
		var err error
		local, err = chlocal.Attach(ctx, chlocal.Options{Dir: dir, Logger: log}, e.command)
		if err != nil {
			return nil, nil, err
		}
		if local.Started() {
			fmt.Fprintf(e.stderr, "camino: no ClickHouse configured (CAMINO_CLICKHOUSE_ADDR); started a local clickhouse-server in %s\n", dir)
		} else {
			log.Info("using the local clickhouse-server", "dir", dir, "pid", local.PID(), "tcp", local.Addr())
		}
		addr = local.Addr()
	}
	detach := func() {
		if local == nil {
			return
		}
		if stopped, err := local.Detach(); err != nil {
			log.Warn("detaching from the local ClickHouse", "err", err)
		} else if stopped {
			log.Info("stopped the local clickhouse-server: no other camino process uses it")
		}
	}
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: cfg.Database, User: user,
		Password: password, MaxExecutionTime: cfg.QueryTimeout, Logger: log})
	if err != nil {
		detach()
		return nil, nil, err
	}
	return db, func() {
		db.Close()
		detach()
	}, nil
}

// localDir is where the local ClickHouse keeps its data.
func localDir(cfg *config.Config) string { return filepath.Join(cfg.DataDir, "clickhouse") }

// openForWrites opens the warehouse (open) and readies it for writing
// (prepareWarehouse).
func (e *env) openForWrites(ctx context.Context, cfg *config.Config) (*warehouse.DB, func(), error) {
	db, closeDB, err := e.openWriter(ctx, cfg, e.logger(cfg))
	if err != nil {
		return nil, nil, err
	}
	if err := e.prepareWarehouse(ctx, db); err != nil {
		closeDB()
		return nil, nil, err
	}
	return db, closeDB, nil
}

// parseWithArgs parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func (e *env) parseWithArgs(fs *flag.FlagSet, cfg *config.Config, args []string) ([]string, error) {
	var pos []string
	for {
		if err := e.parse(fs, cfg, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// prepareWarehouse readies the warehouse for writing: pending migrations,
// then the janitor (docs/loads.md): what no reader can see any more goes,
// and loads that died are marked killed in the loads log.
func (e *env) prepareWarehouse(ctx context.Context, db *warehouse.DB) error {
	done, err := db.Migrate(ctx)
	for _, m := range done {
		fmt.Fprintf(e.stderr, "camino: applied migration %04d_%s\n", m.Version, m.Name)
	}
	if err != nil {
		return err
	}
	return e.clean(ctx, db, e.stderr, "camino: ")
}

// clean runs the janitor and says what it found.
func (e *env) clean(ctx context.Context, db *warehouse.DB, w io.Writer, prefix string) error {
	rep, err := db.Clean(ctx, warehouse.CleanOptions{})
	for _, b := range rep.Killed {
		fmt.Fprintf(w, "%sload %s had died before it committed: nothing of it was published; marked killed in the loads log\n", prefix, b)
	}
	if n := rep.Superseded + rep.Unpublished; n > 0 || len(rep.Stages) > 0 {
		fmt.Fprintf(w, "%sremoved %d partitions no reader can see (%d superseded, %d of loads that died) and %d stage tables\n",
			prefix, n, rep.Superseded, rep.Unpublished, len(rep.Stages))
	}
	return err
}

func version(ctx context.Context, e *env, args []string) error {
	fs := e.flags("version", "version", nil)
	if err := e.parse(fs, nil, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "camino %s\n", Version)
	return nil
}

func migrate(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("migrate", "migrate [up|status] [flags]", &cfg)
	if err := e.parse(fs, &cfg, args); err != nil {
		return err
	}
	action := "up"
	if fs.NArg() > 0 {
		action = fs.Arg(0)
	}
	if fs.NArg() > 1 || (action != "up" && action != "status") {
		return apperr.Errorf(apperr.Invalid, "want 'migrate up' or 'migrate status', got %q", strings.Join(fs.Args(), " "))
	}
	log := e.logger(&cfg)
	db, closeDB, err := e.openWriter(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	if action == "up" {
		done, err := db.Migrate(ctx)
		for _, m := range done {
			fmt.Fprintf(e.stdout, "applied %04d_%s\n", m.Version, m.Name)
		}
		if err != nil {
			return err
		}
		if len(done) == 0 {
			fmt.Fprintf(e.stdout, "database %s is up to date\n", db.Database())
		}
		return e.clean(ctx, db, e.stdout, "")
	}
	status, err := db.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range status {
		state := "pending"
		if s.Applied {
			state = "applied " + s.AppliedAt.UTC().Format(time.RFC3339)
		}
		if s.Modified {
			state += " (file changed since it was applied)"
		}
		fmt.Fprintf(e.stdout, "%04d_%-20s %s\n", s.Version, s.Name, state)
	}
	return nil
}

func seedCmd(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("seed", "seed [--profile utah|national] [--seed N] [--scale F] [--replace] [flags]", &cfg)
	profile := fs.String("profile", "utah", "data set: "+strings.Join(seed.Profiles(), ", "))
	seedN := fs.Int64("seed", 1, "random seed; the same seed gives the same data")
	scale := fs.Float64("scale", 1, "national profile size: 1 ≈ 13,000 districts, 100,000 schools, 4M staff a year")
	replace := fs.Bool("replace", false, "empty the warehouse first when it holds data")
	if err := e.parse(fs, &cfg, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return apperr.Errorf(apperr.Invalid, "unexpected argument %q", fs.Arg(0))
	}
	opt := seed.Options{Profile: *profile, Seed: *seedN, Scale: *scale}
	db, closeDB, err := e.openForWrites(ctx, &cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	return runSeed(ctx, e, db, opt, *replace)
}

func runSeed(ctx context.Context, e *env, db *warehouse.DB, opt seed.Options, replace bool) error {
	n, err := db.RowCount(ctx, warehouse.TableStaffAssignments)
	if err != nil {
		return err
	}
	if n > 0 {
		if !replace {
			return apperr.Errorf(apperr.Invalid, "database %s already holds %d staff rows; pass --replace to empty it first", db.Database(), n)
		}
		fmt.Fprintf(e.stdout, "emptying database %s\n", db.Database())
		if err := db.Truncate(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "seeding profile %s (seed %d) into %s\n", opt.Profile, opt.Seed, db.Database())
	last := time.Now()
	opt.Progress = func(p seed.Progress) {
		if !p.Done && time.Since(last) > 2*time.Second { // the summary follows
			fmt.Fprintf(e.stdout, "  %-18s %12d rows\n", p.Table, p.Rows)
			last = time.Now()
		}
	}
	sum, err := seed.Run(ctx, db, opt)
	if err != nil {
		return err
	}
	tables := make([]string, 0, len(sum.Rows))
	var total int64
	for t, n := range sum.Rows {
		tables = append(tables, t)
		total += n
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(e.stdout, "  %-18s %12d rows\n", t, sum.Rows[t])
	}
	fmt.Fprintf(e.stdout, "seeded %d rows in %s (%.0f rows/s)\n", total, sum.Elapsed.Round(time.Millisecond),
		float64(total)/max(sum.Elapsed.Seconds(), 1e-9))
	return nil
}

func serve(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("serve", "serve [--seed-if-empty] [--trusted-documents DIR] [flags]", &cfg)
	seedIfEmpty := fs.Bool("seed-if-empty", false, "load the Utah data set when the warehouse holds no staff rows")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	adminKeyFile := fs.String("admin-key-file", "", "when no active admin key exists, create one and write it to this file (mode 0600) — how `make run` gives you a first key")
	trustedDir := fs.String("trusted-documents", "", "trusted-documents mode: board and partner keys may run only the operations in the *.graphql files of `DIR` "+
		"(one document a file, sent as its exact text or as extensions.persistedQuery.sha256Hash = SHA-256 hex of that text); analyst and admin keys run anything")
	if err := e.parse(fs, &cfg, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return apperr.Errorf(apperr.Invalid, "unexpected argument %q", fs.Arg(0))
	}
	log := e.logger(&cfg)
	var trusted map[string]string // read first: a bad directory fails before the warehouse is touched
	if *trustedDir != "" {
		var err error
		if trusted, err = server.LoadTrustedDocuments(*trustedDir); err != nil {
			return err
		}
		log.Info("trusted-documents mode", "dir", *trustedDir, "documents", len(trusted))
	}
	db, closeDB, err := e.open(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	// Start-up writes use the writer's credentials when they differ (a
	// second connection, closed once they are done); requests are
	// answered with --clickhouse-user's.
	wdb := db
	if cfg.SeparateWriter() && cfg.ClickHouseAddr != "" && (!*noMigrate || *seedIfEmpty || *adminKeyFile != "") {
		w, closeW, err := e.openWriter(ctx, &cfg, log)
		if err != nil {
			return err
		}
		defer closeW()
		wdb = w
	}
	if !*noMigrate {
		if err := e.prepareWarehouse(ctx, wdb); err != nil {
			return err
		}
	}
	if *seedIfEmpty {
		n, err := db.RowCount(ctx, warehouse.TableStaffAssignments)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := runSeed(ctx, e, wdb, seed.Options{Profile: "utah", Seed: 1}, false); err != nil {
				return err
			}
		}
	}
	if *adminKeyFile != "" {
		if err := bootstrapAdminKey(ctx, e, wdb, *adminKeyFile); err != nil {
			return err
		}
	}
	chromium, err := dashboards.FindChromium(e.getenv)
	if err != nil {
		log.Info("the board report is served as HTML only", "reason", err)
	}
	h := server.New(server.Options{DB: db, Log: log, AssetsDir: cfg.AssetsDir, Version: Version, SuppressBelow: cfg.SuppressBelow,
		TrustedDocuments: trusted, Chromium: chromium, Limits: server.Limits{RatePerKey: cfg.KeyRate, Burst: cfg.KeyBurst,
			InFlightPerKey: cfg.KeyInFlight, TimePerKey: cfg.KeyTime, TimeBurst: cfg.KeyTimeWindow,
			FailedAuthRate: cfg.FailedAuthRate, FailedAuthBurst: cfg.FailedAuthBurst}})
	return server.Serve(ctx, cfg.Listen, h, log, func(a net.Addr) {
		base := "http://" + displayAddr(cfg.Listen, a)
		fmt.Fprintf(e.stdout, "\nCamino %s is serving on %s\n  Dashboards   %s/dashboards  (sign in with a key)\n  GraphiQL     %s/\n  GraphQL API  %s/graphql\n  Health       %s/healthz  %s/readyz\nPress Ctrl-C to stop.\n",
			Version, base, base, base, base, base, base)
	})
}

// displayAddr is the address to print: the configured host with the bound
// port (which differs when :0 was asked).
func displayAddr(listen string, a net.Addr) string {
	host, _, _ := net.SplitHostPort(listen)
	_, port, _ := net.SplitHostPort(a.String())
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// Exit is what main calls.
func Exit(ctx context.Context) int {
	return Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
}

func benchCmd(ctx context.Context, e *env, args []string) error {
	fs := e.flags("bench", "bench [--runs N] [--national-scale F] [--load-rows N] [--metrics-scale F] [--metrics-only] "+
		"[--metrics-data-dir DIR] [--metrics-runs N] [--access-only] [--access-rounds N] [--access-round D] [--access-rate R] "+
		"[--access-clients N] [--pages-only] [--load-only] [--out BENCHMARKS.md]", nil)
	runs := fs.Int("runs", 200, "timed runs per side of each comparison")
	scale := fs.Float64("national-scale", 0.1, "scale of the national seed to time (0 skips it)")
	out := fs.String("out", "", "rewrite the results section of this Markdown file")
	loadRows := fs.Int("load-rows", 5_000_000, "rows of the staffing file timed against clickhouse-client (0 skips)")
	metricsScale := fs.Float64("metrics-scale", 1, "scale of the national seed the dashboard queries run on (0 skips them)")
	metricsOnly := fs.Bool("metrics-only", false, "run the dashboard queries alone (no Utah, load or national-seed measures)")
	metricsDir := fs.String("metrics-data-dir", "", "keep the dashboard queries' ClickHouse data here and reuse a seed of the same scale (default: a temporary server, seeded each run)")
	metricsRuns := fs.Int("metrics-runs", 30, "timed runs per side of each dashboard query")
	accessOnly := fs.Bool("access-only", false, "seed Utah and run the access section alone (keys and scopes under load)")
	accessRounds := fs.Int("access-rounds", 6, "rounds of each side of the access section, interleaved (0 skips it)")
	accessRound := fs.Duration("access-round", 6*time.Second, "how long each side runs in one round of the access section")
	accessRate := fs.Float64("access-rate", 0, "requests per second offered in the access section (0: 60% of the capacity it measures first)")
	accessClients := fs.Int("access-clients", 64, "concurrent clients of the access section")
	pagesOnly := fs.Bool("pages-only", false, "seed Utah and run the dashboards section alone (board and district pages)")
	loadOnly := fs.Bool("load-only", false, "seed Utah and run the load section alone (camino load vs clickhouse-client, --load-rows rows)")
	if err := e.parse(fs, nil, args); err != nil {
		return err
	}
	if *runs < 1 || *runs > 100000 {
		return apperr.Errorf(apperr.Invalid, "--runs %d: want 1 to 100000", *runs)
	}
	if *scale < 0 || *scale > 10 {
		return apperr.Errorf(apperr.Invalid, "--national-scale %g: want 0 to 10", *scale)
	}
	if *loadRows < 0 || *loadRows > 100_000_000 {
		return apperr.Errorf(apperr.Invalid, "--load-rows %d: want 0 to 100000000", *loadRows)
	}
	if *metricsScale < 0 || *metricsScale > 10 {
		return apperr.Errorf(apperr.Invalid, "--metrics-scale %g: want 0 to 10", *metricsScale)
	}
	if *metricsOnly && *metricsScale == 0 {
		return apperr.Errorf(apperr.Invalid, "--metrics-only needs --metrics-scale above 0")
	}
	if *metricsRuns < 1 || *metricsRuns > 10000 {
		return apperr.Errorf(apperr.Invalid, "--metrics-runs %d: want 1 to 10000", *metricsRuns)
	}
	if *accessRounds < 0 || *accessRounds > 1000 {
		return apperr.Errorf(apperr.Invalid, "--access-rounds %d: want 0 to 1000", *accessRounds)
	}
	if *accessRound < time.Second || *accessRound > time.Hour {
		return apperr.Errorf(apperr.Invalid, "--access-round %s: want 1s to 1h", *accessRound)
	}
	if *accessRate < 0 || *accessRate > 100000 {
		return apperr.Errorf(apperr.Invalid, "--access-rate %g: want 0 to 100000", *accessRate)
	}
	if *accessClients < 1 || *accessClients > 10000 {
		return apperr.Errorf(apperr.Invalid, "--access-clients %d: want 1 to 10000", *accessClients)
	}
	if *accessOnly && (*metricsOnly || *accessRounds == 0) {
		return apperr.Errorf(apperr.Invalid, "--access-only runs the access section alone: not with --metrics-only or --access-rounds 0")
	}
	if *pagesOnly && (*metricsOnly || *accessOnly) {
		return apperr.Errorf(apperr.Invalid, "--pages-only runs the dashboards section alone: not with --metrics-only or --access-only")
	}
	if *loadOnly && (*metricsOnly || *accessOnly || *pagesOnly || *loadRows == 0) {
		return apperr.Errorf(apperr.Invalid, "--load-only runs the load section alone: not with another --*-only or --load-rows 0")
	}
	if *loadRows == 0 {
		*loadRows = -1 // Options: negative skips
	}
	if *accessRounds == 0 {
		*accessRounds = -1
	}
	table, err := bench.Run(ctx, bench.Options{Runs: *runs, NationalScale: *scale, LoadRows: *loadRows, Out: e.stdout,
		MetricsOnly: *metricsOnly, Metrics: bench.MetricsOptions{Scale: *metricsScale, Runs: *metricsRuns, DataDir: *metricsDir},
		AccessOnly: *accessOnly, PagesOnly: *pagesOnly, LoadOnly: *loadOnly, Access: bench.AccessOptions{Rounds: *accessRounds, Round: *accessRound, Rate: *accessRate,
			Clients: *accessClients}})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprint(e.stdout, table)
	if *out != "" {
		return bench.WriteFile(*out, table)
	}
	return nil
}
