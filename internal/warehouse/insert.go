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
//
// Into a fact table (staff_assignments, enrollment, members,
// member_events) Insert appends to the live rows, visibly at once and not
// atomically: it is for fixtures and tools working alone. A load uses
// BeginLoad, which replaces whole district-years or members atomically.
func (d *DB) Insert(ctx context.Context, table string, fill func(add AppendFunc) error) (int, error) {
	if _, ok := insertable[table]; !ok {
		return 0, fmt.Errorf("warehouse: %q is not an insertable table", table)
	}
	if loadKinds[table] != nil {
		return d.appendDirect(ctx, table, fill)
	}
	return d.insertCols(ctx, table, insertable[table], fill)
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
	Status     string // started, done, failed, killed
	StartedAt  time.Time
	FinishedAt time.Time
	LoadNo     uint64 // generations of the load are LoadNo × 4096 + ordinal
	// DataVersion is the data version the load's commit made (done).
	DataVersion uint64
	Summary     string // what the commit did (done)
}

// RecordLoad writes (or replaces, by table and batch) a load log row.
func (d *DB) RecordLoad(ctx context.Context, l LoadRecord) error {
	if l.FinishedAt.IsZero() {
		l.FinishedAt = time.Now().UTC()
	}
	return d.exec(ctx, "loads.record", "INSERT INTO "+d.table("loads")+
		" (batch_id, table_name, source, rows, rejected, status, started_at, finished_at, load_no, data_version, summary) "+
		"SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?",
		l.BatchID, l.Table, l.Source, l.Rows, l.Rejected, l.Status, l.StartedAt.UTC(), l.FinishedAt.UTC(), l.LoadNo, l.DataVersion, l.Summary)
}

// Truncate empties the fact, dimension and derived tables (not the
// migrations record, not the role ladder, not the journal): `camino seed
// --replace`. It commits a version in which every part is empty, so the
// data version still grows and caches keyed on it start over.
func (d *DB) Truncate(ctx context.Context) error {
	lk, err := d.lockWrites(ctx, "truncate")
	if err != nil {
		return err
	}
	defer lk.release(ctx)
	snap, err := d.snapshotAt(ctx, 0)
	if err != nil {
		return err
	}
	var empty []journalEntry
	for _, t := range versionedTables {
		for _, p := range snap.Parts(t) {
			empty = append(empty, journalEntry{table: t, part: p})
		}
	}
	if len(empty) > 0 {
		if err := d.writeJournal(ctx, snap.version+1, "truncate-"+NewID()[:8], time.Now().UTC(), empty); err != nil {
			return err
		}
		d.forget()
	}
	for _, t := range append([]string{TableStates, TableDistricts, TableSchools, TableGoals, "loads", "load_commits", "load_rejects"},
		versionedTables...) {
		// DROP+CREATE would lose the schema's evolution; TRUNCATE is 18.16+.
		if err := d.exec(ctx, "truncate."+t, "TRUNCATE TABLE "+d.table(t)); err != nil {
			return err
		}
	}
	return nil
}

// RowCount returns the number of (live) rows in one of our tables.
func (d *DB) RowCount(ctx context.Context, table string) (uint64, error) {
	if _, ok := insertable[table]; !ok && table != "staff_person_year" && table != "leadership_rollup" {
		return 0, fmt.Errorf("warehouse: unknown table %q", table)
	}
	where := ""
	if IsVersioned(table) {
		live, err := d.live(ctx, table)
		if err != nil {
			return 0, err
		}
		where = " WHERE " + live
	}
	rows, err := d.query(ctx, "count."+table, "SELECT count() FROM "+d.table(table)+where)
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
