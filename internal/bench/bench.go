package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/seed"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Options say what to run.
type Options struct {
	Runs          int     // timed runs per side (default 200)
	NationalScale float64 // scale of the national seed measured (default 0.1; 0 skips)
	LoadRows      int     // rows of the staffing file loaded (default 5,000,000; negative skips)
	Binary        string  // camino binary for the child processes (default: this one)
	// Metrics is the dashboard-query section on a scaled national seed
	// (skipped when its Scale is 0).
	Metrics MetricsOptions
	// MetricsOnly runs the metrics section alone (no Utah, load or
	// national-seed measures).
	MetricsOnly bool
	// Access is the section on what keys and scopes cost under load, on
	// the Utah seed (skipped when its Rounds is negative).
	Access AccessOptions
	// AccessOnly seeds Utah and runs the access section alone.
	AccessOnly bool
	// PagesOnly seeds Utah and runs the dashboards section alone.
	PagesOnly bool
	// LoadOnly seeds Utah (whose schools the loaded file uses) and runs the
	// load section alone.
	LoadOnly bool
	Out      io.Writer
}

// Result is one line of the results table.
type Result struct {
	Name, Value, Note string
}

// Run runs every benchmark and returns the results table as Markdown.
func Run(ctx context.Context, opt Options) (string, error) {
	if opt.Runs <= 0 {
		opt.Runs = 200
	}
	if opt.Out == nil {
		opt.Out = io.Discard
	}
	say := func(format string, a ...any) { fmt.Fprintf(opt.Out, format+"\n", a...) }

	srv, err := chlocal.Start(ctx, chlocal.Options{})
	if err != nil {
		return "", err
	}
	defer srv.Stop()
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: srv.Addr(), Database: "bench"})
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return "", err
	}
	if opt.Binary == "" {
		if opt.Binary, err = os.Executable(); err != nil {
			return "", err
		}
	}
	var results []Result
	if opt.MetricsOnly {
		if opt.Metrics.Scale <= 0 {
			return "", fmt.Errorf("the metrics section alone needs a metrics scale above 0")
		}
		r, table, err := metricsSection(ctx, srv.Addr(), opt, say)
		if err != nil {
			return "", err
		}
		return render(ctx, db, append(results, r...)) + table, nil
	}

	say("seeding the Utah profile…")
	sum, err := seed.Run(ctx, db, seed.Options{Profile: "utah", Seed: 1})
	if err != nil {
		return "", err
	}
	var utahRows int64
	for _, n := range sum.Rows {
		utahRows += n
	}
	results = append(results, Result{"Utah seed (in process, incl. rollups)", fmt.Sprintf("%d rows in %s", utahRows, sum.Elapsed.Round(time.Millisecond)),
		fmt.Sprintf("%.0f rows/s", float64(utahRows)/sum.Elapsed.Seconds())})

	if opt.AccessOnly {
		if opt.Access.Rounds < 0 {
			return "", fmt.Errorf("the access section alone needs at least one round")
		}
		say("access: keys and scopes under load, against the same requests without…")
		r, err := accessSection(ctx, srv.Addr(), db, opt.Access, say)
		if err != nil {
			return "", err
		}
		return render(ctx, db, append(results, r...)), nil
	}

	if opt.LoadOnly {
		if opt.LoadRows <= 0 {
			return "", fmt.Errorf("the load section alone needs a row count above 0")
		}
		say("camino load staffing vs clickhouse-client, %d rows…", opt.LoadRows)
		r, err := loadRatio(ctx, db, srv.Addr(), opt.Binary, opt.LoadRows)
		if err != nil {
			return "", err
		}
		return render(ctx, db, append(results, r...)), nil
	}

	if opt.PagesOnly {
		r, err := pagesSection(ctx, db, opt.Runs, say)
		if err != nil {
			return "", err
		}
		return render(ctx, db, append(results, r...)), nil
	}

	say("leadership of Utah's 41 districts: GraphQL end to end vs the same SQL, %d runs each…", opt.Runs)
	r, err := leadershipRatio(ctx, db, opt.Runs)
	if err != nil {
		return "", err
	}
	results = append(results, r...)

	r, err = pagesSection(ctx, db, opt.Runs, say)
	if err != nil {
		return "", err
	}
	results = append(results, r...)

	// Before the load, which adds years to this warehouse.
	if opt.Access.Rounds >= 0 {
		say("access: keys and scopes under load, against the same requests without…")
		r, err := accessSection(ctx, srv.Addr(), db, opt.Access, say)
		if err != nil {
			return "", err
		}
		results = append(results, r...)
	}

	if opt.LoadRows == 0 {
		opt.LoadRows = 5_000_000
	}
	if opt.LoadRows > 0 {
		say("camino load staffing vs clickhouse-client, %d rows…", opt.LoadRows)
		r, err := loadRatio(ctx, db, srv.Addr(), opt.Binary, opt.LoadRows)
		if err != nil {
			return "", err
		}
		results = append(results, r...)
	}

	if opt.NationalScale > 0 {
		say("national seed at scale %g in a child process…", opt.NationalScale)
		r, err := nationalSeed(ctx, srv.Addr(), opt)
		if err != nil {
			return "", err
		}
		results = append(results, r)
	}

	table := ""
	if opt.Metrics.Scale > 0 {
		r, t, err := metricsSection(ctx, srv.Addr(), opt, say)
		if err != nil {
			return "", err
		}
		results, table = append(results, r...), t
	}
	return render(ctx, db, results) + table, nil
}

const leadershipQuery = `query AllDistrictsLeadership {
  districts(stateCode: "UT", type: REGULAR, first: 100) {
    nodes { id name leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders latinoLeaderShare } }
  }
}`

// leadershipRatio times the GraphQL request and, alternately, the SQL that
// request sent (read back from system.query_log), sent directly.
func leadershipRatio(ctx context.Context, db *warehouse.DB, runs int) ([]Result, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// No per-key rate limit: the timed loop sends more than a dashboard would.
	ts := httptest.NewServer(server.New(server.Options{DB: db, Log: log, Limits: server.Limits{RatePerKey: -1}}))
	defer ts.Close()
	key, err := benchKey(ctx, db, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	post := func(reqID string) error {
		body, _ := json.Marshal(map[string]string{"query": leadershipQuery})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		if reqID != "" {
			req.Header.Set("X-Request-Id", reqID)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || bytes.Contains(out, []byte(`"errors"`)) {
			return fmt.Errorf("graphql: %d %s", resp.StatusCode, out)
		}
		return nil
	}
	// Warm up, then capture the SQL one request sends.
	for i := 0; i < 5; i++ {
		if err := post(""); err != nil {
			return nil, err
		}
	}
	capID := "benchcapture" + warehouse.NewID()
	if err := post(capID); err != nil {
		return nil, err
	}
	sqls, err := capturedSQL(ctx, db, capID)
	if err != nil {
		return nil, err
	}
	direct := func() error { return sendDirect(ctx, db, sqls) }
	var gql, raw []time.Duration
	for i := 0; i < runs; i++ {
		t0 := time.Now()
		if err := post(""); err != nil {
			return nil, err
		}
		t1 := time.Now()
		if err := direct(); err != nil {
			return nil, err
		}
		gql, raw = append(gql, t1.Sub(t0)), append(raw, time.Since(t1))
	}
	mg, mr := median(gql), median(raw)
	return []Result{
		{"Leadership of Utah's 41 districts, 2014-2025: GraphQL over HTTP (median)", mg.Round(10 * time.Microsecond).String(), fmt.Sprintf("%d SQL queries per request", len(sqls))},
		{"Same SQL sent directly with clickhouse-go (median)", mr.Round(10 * time.Microsecond).String(), "sequentially, rows read and discarded"},
		{"Ratio GraphQL ÷ direct", fmt.Sprintf("%.2f", float64(mg)/float64(mr)), "target ≤ 1.25"},
	}, nil
}

var leadingComment = regexp.MustCompile(`^/\*.*?\*/\s*`)

// capturedSQL returns the statements a request sent, in order, as the server
// logged them (values already bound), without our leading comment.
func capturedSQL(ctx context.Context, db *warehouse.DB, reqID string) ([]string, error) {
	if err := db.Conn().Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return nil, err
	}
	rows, err := db.Conn().Query(ctx, "SELECT query_id, any(query) FROM system.query_log WHERE query_id LIKE ? GROUP BY query_id", reqID+"-%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type q struct {
		id, sql string
	}
	var qs []q
	for rows.Next() {
		var x q
		if err := rows.Scan(&x.id, &x.sql); err != nil {
			return nil, err
		}
		qs = append(qs, x)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Query ids are <request id>-<sequence>: order by the sequence number.
	seq := func(id string) int {
		n, _ := strconv.Atoi(id[strings.LastIndexByte(id, '-')+1:])
		return n
	}
	slices.SortFunc(qs, func(a, b q) int { return seq(a.id) - seq(b.id) })
	out := make([]string, len(qs))
	for i, x := range qs {
		out[i] = leadingComment.ReplaceAllString(x.sql, "")
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no queries logged for request %s", reqID)
	}
	return out, nil
}

// nationalSeed runs `camino seed --profile national` in a child process to
// read its peak resident memory.
func nationalSeed(ctx context.Context, addr string, opt Options) (Result, error) {
	cmd := exec.CommandContext(ctx, opt.Binary, "seed", "--profile", "national", "--scale", fmt.Sprint(opt.NationalScale),
		"--clickhouse-addr", addr, "--database", "bench_national", "--replace")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("national seed: %w\n%s", err, out.String())
	}
	elapsed := time.Since(start)
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // KiB on Linux
	m := regexp.MustCompile(`seeded (\d+) rows`).FindStringSubmatch(out.String())
	if m == nil {
		return Result{}, fmt.Errorf("national seed printed no total:\n%s", out.String())
	}
	var rows float64
	fmt.Sscan(m[1], &rows)
	return Result{fmt.Sprintf("National seed, scale %g (child process, incl. rollups)", opt.NationalScale),
		fmt.Sprintf("%.0f rows/s", rows/elapsed.Seconds()),
		fmt.Sprintf("%s rows in %s; peak RSS %d MiB", m[1], elapsed.Round(time.Second), peak/1024)}, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func render(ctx context.Context, db *warehouse.DB, results []Result) string {
	var b strings.Builder
	chv, _ := db.ServerVersion()
	fmt.Fprintf(&b, "Run %s on %s: %d cores (%s), %s RAM, ClickHouse %s, %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), hostname(), runtime.NumCPU(), cpuModel(), memTotal(), chv, runtime.Version())
	b.WriteString("| measure | value | note |\n|---|---|---|\n")
	for _, r := range results {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Name, r.Value, r.Note)
	}
	return b.String()
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	var kb int64
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "MemTotal:") {
			fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(line, "MemTotal:")), &kb)
		}
	}
	return fmt.Sprintf("%.0f GiB", float64(kb)/1024/1024)
}

// WriteFile replaces the generated section of BENCHMARKS.md (between the
// markers), keeping the hand-written text around it.
func WriteFile(path, table string) error {
	const begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	section := begin + "\n" + table + end
	s := string(old)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i >= 0 && j > i {
		s = s[:i] + section + s[j+len(end):]
	} else {
		s = "# Benchmarks\n\nWritten by `make bench` (`camino bench`).\n\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}

// sendDirect sends statements one after the other through clickhouse-go,
// reading and discarding their rows: the direct side of a GraphQL ÷ SQL
// comparison.
func sendDirect(ctx context.Context, db *warehouse.DB, sqls []string) error {
	for _, q := range sqls {
		rows, err := db.Conn().Query(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
