package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
)

// Load replaces part of a fact table atomically. Rows are written to a
// staging copy of the table; Commit copies into the stage the rows of every
// touched partition that the load does not replace, writes its intent to the
// load journal (load_commits), swaps each partition in with REPLACE
// PARTITION, and rebuilds the rollups of the touched years.
//
// What a load replaces depends on the table (loadKinds):
//   - staff_assignments, enrollment: whole district-years. A district-year
//     present in the load is replaced whole; every other one is untouched.
//   - members, member_events: whole members. A member present in the load
//     gets exactly the load's record (members) or events (member_events);
//     other members are untouched.
//
// Loading the same rows twice leaves the warehouse as after once. Until the
// journal row is written the warehouse holds the old data, and a load killed
// before then leaves only a stage table behind (DropStaleStages removes it).
// A load killed after it (while swapping) is finished by RecoverLoads, which
// every camino command that opens the warehouse for writing runs first: each
// partition swap is idempotent, so the warehouse ends with the new data.
//
// Two loads into the same table must not run at the same time (the later
// swap would drop the other's rows); the CLI runs one load at a time.
type Load struct {
	d        *DB
	kind     *loadKind
	table    string
	stage    string
	batch    string
	source   string
	started  time.Time
	rows     uint64
	rejected uint64
	leas     map[partition]map[string]bool // district-years replaced, by partition
	members  map[string]bool               // members replaced
	parts    map[partition]bool
	done     bool
}

// partition is a partition of a loadable table: (school_year, state_code)
// for the district tables, a year for member_events, the single partition
// (zero value) for members.
type partition struct {
	year  uint16
	state string
}

func (p partition) String() string { return fmt.Sprintf("%d:%s", p.year, p.state) }

func parsePartition(s string) (partition, error) {
	y, st, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(y, 10, 16)
	if !ok || err != nil {
		return partition{}, fmt.Errorf("warehouse: bad partition %q in the load journal", s)
	}
	return partition{uint16(n), st}, nil
}

// loadKind is how a table is loaded: what a row replaces and where it lives.
type loadKind struct {
	// note records a staged row's replacement key and partition.
	note func(l *Load, values []any) error
	// oldParts lists partitions holding rows the load replaces that its new
	// rows do not touch (a member's events of other years).
	oldParts func(ctx context.Context, l *Load) ([]partition, error)
	// keep selects the rows of partition p the load does not replace.
	keep func(l *Load, p partition) (where string, args []any)
	// expr is p as a REPLACE PARTITION expression.
	expr func(p partition) (string, []any)
	// rollups says the derived tables follow this table.
	rollups bool
}

var districtYears = &loadKind{
	note: func(l *Load, v []any) error {
		year, ok1 := v[0].(uint16)
		state, ok2 := v[1].(string)
		lea, ok3 := v[2].(string)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("warehouse: %s rows start with school_year uint16, state_code, lea_id strings", l.table)
		}
		p := partition{year, state}
		if l.leas[p] == nil {
			l.leas[p] = map[string]bool{}
			l.parts[p] = true
		}
		l.leas[p][lea] = true
		return nil
	},
	keep: func(l *Load, p partition) (string, []any) {
		return "school_year = ? AND state_code = ? AND NOT (" + inList("lea_id") + ")", []any{p.year, p.state, keys(l.leas[p])}
	},
	expr: func(p partition) (string, []any) { return "(?, ?)", []any{p.year, p.state} },
}

var loadKinds = map[string]*loadKind{
	TableStaffAssignments: {note: districtYears.note, keep: districtYears.keep, expr: districtYears.expr, rollups: true},
	// Enrollment feeds the place rollups (students beside leaders).
	TableEnrollment: {note: districtYears.note, keep: districtYears.keep, expr: districtYears.expr, rollups: true},
	TableMembers: {
		note: func(l *Load, v []any) error {
			id, ok := v[0].(string)
			if !ok {
				return fmt.Errorf("warehouse: members rows start with member_id string")
			}
			l.members[id] = true
			l.parts[partition{}] = true
			return nil
		},
		keep: func(l *Load, _ partition) (string, []any) {
			return "NOT (" + inList("member_id") + ")", []any{keys(l.members)}
		},
		expr: func(partition) (string, []any) { return "tuple()", nil },
	},
	TableMemberEvents: {
		note: func(l *Load, v []any) error {
			id, ok1 := v[0].(string)
			date, ok2 := v[1].(time.Time)
			if !ok1 || !ok2 {
				return fmt.Errorf("warehouse: member_events rows start with member_id string, event_date time.Time")
			}
			l.members[id] = true
			l.parts[partition{year: uint16(date.Year())}] = true
			return nil
		},
		oldParts: func(ctx context.Context, l *Load) ([]partition, error) {
			var years []uint16
			err := l.d.scanAll(ctx, "load.old_years", func(r driver.Rows) error {
				var y uint16
				err := r.Scan(&y)
				years = append(years, y)
				return err
			}, "SELECT DISTINCT toYear(event_date) FROM "+l.d.table(TableMemberEvents)+" WHERE "+inList("member_id"), keys(l.members))
			parts := make([]partition, len(years))
			for i, y := range years {
				parts[i] = partition{year: y}
			}
			return parts, err
		},
		keep: func(l *Load, p partition) (string, []any) {
			return "toYear(event_date) = ? AND NOT (" + inList("member_id") + ")", []any{p.year, keys(l.members)}
		},
		expr: func(p partition) (string, []any) { return "?", []any{p.year} },
	},
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

const stagePrefix = "stage_load_"

// BeginLoad starts a load into table (staff_assignments, enrollment,
// members or member_events).
func (d *DB) BeginLoad(ctx context.Context, table, batchID, source string) (*Load, error) {
	kind := loadKinds[table]
	if kind == nil {
		return nil, fmt.Errorf("warehouse: %q cannot be loaded", table)
	}
	l := &Load{d: d, kind: kind, table: table, batch: batchID, source: source, started: time.Now().UTC(),
		stage: fmt.Sprintf("%s%s_%d_%s", stagePrefix, table, time.Now().Unix(), NewID()[:8]),
		leas:  map[partition]map[string]bool{}, members: map[string]bool{}, parts: map[partition]bool{}}
	if err := d.exec(ctx, "load.stage", "CREATE TABLE "+d.table(l.stage)+" AS "+d.table(table)); err != nil {
		return nil, err
	}
	if err := d.RecordLoad(ctx, l.record("started")); err != nil {
		l.dropStage(ctx)
		return nil, err
	}
	return l, nil
}

// record is the loads-log row of l in a given status.
func (l *Load) record(status string) LoadRecord {
	return LoadRecord{BatchID: l.batch, Table: l.table, Source: l.source, Rows: l.rows, Rejected: l.rejected,
		Status: status, StartedAt: l.started, FinishedAt: time.Now().UTC()}
}

// Insert stages rows, given in the table's column order (see Insert); call
// it once per chunk.
func (l *Load) Insert(ctx context.Context, fill func(add AppendFunc) error) (int, error) {
	n, err := l.d.InsertInto(ctx, l.stage, l.table, func(add AppendFunc) error {
		return fill(func(values ...any) error {
			if err := l.kind.note(l, values); err != nil {
				return err
			}
			return add(values...)
		})
	})
	l.rows += uint64(n)
	return n, err
}

// SetRejected records how many rows of the source were refused, for the
// loads log.
func (l *Load) SetRejected(n uint64) { l.rejected = n }

// Commit swaps the staged rows in and rebuilds the rollups.
func (l *Load) Commit(ctx context.Context) error {
	if l.done {
		return fmt.Errorf("warehouse: load %s already finished", l.batch)
	}
	l.done = true
	if err := l.commit(ctx); err != nil {
		_ = l.d.RecordLoad(context.WithoutCancel(ctx), l.record("failed"))
		return err
	}
	return l.d.RecordLoad(ctx, l.record("done"))
}

func (l *Load) commit(ctx context.Context) error {
	c, err := l.journalled(ctx)
	if err != nil || c == nil {
		return err
	}
	return l.d.finish(ctx, *c)
}

// journalled completes the stage (the kept rows of every touched partition)
// and writes the journal entry; nil when the load touches nothing. On error
// the stage is dropped and the warehouse is unchanged.
func (l *Load) journalled(ctx context.Context) (*journalEntry, error) {
	parts := make([]partition, 0, len(l.parts))
	for p := range l.parts {
		parts = append(parts, p)
	}
	if l.kind.oldParts != nil && len(l.members) > 0 {
		old, err := l.kind.oldParts(ctx, l)
		if err != nil {
			return nil, err
		}
		for _, p := range old {
			if !l.parts[p] {
				parts = append(parts, p)
			}
		}
	}
	if len(parts) == 0 {
		l.dropStage(ctx)
		return nil, nil
	}
	slices.SortFunc(parts, func(a, b partition) int {
		if a.year != b.year {
			return int(a.year) - int(b.year)
		}
		return strings.Compare(a.state, b.state)
	})
	cols := strings.Join(insertable[l.table], ", ")
	for _, p := range parts {
		// Keep the partition's rows this load does not replace.
		where, args := l.kind.keep(l, p)
		if err := l.d.maintain(ctx, "load.keep", "INSERT INTO "+l.d.table(l.stage)+" ("+cols+") SELECT "+cols+" FROM "+
			l.d.table(l.table)+" WHERE "+where, args...); err != nil {
			l.dropStage(ctx)
			return nil, err
		}
	}
	// From here on the load is finished by RecoverLoads if it dies.
	c := journalEntry{batch: l.batch, table: l.table, stage: l.stage, parts: parts}
	if err := l.d.RecordLoad(ctx, l.record("started")); err != nil { // with its row counts
		l.dropStage(ctx)
		return nil, err
	}
	if err := l.d.journal(ctx, c, "committing"); err != nil {
		l.dropStage(ctx)
		return nil, err
	}
	return &c, nil
}

// journalEntry is a row of load_commits.
type journalEntry struct {
	batch, table, stage string
	parts               []partition
}

func (d *DB) journal(ctx context.Context, c journalEntry, status string) error {
	parts := make([]string, len(c.parts))
	for i, p := range c.parts {
		parts[i] = p.String()
	}
	return d.exec(ctx, "load.journal", "INSERT INTO "+d.table("load_commits")+
		" (batch_id, table_name, stage, partitions, status, updated_at, version) SELECT ?, ?, ?, ?, ?, now(), ?",
		c.batch, c.table, c.stage, parts, status, uint64(time.Now().UnixNano()))
}

// finish swaps every partition of a journalled load in, rebuilds the
// rollups, marks the entry done and drops the stage. It is idempotent.
func (d *DB) finish(ctx context.Context, c journalEntry) error {
	kind := loadKinds[c.table]
	if kind == nil {
		return fmt.Errorf("warehouse: the load journal names table %q", c.table)
	}
	var years []uint16
	for _, p := range c.parts {
		if err := d.swap(ctx, kind, c, p); err != nil {
			return err
		}
		if !slices.Contains(years, p.year) {
			years = append(years, p.year)
		}
	}
	if kind.rollups {
		if err := d.RebuildRollups(ctx, years); err != nil {
			return err
		}
	}
	if err := d.journal(ctx, c, "done"); err != nil {
		return err
	}
	return d.exec(context.WithoutCancel(ctx), "load.unstage", "DROP TABLE IF EXISTS "+d.table(c.stage))
}

// swap replaces partition p of the journalled load's table with the stage's.
func (d *DB) swap(ctx context.Context, kind *loadKind, c journalEntry, p partition) error {
	expr, args := kind.expr(p)
	if err := d.maintain(ctx, "load.swap", "ALTER TABLE "+d.table(c.table)+" REPLACE PARTITION "+expr+" FROM "+
		d.table(c.stage), args...); err != nil {
		return apperr.Wrap(apperr.Internal, err, fmt.Sprintf("swapping partition %s of %s", p, c.table))
	}
	return nil
}

// RecoverLoads finishes the loads that died while swapping (the journal
// says committing) and returns their batch ids. A journalled load whose
// stage is gone cannot be finished: it is marked failed and reported in the
// error, with what to do.
func (d *DB) RecoverLoads(ctx context.Context) ([]string, error) {
	var pending []journalEntry
	err := d.scanAll(ctx, "load.pending", func(r driver.Rows) error {
		var c journalEntry
		var parts []string
		if err := r.Scan(&c.batch, &c.table, &c.stage, &parts); err != nil {
			return err
		}
		for _, s := range parts {
			p, err := parsePartition(s)
			if err != nil {
				return err
			}
			c.parts = append(c.parts, p)
		}
		pending = append(pending, c)
		return nil
	}, "SELECT batch_id, table_name, stage, partitions FROM "+d.table("load_commits")+" FINAL WHERE status = 'committing'")
	if err != nil {
		return nil, err
	}
	var done []string
	for _, c := range pending {
		exists, err := d.tableExists(ctx, c.stage)
		if err != nil {
			return done, err
		}
		if !exists {
			_ = d.journal(ctx, c, "failed")
			return done, apperr.Errorf(apperr.Internal, "load %s into %s died while swapping and its stage table %s is gone: "+
				"load the file again", c.batch, c.table, c.stage)
		}
		if err := d.finish(ctx, c); err != nil {
			return done, fmt.Errorf("finishing load %s: %w", c.batch, err)
		}
		if err := d.markLoadDone(ctx, c); err != nil {
			return done, err
		}
		done = append(done, c.batch)
	}
	return done, nil
}

// markLoadDone rewrites the loads-log row of a recovered load as done.
func (d *DB) markLoadDone(ctx context.Context, c journalEntry) error {
	rec := LoadRecord{BatchID: c.batch, Table: c.table, Source: "(recovered)", StartedAt: time.Now().UTC()}
	err := d.scanAll(ctx, "load.record_of", func(r driver.Rows) error {
		return r.Scan(&rec.Source, &rec.Rows, &rec.Rejected, &rec.StartedAt)
	}, "SELECT source, rows, rejected, started_at FROM "+d.table("loads")+" FINAL WHERE table_name = ? AND batch_id = ?",
		c.table, c.batch)
	if err != nil {
		return err
	}
	rec.Status = "done"
	return d.RecordLoad(ctx, rec)
}

func (d *DB) tableExists(ctx context.Context, name string) (bool, error) {
	n := 0
	err := d.scanAll(ctx, "table_exists", func(r driver.Rows) error { n++; return nil },
		"SELECT name FROM system.tables WHERE database = ? AND name = ?", d.db, name)
	return n > 0, err
}

// Abort drops the staged rows; the warehouse is unchanged.
func (l *Load) Abort(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	l.dropStage(ctx)
	return l.d.RecordLoad(context.WithoutCancel(ctx), l.record("failed"))
}

func (l *Load) dropStage(ctx context.Context) {
	_ = l.d.exec(context.WithoutCancel(ctx), "load.unstage", "DROP TABLE IF EXISTS "+l.d.table(l.stage))
}

// Stage is the name of the load's staging table (for tests and logs).
func (l *Load) Stage() string { return l.stage }

// DropStaleStages removes staging tables left by loads that died before
// they committed, older than minAge, and returns their names. The stage of
// a journalled load (RecoverLoads' work) is never dropped here.
func (d *DB) DropStaleStages(ctx context.Context, minAge time.Duration) ([]string, error) {
	keep := map[string]bool{}
	if err := d.scanAll(ctx, "load.journalled_stages", func(r driver.Rows) error {
		var s string
		err := r.Scan(&s)
		keep[s] = true
		return err
	}, "SELECT stage FROM "+d.table("load_commits")+" FINAL WHERE status = 'committing'"); err != nil {
		return nil, err
	}
	var names []string
	if err := d.scanAll(ctx, "load.stale_stages", func(r driver.Rows) error {
		var n string
		err := r.Scan(&n)
		names = append(names, n)
		return err
	}, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, ?)", d.db, stagePrefix); err != nil {
		return nil, err
	}
	var dropped []string
	for _, n := range names {
		// stage_load_<table>_<unix seconds>_<id>: the age is in the name.
		parts := strings.Split(strings.TrimPrefix(n, stagePrefix), "_")
		if len(parts) < 2 || keep[n] || !ValidIdent(n) {
			continue
		}
		ts, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
		if err != nil || time.Since(time.Unix(ts, 0)) < minAge {
			continue
		}
		if err := d.exec(ctx, "load.drop_stale", "DROP TABLE IF EXISTS "+d.table(n)); err != nil {
			return dropped, err
		}
		dropped = append(dropped, n)
	}
	return dropped, nil
}
