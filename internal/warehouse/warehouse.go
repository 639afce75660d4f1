package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
)

// Config says where the warehouse is and how long a query may run.
type Config struct {
	Addr     string // host:port of the native protocol (9000 by default)
	Database string
	User     string
	Password string
	// MaxExecutionTime bounds every query on the server (default 30s).
	MaxExecutionTime time.Duration
	// MaintenanceTime bounds maintenance statements such as a rollup
	// rebuild, which at national scale take minutes (default 1h).
	MaintenanceTime time.Duration
	// MaxOpenConns caps the connection pool (default 16).
	MaxOpenConns int
	// RequestMemory and RequestResultBytes bound each query that answers
	// a request (ctx marked by ForRequest) on the server: its
	// max_memory_usage (default 4 GiB) and max_result_bytes (default
	// 256 MiB). Such queries also run with readonly = 2.
	RequestMemory      int64
	RequestResultBytes int64
	Logger             *slog.Logger
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// ValidIdent reports whether s may be used as a database or table name.
func ValidIdent(s string) bool { return identRE.MatchString(s) }

// DB is the warehouse handle. It is safe for concurrent use.
type DB struct {
	conn    driver.Conn
	cfg     Config
	db      string
	log     *slog.Logger
	queries atomic.Int64
	snaps   snapshots
}

// Open connects and pings. The database need not exist yet (see Migrate).
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Addr == "" {
		return nil, apperr.Errorf(apperr.Invalid, "clickhouse address is empty")
	}
	if !ValidIdent(cfg.Database) {
		return nil, apperr.Errorf(apperr.Invalid, "database name %q is not a plain identifier (letters, digits, underscore)", cfg.Database)
	}
	if cfg.User == "" {
		cfg.User = "default"
	}
	if cfg.MaxExecutionTime <= 0 {
		cfg.MaxExecutionTime = 30 * time.Second
	}
	if cfg.RequestMemory <= 0 {
		cfg.RequestMemory = 4 << 30
	}
	if cfg.RequestResultBytes <= 0 {
		cfg.RequestResultBytes = 256 << 20
	}
	if cfg.MaintenanceTime <= 0 {
		cfg.MaintenanceTime = time.Hour
	}
	if cfg.MaxOpenConns <= 0 {
		cfg.MaxOpenConns = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:             []string{cfg.Addr},
		Auth:             clickhouse.Auth{Database: "default", Username: cfg.User, Password: cfg.Password},
		DialTimeout:      5 * time.Second,
		MaxOpenConns:     cfg.MaxOpenConns,
		MaxIdleConns:     cfg.MaxOpenConns,
		ConnMaxLifetime:  time.Hour,
		ConnOpenStrategy: clickhouse.ConnOpenInOrder,
	})
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, err, "cannot open a ClickHouse connection to "+cfg.Addr)
	}
	d := &DB{conn: conn, cfg: cfg, db: cfg.Database, log: cfg.Logger}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, apperr.Wrap(apperr.Unavailable, err, "ClickHouse at "+cfg.Addr+" does not answer")
	}
	return d, nil
}

// Close closes the connection pool.
func (d *DB) Close() error { return d.conn.Close() }

// Database is the database name queries run in.
func (d *DB) Database() string { return d.db }

// Conn exposes the driver connection for benchmarks and tests that send SQL
// directly; application code goes through the typed functions.
func (d *DB) Conn() driver.Conn { return d.conn }

// QueriesSent counts queries sent through this handle (a cheap metric; tests
// count precisely with system.query_log).
func (d *DB) QueriesSent() int64 { return d.queries.Load() }

// Ping checks the server answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.conn.Ping(ctx); err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "warehouse unavailable")
	}
	return nil
}

// ServerVersion returns the ClickHouse server version string.
func (d *DB) ServerVersion() (string, error) {
	v, err := d.conn.ServerVersion()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch), nil
}

type tagKey struct{}

// Tag identifies who asks a query: it becomes the query_id prefix and a
// comment at the head of the SQL, so system.query_log tells who asked.
type Tag struct {
	RequestID string // unique per request; query ids are RequestID-N
	Operation string // GraphQL operation name or CLI command
	seq       *atomic.Int64
	rows      *atomic.Int64
}

// WithTag returns ctx carrying a query tag. A tag of the same request
// already in ctx keeps its query numbering and rows-read count.
func WithTag(ctx context.Context, requestID, operation string) context.Context {
	t := &Tag{RequestID: requestID, Operation: operation, seq: new(atomic.Int64), rows: new(atomic.Int64)}
	if old, ok := TagFrom(ctx); ok && old.RequestID == requestID {
		t.seq, t.rows = old.seq, old.rows
	}
	return context.WithValue(ctx, tagKey{}, t)
}

// RowsRead is the number of rows the tagged queries read so far, as the
// server reports them while queries run (for the audit log).
func (t *Tag) RowsRead() int64 { return t.rows.Load() }

// TagFrom returns the tag in ctx, if any.
func TagFrom(ctx context.Context) (*Tag, bool) {
	t, ok := ctx.Value(tagKey{}).(*Tag)
	return t, ok
}

// NewID returns a random 16-hex-digit id.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var commentSafe = regexp.MustCompile(`[^A-Za-z0-9_.:/ -]`)

// prepare names and bounds a query: a query_id, a deadline no later than
// MaxExecutionTime from now (clickhouse-go turns a context deadline into the
// server's max_execution_time, plus 5 s of slack; our KILL on expiry is
// exact), and a leading comment with the operation (sanitised: it is not a
// bound value, so only harmless characters pass). Call cancel when done.
func (d *DB) prepare(ctx context.Context, name, sql string, settings clickhouse.Settings) (qctx context.Context, cancel context.CancelFunc, queryID, text string) {
	return d.prepareCapped(ctx, d.cfg.MaxExecutionTime, name, sql, settings)
}

func (d *DB) prepareCapped(ctx context.Context, limit time.Duration, name, sql string, settings clickhouse.Settings) (qctx context.Context, cancel context.CancelFunc, queryID, text string) {
	reqID, op := "", ""
	var seq int64
	var rows *atomic.Int64
	if t, ok := TagFrom(ctx); ok {
		reqID, op, seq, rows = t.RequestID, t.Operation, t.seq.Add(1), t.rows
	}
	if reqID == "" {
		reqID = NewID()
	}
	queryID = fmt.Sprintf("%s-%d", reqID, seq)
	ctx, cancel = context.WithTimeout(ctx, limit)
	s := clickhouse.Settings{"max_execution_time": int(limit.Seconds())}
	for k, v := range settings {
		s[k] = v
	}

	comment := "/* camino " + commentSafe.ReplaceAllString(name, "_")
	if op != "" {
		comment += " op=" + commentSafe.ReplaceAllString(op, "_")
	}
	comment += " */ "
	d.queries.Add(1)
	opts := []clickhouse.QueryOption{clickhouse.WithQueryID(queryID), clickhouse.WithSettings(s)}
	if rows != nil {
		opts = append(opts, clickhouse.WithProgress(func(p *clickhouse.Progress) { rows.Add(int64(p.Rows)) }))
	}
	qctx = clickhouse.Context(ctx, opts...)
	return qctx, cancel, queryID, comment + sql
}

// query runs a SELECT with guardrails; a cancelled ctx KILLs it on the server.
func (d *DB) query(ctx context.Context, name, sql string, args ...any) (driver.Rows, error) {
	return d.queryWith(ctx, name, nil, sql, args...)
}

// guardedRows kills its query on the server when it is closed after the
// context ended: a client-side cancel alone leaves it running (18.16), and
// most slow queries fail while rows are read, not when they are sent.
type guardedRows struct {
	driver.Rows
	ctx     context.Context
	cancel  context.CancelFunc
	d       *DB
	queryID string
}

// ended reports whether ctx is done or its deadline has passed: the driver's
// socket deadline can fire a moment before the context says so.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// endedErr is the context's error, or DeadlineExceeded when only the clock
// says so yet.
func endedErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.DeadlineExceeded
}

func (g *guardedRows) Close() error {
	err := g.Rows.Close()
	if ended(g.ctx) {
		g.d.kill(g.queryID)
	}
	g.cancel()
	return err
}

func (g *guardedRows) Err() error {
	if err := g.Rows.Err(); err != nil {
		if ended(g.ctx) {
			return apperr.Wrap(apperr.Unavailable, endedErr(g.ctx), "query cancelled or timed out")
		}
		return apperr.Wrap(apperr.Internal, fmt.Errorf("query_id %s: %w", g.queryID, err), "query failed")
	}
	return nil
}

func (d *DB) queryWith(ctx context.Context, name string, settings clickhouse.Settings, sql string, args ...any) (driver.Rows, error) {
	return d.queryCappedWith(ctx, d.cfg.MaxExecutionTime, name, settings, sql, args...)
}

// queryCapped is query under another cap than the per-query one (exports).
func (d *DB) queryCapped(ctx context.Context, limit time.Duration, name, sql string, args ...any) (driver.Rows, error) {
	return d.queryCappedWith(ctx, limit, name, nil, sql, args...)
}

func (d *DB) queryCappedWith(ctx context.Context, limit time.Duration, name string, settings clickhouse.Settings, sql string, args ...any) (driver.Rows, error) {
	if err := d.checkScope(ctx, name, sql); err != nil {
		return nil, err
	}
	if forRequest(ctx) { // reads that answer a request (exec, the write path, is left alone)
		rs := d.requestSettings()
		for k, v := range settings {
			rs[k] = v
		}
		settings = rs
	}
	qctx, cancel, queryID, text := d.prepareCapped(ctx, limit, name, sql, settings)
	start := time.Now()
	rows, err := d.conn.Query(qctx, text, args...)
	if err != nil {
		defer cancel()
		if ended(qctx) {
			d.kill(queryID)
			return nil, apperr.Wrap(apperr.Unavailable, endedErr(qctx), "query cancelled or timed out")
		}
		return nil, apperr.Wrap(apperr.Internal, fmt.Errorf("%s (query_id %s): %w", name, queryID, err), "query failed")
	}
	d.log.Debug("query", "name", name, "query_id", queryID, "ms", time.Since(start).Milliseconds())
	return &guardedRows{Rows: rows, ctx: qctx, cancel: cancel, d: d, queryID: queryID}, nil
}

// Select runs a SELECT compiled by internal/metrics from the catalog (its
// identifiers come from the catalog; every value is in args) with
// guardrails, calls each for every row, and returns how many rows the query
// had before its LIMIT (the compiled SQL always has one: max_result_rows
// would also cap its subqueries and joins).
func (d *DB) Select(ctx context.Context, name, sql string, args []any, each func(driver.Rows) error) (rowsBeforeLimit uint64, err error) {
	ctx = clickhouse.Context(ctx, clickhouse.WithProfileInfo(func(p *clickhouse.ProfileInfo) {
		if p.RowsBeforeLimit > rowsBeforeLimit {
			rowsBeforeLimit = p.RowsBeforeLimit
		}
	}))
	ctx, err = d.checkCompiled(ctx, sql)
	if err != nil {
		return 0, err
	}
	rows, err := d.query(ctx, name, sql, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return 0, err
		}
	}
	return rowsBeforeLimit, rows.Err()
}

// Table returns the qualified name of one of our tables, for SQL that
// internal/metrics compiles; name must come from its catalog.
func (d *DB) Table(name string) string { return d.table(name) }

// exec runs a statement with guardrails.
func (d *DB) exec(ctx context.Context, name, sql string, args ...any) error {
	return d.execCapped(ctx, d.cfg.MaxExecutionTime, name, sql, args...)
}

// maintain runs a maintenance statement (rollup rebuilds) under the
// maintenance cap instead of the per-query one.
func (d *DB) maintain(ctx context.Context, name, sql string, args ...any) error {
	return d.execCapped(ctx, d.cfg.MaintenanceTime, name, sql, args...)
}

func (d *DB) execCapped(ctx context.Context, limit time.Duration, name, sql string, args ...any) error {
	if err := d.checkScope(ctx, name, sql); err != nil {
		return err
	}
	qctx, cancel, queryID, text := d.prepareCapped(ctx, limit, name, sql, nil)
	defer cancel()
	if err := d.conn.Exec(qctx, text, args...); err != nil {
		if ended(qctx) {
			d.kill(queryID)
			return apperr.Wrap(apperr.Unavailable, endedErr(qctx), "statement cancelled or timed out")
		}
		return apperr.Wrap(apperr.Internal, fmt.Errorf("%s (query_id %s): %w", name, queryID, err), "statement failed")
	}
	return nil
}

// kill stops a query on the server: a client-side cancel does not (18.16).
func (d *DB) kill(queryID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.conn.Exec(ctx, "KILL QUERY WHERE query_id = ? ASYNC", queryID); err != nil {
		d.log.Warn("kill query failed", "query_id", queryID, "err", err)
	}
}

// chCode returns the ClickHouse exception code in err's chain, or 0.
func chCode(err error) int32 {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return ex.Code
	}
	return 0
}

// table returns the qualified name of one of our tables. name must be a Go
// constant; it is checked so a mistake fails loudly rather than injecting.
func (d *DB) table(name string) string {
	if !ValidIdent(name) {
		panic("warehouse: bad table identifier " + name)
	}
	return d.db + "." + name
}

// inList is the condition "col is one of a bound list" (the list is the
// next ? argument). IN over a subquery builds a hash set once; has(?, col)
// scans the whole array for every row (3x slower for 155 districts over the
// Utah rollup, and quadratic at national scale). Binding a slice to IN (?)
// directly fails on 18.16. col must be a Go constant. An empty list matches
// nothing; callers return early rather than send one.
func inList(col string) string {
	if !ValidIdent(col) {
		panic("warehouse: bad column identifier " + col)
	}
	return col + " IN (SELECT arrayJoin(?))"
}

// t replaces {db} in a query written as a Go constant with the database.
func (d *DB) t(sql string) string { return strings.ReplaceAll(sql, "{db}", d.db) }

// scanAll runs a SELECT with guardrails and calls each for every row.
func (d *DB) scanAll(ctx context.Context, name string, each func(driver.Rows) error, sql string, args ...any) error {
	rows, err := d.query(ctx, name, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

type requestKey struct{}

// ForRequest marks ctx as answering a client's request: every query under
// it runs read-only, with its own memory and result-size bounds on the
// server (ClickHouse's guardrails, so that even a compiler bug cannot
// write or exhaust the warehouse). Writes (loads, keys, migrations) go
// through other paths and are not affected.
func ForRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, true)
}

func forRequest(ctx context.Context) bool { v, _ := ctx.Value(requestKey{}).(bool); return v }

// requestSettings are the settings of a query under ForRequest. readonly
// is 2, not 1: 1 would refuse the other settings sent with the query
// (max_execution_time, these); 2 still refuses every write and DDL, and
// changing readonly itself.
func (d *DB) requestSettings() clickhouse.Settings {
	return clickhouse.Settings{
		"readonly":         2,
		"max_memory_usage": int(d.cfg.RequestMemory),
		"max_result_bytes": int(d.cfg.RequestResultBytes),
	}
}
