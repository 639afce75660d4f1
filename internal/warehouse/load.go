package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// Load replaces whole district-years of a fact table, atomically per
// partition. Rows are written to a staging copy of the table; Commit then
// copies into the stage the rows of every touched (school_year, state)
// partition that belong to district-years the load does not replace, swaps
// each partition in with REPLACE PARTITION, and rebuilds the rollups of the
// touched years. Until Commit swaps, the warehouse holds the old data; a
// load killed before that leaves only a stage table behind (DropStaleStages
// removes it). A district-year present in the load is replaced whole; every
// other district-year is untouched. Loading the same rows twice leaves the
// warehouse as after once.
//
// A load that spans several partitions swaps them one by one: each is old or
// new, and re-running the load completes it. Two loads touching the same
// partition at the same time must not run concurrently (the later swap
// would drop the other's district-years); the CLI runs one load at a time.
type Load struct {
	d        *DB
	table    string
	stage    string
	batch    string
	source   string
	started  time.Time
	rows     uint64
	replaced map[districtYear]bool
	parts    map[partition]bool
	done     bool
}

type districtYear struct {
	year uint16
	lea  string
}

type partition struct {
	year  uint16
	state string
}

// loadable tables: their first three columns are school_year, state_code,
// lea_id, and they are partitioned by (school_year, state_code).
var loadable = map[string]bool{TableStaffAssignments: true, TableEnrollment: true}

const stagePrefix = "stage_load_"

// BeginLoad starts a load into table (staff_assignments or enrollment).
func (d *DB) BeginLoad(ctx context.Context, table, batchID, source string) (*Load, error) {
	if !loadable[table] {
		return nil, fmt.Errorf("warehouse: %q cannot be loaded by district-year", table)
	}
	l := &Load{d: d, table: table, batch: batchID, source: source, started: time.Now().UTC(),
		stage:    fmt.Sprintf("%s%s_%d_%s", stagePrefix, table, time.Now().Unix(), NewID()[:8]),
		replaced: map[districtYear]bool{}, parts: map[partition]bool{}}
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
	return LoadRecord{BatchID: l.batch, Table: l.table, Source: l.source, Rows: l.rows, Status: status,
		StartedAt: l.started, FinishedAt: time.Now().UTC()}
}

// Insert stages rows, given in the table's column order (see Insert); call
// it once per chunk.
func (l *Load) Insert(ctx context.Context, fill func(add AppendFunc) error) (int, error) {
	n, err := l.d.InsertInto(ctx, l.stage, l.table, func(add AppendFunc) error {
		return fill(func(values ...any) error {
			year, ok1 := values[0].(uint16)
			state, ok2 := values[1].(string)
			lea, ok3 := values[2].(string)
			if !ok1 || !ok2 || !ok3 {
				return fmt.Errorf("warehouse: load rows start with school_year uint16, state_code, lea_id strings")
			}
			l.replaced[districtYear{year, lea}] = true
			l.parts[partition{year, state}] = true
			return add(values...)
		})
	})
	l.rows += uint64(n)
	return n, err
}

// Commit swaps the staged district-years in and rebuilds the rollups.
func (l *Load) Commit(ctx context.Context) error {
	if l.done {
		return fmt.Errorf("warehouse: load %s already finished", l.batch)
	}
	l.done = true
	defer l.dropStage(ctx)
	if err := l.commit(ctx); err != nil {
		_ = l.d.RecordLoad(context.WithoutCancel(ctx), l.record("failed"))
		return err
	}
	return l.d.RecordLoad(ctx, l.record("done"))
}

func (l *Load) commit(ctx context.Context) error {
	parts := make([]partition, 0, len(l.parts))
	for p := range l.parts {
		parts = append(parts, p)
	}
	slices.SortFunc(parts, func(a, b partition) int {
		if a.year != b.year {
			return int(a.year) - int(b.year)
		}
		return strings.Compare(a.state, b.state)
	})
	cols := strings.Join(insertable[l.table], ", ")
	var years []uint16
	for _, p := range parts {
		var leas []string
		for dy := range l.replaced {
			if dy.year == p.year {
				leas = append(leas, dy.lea)
			}
		}
		// Keep the partition's other district-years: copy them into the stage.
		if err := l.d.maintain(ctx, "load.keep", "INSERT INTO "+l.d.table(l.stage)+" ("+cols+") SELECT "+cols+" FROM "+
			l.d.table(l.table)+" WHERE school_year = ? AND state_code = ? AND NOT ("+inList("lea_id")+")", p.year, p.state, leas); err != nil {
			return err
		}
		if err := l.d.maintain(ctx, "load.swap", "ALTER TABLE "+l.d.table(l.table)+" REPLACE PARTITION (?, ?) FROM "+
			l.d.table(l.stage), p.year, p.state); err != nil {
			return apperr.Wrap(apperr.Internal, err, fmt.Sprintf("swapping school year %d of %s", p.year, p.state))
		}
		if !slices.Contains(years, p.year) {
			years = append(years, p.year)
		}
	}
	if l.table == TableStaffAssignments && len(years) > 0 {
		return l.d.RebuildRollups(ctx, years)
	}
	return nil
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
// they finished, older than minAge, and returns their names.
func (d *DB) DropStaleStages(ctx context.Context, minAge time.Duration) ([]string, error) {
	rows, err := d.query(ctx, "load.stale_stages", "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, ?)", d.db, stagePrefix)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var dropped []string
	for _, n := range names {
		// stage_load_<table>_<unix seconds>_<id>: the age is in the name.
		parts := strings.Split(strings.TrimPrefix(n, stagePrefix), "_")
		var ts int64
		if len(parts) < 2 {
			continue
		}
		if _, err := fmt.Sscan(parts[len(parts)-2], &ts); err != nil || time.Since(time.Unix(ts, 0)) < minAge || !ValidIdent(n) {
			continue
		}
		if err := d.exec(ctx, "load.drop_stale", "DROP TABLE IF EXISTS "+d.table(n)); err != nil {
			return dropped, err
		}
		dropped = append(dropped, n)
	}
	return dropped, nil
}
