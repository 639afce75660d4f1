package warehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one embedded, versioned schema step.
type Migration struct {
	Version  uint32
	Name     string
	Checksum string
	SQL      string // rendered for this database
}

// MigrationStatus is a migration and whether (and when) it was applied.
type MigrationStatus struct {
	Migration
	Applied   bool
	AppliedAt time.Time
	// Modified is set when the applied checksum differs from the embedded file.
	Modified bool
}

// ClusterOptions turn the single-node schema into a cluster one: every
// statement gets ON CLUSTER and MergeTree engines become Replicated ones.
type ClusterOptions struct {
	Cluster string // empty: single node
}

func migrations(db string, cl ClusterOptions) ([]Migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	funcs := template.FuncMap{"engine": func(engine, table, arg string) string {
		if cl.Cluster == "" {
			return engine + "(" + arg + ")"
		}
		params := fmt.Sprintf("'/clickhouse/tables/{shard}/%s/%s', '{replica}'", db, table)
		if arg != "" {
			params += ", " + arg
		}
		return "Replicated" + engine + "(" + params + ")"
	}}
	onCluster := ""
	if cl.Cluster != "" {
		if !ValidIdent(cl.Cluster) {
			return nil, apperr.Errorf(apperr.Invalid, "cluster name %q is not a plain identifier", cl.Cluster)
		}
		onCluster = "ON CLUSTER " + cl.Cluster
	}
	var out []Migration
	for _, f := range files {
		base := strings.TrimSuffix(f[len("migrations/"):], ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration file %s: want NNNN_name.sql", f)
		}
		raw, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(f).Funcs(funcs).Parse(string(raw))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", f, err)
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, map[string]string{"DB": db, "OnCluster": onCluster}); err != nil {
			return nil, fmt.Errorf("migration %s: %w", f, err)
		}
		sum := sha256.Sum256(raw)
		out = append(out, Migration{Version: uint32(v), Name: name, Checksum: hex.EncodeToString(sum[:8]), SQL: b.String()})
	}
	return out, nil
}

// statements splits a migration into statements: each ends with ; at the end
// of a line. Comment-only chunks are dropped.
func statements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.SplitAfter(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") && cur.Len() == 0 {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(trimmed, ";") {
			s := strings.TrimSuffix(strings.TrimSpace(cur.String()), ";")
			if s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

const migrationsTable = "schema_migrations"

// ClickHouse error codes a concurrent migrator may see when another process
// created the same object a moment earlier; the statement's effect holds.
const (
	codeColumnAlreadyExists   = 44
	codeTableAlreadyExists    = 57
	codeDatabaseAlreadyExists = 82
)

func (d *DB) ensureMigrationsTable(ctx context.Context) error {
	if err := d.execIdempotent(ctx, "migrate.create_database", "CREATE DATABASE IF NOT EXISTS "+d.db); err != nil {
		return err
	}
	if err := d.execIdempotent(ctx, "migrate.create_table", "CREATE TABLE IF NOT EXISTS "+d.table(migrationsTable)+` (
		version UInt32, name String, checksum String, applied_at DateTime
	) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`); err != nil {
		return err
	}
	// The write lock's registers (lock.go): migrations run under the lock.
	return d.execIdempotent(ctx, "migrate.create_leases", "CREATE TABLE IF NOT EXISTS "+d.table(leasesTable)+leasesDDL)
}

func (d *DB) execIdempotent(ctx context.Context, name, sql string) error {
	err := d.exec(ctx, name, sql)
	if c := chCode(err); c == codeTableAlreadyExists || c == codeDatabaseAlreadyExists || c == codeColumnAlreadyExists {
		return nil
	}
	return err
}

// Status lists every embedded migration and whether it is applied.
func (d *DB) Status(ctx context.Context) ([]MigrationStatus, error) {
	all, err := migrations(d.db, ClusterOptions{})
	if err != nil {
		return nil, err
	}
	applied := map[uint32]MigrationStatus{}
	rows, err := d.query(ctx, "migrate.status", `SELECT version, argMax(checksum, applied_at), min(applied_at)
		FROM `+d.table(migrationsTable)+` GROUP BY version`)
	if err != nil {
		if chCode(err) == 81 || chCode(err) == 60 { // database or table missing: nothing applied
			rows = nil
		} else {
			return nil, err
		}
	}
	if rows != nil {
		defer rows.Close()
		for rows.Next() {
			var s MigrationStatus
			if err := rows.Scan(&s.Version, &s.Checksum, &s.AppliedAt); err != nil {
				return nil, err
			}
			s.Applied = true
			applied[s.Version] = s
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]MigrationStatus, 0, len(all))
	for _, m := range all {
		s := MigrationStatus{Migration: m}
		if a, ok := applied[m.Version]; ok {
			s.Applied, s.AppliedAt, s.Modified = true, a.AppliedAt, a.Checksum != m.Checksum
		}
		out = append(out, s)
	}
	return out, nil
}

// Migrate applies every migration not yet recorded, in order, and returns
// those it applied. It runs under the warehouse write lock, so two
// processes migrating at once apply each step once; each statement is also
// idempotent (IF NOT EXISTS; dimension rows are replaced by id;
// "already exists" is success), so a migration that died half way is
// finished by the next run.
func (d *DB) Migrate(ctx context.Context) ([]Migration, error) {
	if err := d.ensureMigrationsTable(ctx); err != nil {
		return nil, err
	}
	if status, err := d.Status(ctx); err == nil && !slices.ContainsFunc(status, func(s MigrationStatus) bool { return !s.Applied }) {
		return nil, nil // up to date: no lock needed
	}
	lk, err := d.lockWrites(ctx, "migrate")
	if err != nil {
		return nil, err
	}
	defer lk.release(ctx)
	status, err := d.Status(ctx)
	if err != nil {
		return nil, err
	}
	var done, pending []Migration
	record := func(m Migration) error {
		if err := d.exec(ctx, "migrate.record", "INSERT INTO "+d.table(migrationsTable)+
			" (version, name, checksum, applied_at) SELECT ?, ?, ?, ?", m.Version, m.Name, m.Checksum, time.Now().UTC()); err != nil {
			return err
		}
		done = append(done, m)
		return nil
	}
	for _, s := range status {
		if s.Applied {
			continue
		}
		for i, stmt := range statements(s.SQL) {
			if err := d.execIdempotent(ctx, fmt.Sprintf("migrate.%04d.%d", s.Version, i), stmt); err != nil {
				return done, fmt.Errorf("migration %04d_%s statement %d: %w", s.Version, s.Name, i+1, err)
			}
		}
		if strings.Contains(s.SQL, reshapeMarker) {
			if err := d.reshapeFacts(ctx); err != nil {
				return done, fmt.Errorf("migration %04d_%s: %w", s.Version, s.Name, err)
			}
		}
		if strings.Contains(s.SQL, rebuildMarker) {
			pending = append(pending, s.Migration)
			continue
		}
		if err := record(s.Migration); err != nil {
			return done, err
		}
	}
	// Migrations that add derived tables are recorded once the tables are
	// filled from the facts already loaded (after every schema step, as a
	// rebuild fills them all): a failed rebuild is retried by the next run.
	if len(pending) > 0 {
		if err := d.rebuildRollupsLocked(ctx, nil); err != nil {
			return done, fmt.Errorf("filling the derived tables after migrating: %w", err)
		}
		for _, m := range pending {
			if err := record(m); err != nil {
				return done, err
			}
		}
	}
	sort.Slice(done, func(i, j int) bool { return done[i].Version < done[j].Version })
	return done, nil
}

// rebuildMarker in a migration says it adds or changes a derived table: the
// rollups are rebuilt from the facts after it is applied.
const rebuildMarker = "-- rebuild: rollups"

// reshapeMarker in a migration says it creates the versioned fact tables
// (name_v2): reshapeFacts copies the rows in and swaps the tables.
const reshapeMarker = "-- reshape: facts"

// DropDatabase removes the whole database (tests, and `camino seed --reset`).
func (d *DB) DropDatabase(ctx context.Context) error {
	return d.exec(ctx, "drop_database", "DROP DATABASE IF EXISTS "+d.db)
}
