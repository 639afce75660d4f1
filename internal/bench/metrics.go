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
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// metricsDatabase is the database of the national warehouse the metrics
// section measures.
const metricsDatabase = "bench_metrics"

// dashboardCase is one query a board or district dashboard sends.
type dashboardCase struct {
	name  string
	level string // "state", "district" or "national": the rows-read target applies to the first two
	query string // GraphQL, with a named operation
}

// dashboardTarget is what the dashboard queries are about: the largest state
// (by districts), its largest district (by staff in the last year) and the
// years with data.
type dashboardTarget struct {
	state, district     string
	districts           int // districts in the state
	firstYear, lastYear int
}

const reprFields = `{ schoolYear leaders latinoLeaders latinoLeaderShare unknownEthnicityShare students latinoStudents
  latinoStudentShare representationIndex representationGap latinoStudentsPerLatinoLeader schoolsWithLatinoLeader
  schoolsWithLatinoLeaderShare }`

const analystFields = `{ dimensions measures rows { dimensions values unknownEthnicityShares } totalCount sources sql }`

// dashboardCases are the ten representative dashboard queries, for t.
func dashboardCases(t dashboardTarget) []dashboardCase {
	st, d, last := t.state, t.district, t.lastYear
	return []dashboardCase{
		{"State representation, last year", "state",
			fmt.Sprintf(`query StateRepresentation { state(code: %q) { code representation(year: %d) %s } }`, st, last, reprFields)},
		{"State growth series of Latino leaders (every year)", "state",
			fmt.Sprintf(`query StateGrowth { state(code: %q) { growth { from to latinoLeadersFrom latinoLeadersTo change cagr
  latinoLeaders { schoolYear value } yearOnYear { schoolYear value } } } }`, st)},
		{"Representation of every district of the state (one page of 500)", "state",
			fmt.Sprintf(`query StateDistrictsRepresentation { state(code: %q) { districts(first: 500) { totalCount
  nodes { id name representation(year: %d) %s } } } }`, st, last, reprFields)},
		{"One district's pipeline, last year", "district",
			fmt.Sprintf(`query DistrictPipeline { district(id: %q) { id pipeline(year: %d) { schoolYear
  ranks { role rank tier people latino latinoShare unknownEthnicityShare ratioToRankBelow parity } } } }`, d, last)},
		{"One district's promotions (every year)", "district",
			fmt.Sprintf(`query DistrictPromotions { district(id: %q) { id promotions { from to promotionRate promotionRateRatio
  retentionRate newLeaderShare byRole { role promotionRate promotionRateRatio retentionRate medianYearsToPromotion } } } }`, d)},
		{"A district's schools with representation, last year", "district",
			fmt.Sprintf(`query DistrictSchoolsRepresentation { district(id: %q) { id schools(first: 200) { totalCount
  nodes { id name representation(year: %d) %s } } } }`, d, last, reprFields)},
		{"Analyst: state latino_leader_share by tier and school_year", "state",
			fmt.Sprintf(`query StateShareByTier { metrics(query: { measures: [LATINO_LEADER_SHARE], dimensions: [TIER, SCHOOL_YEAR],
  filters: [{ dimension: STATE, in: [%q] }] }) %s }`, st, analystFields)},
		{"Analyst: representation_index by district, top 20 of the nation, last year", "national",
			fmt.Sprintf(`query TopDistricts { metrics(query: { measures: [REPRESENTATION_INDEX], dimensions: [DISTRICT],
  from: %d, to: %d, orderBy: [{ measure: REPRESENTATION_INDEX, desc: true }], limit: 20 }) %s }`, last, last, analystFields)},
		// The national seed has no members (the association is Utah's):
		// the members series is replaced by the Latino teacher series.
		{"Analyst: state Latino teachers and teacher share by school_year (members stand-in)", "state",
			fmt.Sprintf(`query StateTeacherSeries { metrics(query: { measures: [LATINO_TEACHERS, LATINO_TEACHER_SHARE],
  dimensions: [SCHOOL_YEAR], filters: [{ dimension: STATE, in: [%q] }] }) %s }`, st, analystFields)},
		{"Analyst: state pipeline_parity by role, last year", "state",
			fmt.Sprintf(`query StateParity { metrics(query: { measures: [PIPELINE_PARITY], dimensions: [ROLE],
  filters: [{ dimension: STATE, in: [%q] }], from: %d, to: %d }) %s }`, st, last, last, analystFields)},
	}
}

// gqlClient posts GraphQL requests to one handler over loopback HTTP.
type gqlClient struct {
	url    string
	key    string // an admin key of the served warehouse
	client *http.Client
}

// post sends query with the request id (when not empty) and returns the
// response body; a non-200 status or any GraphQL error is an error.
func (g gqlClient) post(ctx context.Context, query, reqID string) ([]byte, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.key)
	if reqID != "" {
		req.Header.Set("X-Request-Id", reqID)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		return nil, fmt.Errorf("graphql: %d %.2000s", resp.StatusCode, out)
	}
	return out, nil
}

// newGQLServer serves server.New over a loopback listener with the given
// metrics engine, and returns an admin client of it whose key the server
// has already checked once (so query counts are the resolvers' own);
// close the server when done.
func newGQLServer(ctx context.Context, db *warehouse.DB, engine *metrics.Engine) (*httptest.Server, gqlClient, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := httptest.NewServer(server.New(server.Options{DB: db, Metrics: engine, Log: log,
		Limits: server.Limits{RequestTime: 30 * time.Minute, RatePerKey: -1, InFlightPerKey: -1, TimePerKey: -1}})) // timed loops: no per-key limits
	key, err := benchKey(ctx, db, access.RoleAdmin)
	if err != nil {
		ts.Close()
		return nil, gqlClient{}, err
	}
	g := gqlClient{url: ts.URL, key: key, client: &http.Client{Timeout: 30 * time.Minute}}
	if _, err := g.post(ctx, `{ me { role } }`, ""); err != nil {
		ts.Close()
		return nil, gqlClient{}, err
	}
	return ts, g, nil
}

// benchKey creates a key of role for a benchmark run (it expires in a day).
func benchKey(ctx context.Context, db *warehouse.DB, role string, districts ...string) (string, error) {
	exp := time.Now().Add(24 * time.Hour)
	nk, err := access.Create(ctx, db, access.CreateOptions{Role: role, Districts: districts, Name: "camino bench", ExpiresAt: &exp}, time.Now())
	return nk.Secret, err
}

// loggedQuery is one statement of a request, from system.query_log.
type loggedQuery struct {
	id, name string
	readRows uint64
}

var commentName = regexp.MustCompile(`^/\* camino (\S+)`)

// requestQueries returns every statement the request sent (query_id
// prefix reqID), with its name (from the leading comment) and read_rows,
// waiting until each has its finish row: on 18.16 that row is written after
// the result reached the client.
func requestQueries(ctx context.Context, db *warehouse.DB, reqID string) ([]loggedQuery, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := db.Conn().Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			return nil, err
		}
		rows, err := db.Conn().Query(ctx, "SELECT query_id, any(query), max(read_rows), countIf(toInt8(type) != 1) "+
			"FROM system.query_log WHERE event_date >= yesterday() AND query_id LIKE ? GROUP BY query_id ORDER BY query_id", reqID+"-%")
		if err != nil {
			return nil, err
		}
		var out []loggedQuery
		pending := false
		for rows.Next() {
			var q loggedQuery
			var text string
			var finished uint64
			if err := rows.Scan(&q.id, &text, &q.readRows, &finished); err != nil {
				rows.Close()
				return nil, err
			}
			if m := commentName.FindStringSubmatch(text); m != nil {
				q.name = m[1]
			}
			pending = pending || finished == 0
			out = append(out, q)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(out) > 0 && !pending {
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("request %s: %d queries logged, some without a finish row after 30s", reqID, len(out))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// metricsRowsRead sums read_rows over a request's catalog queries (the
// statements internal/metrics ran, named "metrics").
func metricsRowsRead(qs []loggedQuery) (rows uint64, n int) {
	for _, q := range qs {
		if q.name == "metrics" {
			rows += q.readRows
			n++
		}
	}
	return rows, n
}

// dashboardResult is what one dashboard query measured.
type dashboardResult struct {
	c                           dashboardCase
	gql, direct                 time.Duration
	sqls                        int
	rollupRows, factsRows       uint64
	rollupQueries, factsQueries int
	factsErr                    string // the facts-only request failed (why)
}

// directSQL captures the statements one request sends and returns a func
// that sends them directly with clickhouse-go, in order. Of three captured
// requests the one with the fewest statements is kept: the engine refetches
// the ladder and the data years every few seconds, which a steady stream of
// requests rarely pays.
func directSQL(ctx context.Context, db *warehouse.DB, g gqlClient, query string) (func() error, int, error) {
	var sqls []string
	for i := 0; i < 3; i++ {
		id := "benchmcap" + warehouse.NewID()
		if _, err := g.post(ctx, query, id); err != nil {
			return nil, 0, err
		}
		s, err := capturedSQL(ctx, db, id)
		if err != nil {
			return nil, 0, err
		}
		if sqls == nil || len(s) < len(sqls) {
			sqls = s
		}
	}
	return func() error { return sendDirect(ctx, db, sqls) }, len(sqls), nil
}

// timeDashboard measures one dashboard query: the GraphQL request over HTTP
// against the same SQL sent directly, alternating, runs times each
// (medians).
func timeDashboard(ctx context.Context, db *warehouse.DB, g gqlClient, c dashboardCase, runs int) (gql, direct time.Duration, sqls int, err error) {
	for i := 0; i < 3; i++ { // warm up
		if _, err := g.post(ctx, c.query, ""); err != nil {
			return 0, 0, 0, err
		}
	}
	send, n, err := directSQL(ctx, db, g, c.query)
	if err != nil {
		return 0, 0, 0, err
	}
	var gs, ds []time.Duration
	for i := 0; i < runs; i++ {
		t0 := time.Now()
		if _, err := g.post(ctx, c.query, ""); err != nil {
			return 0, 0, 0, err
		}
		t1 := time.Now()
		if err := send(); err != nil {
			return 0, 0, 0, err
		}
		gs, ds = append(gs, t1.Sub(t0)), append(ds, time.Since(t1))
	}
	return median(gs), median(ds), n, nil
}

// rowsRead sends one request and returns the rows its catalog queries read
// (and how many there were), printing each query's rows with say.
func rowsRead(ctx context.Context, db *warehouse.DB, g gqlClient, query, label string, say func(string, ...any)) (uint64, int, error) {
	id := "benchmrows" + warehouse.NewID()
	if _, err := g.post(ctx, query, id); err != nil {
		// The server hides ClickHouse's message; the query log has it.
		_ = db.Conn().Exec(ctx, "SYSTEM FLUSH LOGS")
		var exc string
		if rows, qerr := db.Conn().Query(ctx, "SELECT exception FROM system.query_log WHERE query_id LIKE ? AND exception != '' LIMIT 1", id+"-%"); qerr == nil {
			for rows.Next() {
				_ = rows.Scan(&exc)
			}
			rows.Close()
		}
		if i := strings.Index(exc, ". Stack trace"); i > 0 {
			exc = exc[:i]
		}
		return 0, 0, fmt.Errorf("%w (ClickHouse: %.200s)", err, exc)
	}
	qs, err := requestQueries(ctx, db, id)
	if err != nil {
		return 0, 0, err
	}
	for _, q := range qs {
		if q.name == "metrics" {
			say("    %-8s %s read %s rows", label, q.id, count(int(q.readRows)))
		}
	}
	rows, n := metricsRowsRead(qs)
	return rows, n, nil
}

// MetricsOptions say how to run the metrics section.
type MetricsOptions struct {
	// Scale of the national seed (0 skips the section).
	Scale float64
	// Runs per side of each GraphQL ÷ direct comparison (default 30).
	Runs int
	// DataDir keeps the ClickHouse data of the scaled warehouse between
	// runs: a warehouse seeded at the same scale is reused, not reseeded.
	// Empty: the bench's own temporary server, seeded every run.
	DataDir string
}

// seedMarker names the file in DataDir that records what was seeded.
const seedMarker = "camino-bench-metrics.seeded"

// metricsSection measures the ten dashboard queries on the national seed at
// opt.Scale: GraphQL over HTTP ÷ the same SQL sent directly (time), rows
// read with the rollups ÷ without (engine.FactsOnly), and the number of SQL
// queries of the all-districts representation request. It returns summary
// lines and a Markdown table of the per-query results.
func metricsSection(ctx context.Context, addr string, opt Options, say func(string, ...any)) ([]Result, string, error) {
	mo := opt.Metrics
	if mo.Runs <= 0 {
		mo.Runs = 30
	}
	if mo.DataDir != "" {
		srv, err := chlocal.Start(ctx, chlocal.Options{Dir: mo.DataDir, MaxMemoryBytes: 8 << 30})
		if err != nil {
			return nil, "", err
		}
		defer srv.Stop()
		addr = srv.Addr()
	}
	var results []Result
	seeded, err := seedForMetrics(ctx, addr, opt, say)
	if err != nil {
		return nil, "", err
	}
	if seeded != nil {
		results = append(results, *seeded)
	}
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: metricsDatabase, MaxExecutionTime: 5 * time.Minute})
	if err != nil {
		return nil, "", err
	}
	defer db.Close()
	// A reused warehouse may predate the current schema: bring it up to date
	// (a migration adding a derived table fills it, which takes minutes).
	start := time.Now()
	if applied, err := db.Migrate(ctx); err != nil {
		return nil, "", err
	} else if len(applied) > 0 {
		say("migrated the national warehouse (%d migrations, derived tables rebuilt) in %s", len(applied), time.Since(start).Round(time.Second))
	}
	facts, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: metricsDatabase, MaxExecutionTime: 30 * time.Minute})
	if err != nil {
		return nil, "", err
	}
	defer facts.Close()

	t, err := findTarget(ctx, db)
	if err != nil {
		return nil, "", err
	}
	staffRows, err := db.RowCount(ctx, warehouse.TableStaffAssignments)
	if err != nil {
		return nil, "", err
	}
	results = append(results, Result{fmt.Sprintf("Metrics warehouse: national seed, scale %g", mo.Scale),
		count(int(staffRows)) + " staff rows",
		fmt.Sprintf("school years %d-%d; dashboards of %s (%d districts) and its largest district %s", t.firstYear, t.lastYear,
			t.state, t.districts, t.district)})

	engine := metrics.NewEngine(db)
	ts, g, err := newGQLServer(ctx, db, engine)
	if err != nil {
		return nil, "", err
	}
	defer ts.Close()
	fts, fg, err := newGQLServer(ctx, facts, metrics.NewEngine(facts).FactsOnly())
	if err != nil {
		return nil, "", err
	}
	defer fts.Close()

	// The query count, on a fresh server (cold caches: the worst case).
	qc, err := queryCount(ctx, db, t, say)
	if err != nil {
		return nil, "", err
	}
	results = append(results, qc)

	var out []dashboardResult
	for i, c := range dashboardCases(t) {
		say("M%d %s: rows read with rollups and without…", i+1, c.name)
		r := dashboardResult{c: c}
		if r.rollupRows, r.rollupQueries, err = rowsRead(ctx, db, g, c.query, "rollups", say); err != nil {
			return nil, "", fmt.Errorf("%s: %w", c.name, err)
		}
		if r.factsRows, r.factsQueries, err = rowsRead(ctx, facts, fg, c.query, "facts", say); err != nil {
			// Computing from the facts alone can exceed the server's limits
			// at this scale: report it, and measure the rest.
			r.factsErr = err.Error()
			if i := strings.Index(r.factsErr, "(ClickHouse: "); i >= 0 {
				r.factsErr = r.factsErr[i+len("(ClickHouse: ") : len(r.factsErr)-1]
			}
			say("    facts    failed: %s", r.factsErr)
		}
		say("M%d %s: GraphQL vs direct SQL, %d runs each…", i+1, c.name, mo.Runs)
		if r.gql, r.direct, r.sqls, err = timeDashboard(ctx, db, g, c, mo.Runs); err != nil {
			return nil, "", fmt.Errorf("%s: %w", c.name, err)
		}
		say("   GraphQL %s, direct %s (ratio %.2f); rows read %s ÷ %s", r.gql.Round(10*time.Microsecond), r.direct.Round(10*time.Microsecond),
			float64(r.gql)/float64(r.direct), count(int(r.rollupRows)), count(int(r.factsRows)))
		out = append(out, r)
	}
	return results, dashboardTable(out, mo.Runs), nil
}

// dashboardTable renders the per-query results as Markdown.
func dashboardTable(rs []dashboardResult, runs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nDashboard queries (medians of %d alternating runs per side; targets: GraphQL ÷ direct ≤ 1.25, "+
		"rows read with rollups ÷ without ≤ 1/50 at state and district level):\n\n", runs)
	b.WriteString("| # | dashboard query | level | GraphQL (median) | direct SQL (median) | GraphQL ÷ direct | SQL per request | " +
		"rows read, rollups | rows read, facts only | rollups ÷ facts |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range rs {
		ratio := float64(r.gql) / float64(r.direct)
		mark := func(ok bool) string {
			if ok {
				return ""
			}
			return " (missed)"
		}
		rowsRatio := "n/a"
		if r.factsErr != "" {
			rowsRatio = "facts-only query failed: " + strings.ReplaceAll(r.factsErr, "|", "/")
		}
		if r.factsRows > 0 {
			q := float64(r.rollupRows) / float64(r.factsRows)
			switch {
			case r.rollupRows == 0:
				rowsRatio = "0"
			case q >= 1:
				rowsRatio = fmt.Sprintf("%.2f: no fewer rows", q)
			default:
				rowsRatio = fmt.Sprintf("%.4f = 1/%.0f", q, 1/q)
			}
			if r.c.level != "national" {
				rowsRatio += mark(q <= 1.0/50)
			}
		}
		fmt.Fprintf(&b, "| M%d | %s | %s | %s | %s | %.2f%s | %d | %s | %s | %s |\n", i+1, r.c.name, r.c.level,
			r.gql.Round(10*time.Microsecond), r.direct.Round(10*time.Microsecond), ratio, mark(ratio <= 1.25), r.sqls,
			count(int(r.rollupRows)), count(int(r.factsRows)), rowsRatio)
	}
	return b.String()
}

// queryCount counts the SQL statements of the requests for the
// representation of every district of the state, page by page (500 a
// page, the most a connection gives), on a fresh server whose engine has
// nothing cached: the count should not grow with the districts.
func queryCount(ctx context.Context, db *warehouse.DB, t dashboardTarget, say func(string, ...any)) (Result, error) {
	ts, g, err := newGQLServer(ctx, db, metrics.NewEngine(db))
	if err != nil {
		return Result{}, err
	}
	defer ts.Close()
	var counts, notes []string
	after, districts := "", 0
	for page := 1; ; page++ {
		afterArg := ""
		if after != "" {
			afterArg = fmt.Sprintf(", after: %q", after)
		}
		q := fmt.Sprintf(`query StateDistrictsRepresentation { state(code: %q) { districts(first: 500%s) { totalCount
  pageInfo { hasNextPage endCursor } nodes { id representation(year: %d) %s } } } }`, t.state, afterArg, t.lastYear, reprFields)
		id := "benchmcount" + warehouse.NewID()
		body, err := g.post(ctx, q, id)
		if err != nil {
			return Result{}, err
		}
		var resp struct {
			Data struct {
				State struct {
					Districts struct {
						PageInfo struct {
							HasNextPage bool
							EndCursor   string
						}
						Nodes []json.RawMessage
					}
				}
			}
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			return Result{}, err
		}
		conn := resp.Data.State.Districts
		districts += len(conn.Nodes)
		qs, err := requestQueries(ctx, db, id)
		if err != nil {
			return Result{}, err
		}
		byName := map[string]int{}
		var names, parts []string
		for _, q := range qs {
			if byName[q.name] == 0 {
				names = append(names, q.name)
			}
			byName[q.name]++
		}
		for _, n := range names {
			parts = append(parts, fmt.Sprintf("%d %s", byName[n], n))
		}
		say("query count, page %d (%d districts of %s): %d SQL queries (%s)", page, len(conn.Nodes), t.state, len(qs), strings.Join(parts, ", "))
		counts = append(counts, fmt.Sprint(len(qs)))
		notes = append(notes, fmt.Sprintf("page %d, %d districts: %s", page, len(conn.Nodes), strings.Join(parts, ", ")))
		if !conn.PageInfo.HasNextPage || conn.PageInfo.EndCursor == "" || page >= 20 {
			break
		}
		after = conn.PageInfo.EndCursor
	}
	return Result{fmt.Sprintf("SQL queries per request: representation of all %d districts of %s, pages of 500 (fresh server, "+
		"nothing cached)", districts, t.state), strings.Join(counts, " + "),
		strings.Join(notes, "; ") + ". Expected: 1 catalog query (metrics) per page plus a constant"}, nil
}

// findTarget picks the state with the most districts, its district with the
// most staff in the last year, and the years with data.
func findTarget(ctx context.Context, db *warehouse.DB) (dashboardTarget, error) {
	var t dashboardTarget
	first, last, ok, err := db.DataYears(ctx)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, fmt.Errorf("%s holds no data", db.Database())
	}
	t.firstYear, t.lastYear = first, last
	var n uint64
	if err := db.Conn().QueryRow(ctx, "SELECT state_code, count() AS n FROM "+db.Database()+".districts FINAL "+
		"GROUP BY state_code ORDER BY n DESC, state_code LIMIT 1").Scan(&t.state, &n); err != nil {
		return t, err
	}
	t.districts = int(n)
	if err := db.Conn().QueryRow(ctx, "SELECT lea_id, count() AS n FROM "+db.Database()+".staff_assignments "+
		"WHERE state_code = ? AND school_year = ? GROUP BY lea_id ORDER BY n DESC, lea_id LIMIT 1", t.state, uint16(last)).Scan(&t.district, &n); err != nil {
		return t, err
	}
	return t, nil
}

// seedForMetrics seeds the national profile at the section's scale into
// metricsDatabase with `camino seed` in a child process, unless the data
// directory records that it already holds that seed. It returns the seed's
// result line (nil when reused).
func seedForMetrics(ctx context.Context, addr string, opt Options, say func(string, ...any)) (*Result, error) {
	mo := opt.Metrics
	want := fmt.Sprintf("profile=national scale=%g seed=1 database=%s\n", mo.Scale, metricsDatabase)
	marker := ""
	if mo.DataDir != "" {
		marker = filepath.Join(mo.DataDir, seedMarker)
		if got, err := os.ReadFile(marker); err == nil && string(got) == want {
			say("reusing the national seed at scale %g in %s (delete %s to reseed)", mo.Scale, mo.DataDir, marker)
			return nil, nil
		}
		_ = os.Remove(marker)
	}
	say("national seed at scale %g for the dashboard queries, in a child process (this takes a while)…", mo.Scale)
	cmd := exec.CommandContext(ctx, opt.Binary, "seed", "--profile", "national", "--scale", fmt.Sprint(mo.Scale),
		"--clickhouse-addr", addr, "--database", metricsDatabase, "--replace", "--query-timeout", "1h")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&buf, opt.Out), io.MultiWriter(&buf, opt.Out)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("national seed at scale %g: %w\n%s", mo.Scale, err, buf.String())
	}
	elapsed := time.Since(start)
	m := regexp.MustCompile(`seeded (\d+) rows`).FindStringSubmatch(buf.String())
	if m == nil {
		return nil, fmt.Errorf("national seed printed no total:\n%s", buf.String())
	}
	if marker != "" {
		if err := os.WriteFile(marker, []byte(want), 0o644); err != nil {
			return nil, err
		}
	}
	return &Result{fmt.Sprintf("National seed, scale %g, for the dashboard queries (child process, incl. rollups)", mo.Scale),
		m[1] + " rows", elapsed.Round(time.Second).String()}, nil
}
