package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/camino-edu/camino/internal/apperr"
)

// Column lists of the tables writers fill. Inserts always name their
// columns (18.16 refuses batch inserts without a list); these are the only
// identifiers an insert may use.
var (
	StatesColumns           = []string{"state_code", "fips", "name", "synthetic"}
	DistrictsColumns        = []string{"lea_id", "state_code", "name", "lea_type", "locale", "synthetic"}
	SchoolsColumns          = []string{"school_id", "lea_id", "state_code", "name", "level", "charter", "title1", "synthetic"}
	StaffAssignmentsColumns = []string{"school_year", "state_code", "lea_id", "school_id", "staff_key", "role_code",
		"ethnicity", "gender", "fte", "hispanic_answer", "race_answers", "title", "batch_id", "loaded_at"}
	EnrollmentColumns   = []string{"school_year", "state_code", "lea_id", "school_id", "ethnicity", "ell", "students", "batch_id", "loaded_at"}
	MembersColumns      = []string{"member_id", "staff_key", "state_code", "lea_id", "joined_on", "left_on", "batch_id", "loaded_at"}
	MemberEventsColumns = []string{"member_id", "event_date", "event_type", "role_code", "lea_id", "detail", "batch_id", "loaded_at"}
	GoalsColumns        = []string{"goal_id", "title", "measure", "scope", "scope_id", "tier", "baseline_year", "baseline_value",
		"target_year", "target_value", "archived", "created_at", "updated_at", "version"}
)

// Table names writers may insert into.
const (
	TableStates           = "states"
	TableDistricts        = "districts"
	TableSchools          = "schools"
	TableStaffAssignments = "staff_assignments"
	TableEnrollment       = "enrollment"
	TableMembers          = "members"
	TableMemberEvents     = "member_events"
	TableGoals            = "goals"
)

var insertable = map[string][]string{
	TableStates: StatesColumns, TableDistricts: DistrictsColumns, TableSchools: SchoolsColumns,
	TableStaffAssignments: StaffAssignmentsColumns, TableEnrollment: EnrollmentColumns,
	TableMembers: MembersColumns, TableMemberEvents: MemberEventsColumns, TableGoals: GoalsColumns,
}

// AppendFunc appends one row, values in the table's column order.
type AppendFunc func(values ...any) error

// Insert sends rows to table in one batch: fill calls add once per row, in
// the order of the table's column list (e.g. StaffAssignmentsColumns).
// Callers that stream many rows call Insert once per chunk (≈100k rows),
// which bounds memory.
func (d *DB) Insert(ctx context.Context, table string, fill func(add AppendFunc) error) (int, error) {
	return d.InsertInto(ctx, table, table, fill)
}

// InsertInto is Insert into a table with the columns of another (a staging
// copy of it, for instance).
func (d *DB) InsertInto(ctx context.Context, target, like string, fill func(add AppendFunc) error) (int, error) {
	cols, ok := insertable[like]
	if !ok {
		return 0, fmt.Errorf("warehouse: %q is not an insertable table", like)
	}
	return d.insertCols(ctx, target, cols, fill)
}

// insertCols sends one batch of rows with the given columns to target.
func (d *DB) insertCols(ctx context.Context, target string, cols []string, fill func(add AppendFunc) error) (int, error) {
	qctx, cancel, queryID, text := d.prepare(ctx, "insert."+target,
		"INSERT INTO "+d.table(target)+" ("+strings.Join(cols, ", ")+")", nil)
	defer cancel()
	batch, err := d.conn.PrepareBatch(qctx, text)
	if err != nil {
		return 0, apperr.Wrap(apperr.Internal, fmt.Errorf("prepare insert into %s (query_id %s): %w", target, queryID, err), "insert failed")
	}
	n := 0
	add := func(values ...any) error {
		if len(values) != len(cols) {
			return fmt.Errorf("warehouse: insert into %s: %d values for %d columns", target, len(values), len(cols))
		}
		n++
		return batch.Append(values...)
	}
	if err := fill(add); err != nil {
		_ = batch.Abort()
		return 0, err
	}
	if err := batch.Send(); err != nil {
		if ended(qctx) {
			d.kill(queryID)
		}
		return 0, apperr.Wrap(apperr.Internal, fmt.Errorf("insert into %s (query_id %s): %w", target, queryID, err), "insert failed")
	}
	return n, nil
}

// LoadRecord is one row of the loads log.
type LoadRecord struct {
	BatchID    string
	Table      string
	Source     string
	Rows       uint64
	Rejected   uint64
	Status     string // started, done, failed
	StartedAt  time.Time
	FinishedAt time.Time
}

// RecordLoad writes (or replaces, by table and batch) a load log row.
func (d *DB) RecordLoad(ctx context.Context, l LoadRecord) error {
	if l.FinishedAt.IsZero() {
		l.FinishedAt = time.Now().UTC()
	}
	return d.exec(ctx, "loads.record", "INSERT INTO "+d.table("loads")+
		" (batch_id, table_name, source, rows, rejected, status, started_at, finished_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?",
		l.BatchID, l.Table, l.Source, l.Rows, l.Rejected, l.Status, l.StartedAt.UTC(), l.FinishedAt.UTC())
}

// Truncate empties the fact, dimension and derived tables (not the
// migrations record, not the role ladder): `camino seed --replace`.
func (d *DB) Truncate(ctx context.Context) error {
	for _, t := range []string{TableStates, TableDistricts, TableSchools, TableStaffAssignments, TableEnrollment,
		TableMembers, TableMemberEvents, TableGoals, "staff_person_year", "leadership_rollup", "loads", "load_commits",
		"load_rejects"} {
		// DROP+CREATE would lose the schema's evolution; TRUNCATE is 18.16+.
		if err := d.exec(ctx, "truncate."+t, "TRUNCATE TABLE "+d.table(t)); err != nil {
			return err
		}
	}
	return nil
}

// RowCount returns the number of rows in one of our tables.
func (d *DB) RowCount(ctx context.Context, table string) (uint64, error) {
	if _, ok := insertable[table]; !ok && table != "staff_person_year" && table != "leadership_rollup" {
		return 0, fmt.Errorf("warehouse: unknown table %q", table)
	}
	rows, err := d.query(ctx, "count."+table, "SELECT count() FROM "+d.table(table))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return n, rows.Err()
}

// LastLoads returns, per table, when its last finished load (seed or file
// load) ended: the data's freshness.
func (d *DB) LastLoads(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := d.scanAll(ctx, "last_loads", func(r driver.Rows) error {
		var t string
		var at time.Time
		if err := r.Scan(&t, &at); err != nil {
			return err
		}
		out[t] = at
		return nil
	}, "SELECT table_name, max(finished_at) FROM "+d.table("loads")+" FINAL WHERE status = 'done' GROUP BY table_name")
	return out, err
}
