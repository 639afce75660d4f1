package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Directory is the warehouse's districts and schools, held in memory to
// check the ids of a loaded file (≈100k schools nationally: a few MB).
type Directory struct {
	districts map[string]string    // lea_id → state_code
	schools   map[string][2]string // school_id → lea_id, state_code
}

// District returns the state of a district.
func (dir *Directory) District(leaID string) (string, bool) {
	s, ok := dir.districts[leaID]
	return s, ok
}

// School returns the district and state of a school.
func (dir *Directory) School(schoolID string) (leaID, stateCode string, ok bool) {
	s, ok := dir.schools[schoolID]
	return s[0], s[1], ok
}

// LoadDirectory reads every district and school id.
func (d *DB) LoadDirectory(ctx context.Context) (*Directory, error) {
	dir := &Directory{districts: map[string]string{}, schools: map[string][2]string{}}
	err := d.scanAll(ctx, "directory.districts", func(r driver.Rows) error {
		var id, state string
		err := r.Scan(&id, &state)
		dir.districts[id] = state
		return err
	}, "SELECT lea_id, state_code FROM "+d.table(TableDistricts)+" FINAL")
	if err != nil {
		return nil, err
	}
	err = d.scanAll(ctx, "directory.schools", func(r driver.Rows) error {
		var id, lea, state string
		err := r.Scan(&id, &lea, &state)
		dir.schools[id] = [2]string{lea, state}
		return err
	}, "SELECT school_id, lea_id, state_code FROM "+d.table(TableSchools)+" FINAL")
	return dir, err
}

// RejectRow is a row of a loaded file that was refused (the quarantine).
type RejectRow struct {
	Line   uint64
	Column string
	Value  string
	Reason string
}

// insertRejects adds rejected rows of a load to a quarantine table
// (load_rejects, or a load's stage of it).
func (d *DB) insertRejects(ctx context.Context, target, batchID, table, source string, rows []RejectRow) error {
	if len(rows) == 0 {
		return nil
	}
	now := time.Now().UTC()
	_, err := d.insertCols(ctx, target, rejectColumns, func(add AppendFunc) error {
		for _, r := range rows {
			if err := add(batchID, table, source, r.Line, r.Column, r.Value, r.Reason, now); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

var rejectColumns = []string{"batch_id", "table_name", "source", "line", "column_name", "value", "reason", "rejected_at"}

// ExportFilter selects the rows an export writes; empty fields select all.
type ExportFilter struct {
	LeaIDs      []string
	SchoolYears []uint16
	StateCode   string
}

// exportSpec is a table's export: the file's header (docs/formats.md) and
// the SQL expression of each column, as text.
type exportSpec struct {
	table   string
	header  []string
	exprs   []string
	yearCol string // column the school-year filter applies to ("" for none)
	order   string
}

var exportSpecs = map[string]exportSpec{
	TableStaffAssignments: {
		table: TableStaffAssignments,
		header: []string{"school_year", "lea_id", "school_id", "staff_key", "role_code", "title", "fte", "gender",
			"hispanic_latino", "race"},
		exprs: []string{"toString(school_year)", "lea_id", "school_id", "toString(staff_key)", "role_code", "title", "toString(fte)", "toString(gender)", "toString(hispanic_answer)",
			"arrayStringConcat(race_answers, ';')"},
		yearCol: "school_year",
		order:   "school_year, lea_id, school_id, role_code, staff_key",
	},
	TableEnrollment: {
		table:   TableEnrollment,
		header:  []string{"school_year", "lea_id", "school_id", "ethnicity", "ell", "students"},
		exprs:   []string{"toString(school_year)", "lea_id", "school_id", "toString(ethnicity)", "toString(ell)", "toString(students)"},
		yearCol: "school_year",
		order:   "school_year, lea_id, school_id, ethnicity, ell",
	},
	TableMembers: {
		table:  TableMembers,
		header: []string{"member_id", "lea_id", "staff_key", "joined_on", "left_on"},
		exprs: []string{"member_id", "lea_id", "if(staff_key = 0, '', toString(staff_key))", "toString(joined_on)",
			"ifNull(toString(left_on), '')"},
		order: "member_id",
	},
	TableMemberEvents: {
		table:   TableMemberEvents,
		header:  []string{"member_id", "event_date", "event_type", "role_code", "lea_id", "detail"},
		exprs:   []string{"member_id", "toString(event_date)", "toString(event_type)", "role_code", "lea_id", "detail"},
		yearCol: "toYear(event_date)",
		order:   "member_id, event_date, event_type",
	},
}

// ExportHeader returns the file header of an exportable table.
func ExportHeader(table string) ([]string, error) {
	s, ok := exportSpecs[table]
	if !ok {
		return nil, fmt.Errorf("warehouse: %q cannot be exported", table)
	}
	return s.header, nil
}

// Export streams the rows of table selected by f, each as the text of the
// file's columns (ExportHeader), in a stable order. It runs under the
// maintenance cap: a national export takes minutes.
func (d *DB) Export(ctx context.Context, table string, f ExportFilter, each func(record []string) error) error {
	s, ok := exportSpecs[table]
	if !ok {
		return fmt.Errorf("warehouse: %q cannot be exported", table)
	}
	conds := []string{"{live}"}
	var args []any
	if len(f.LeaIDs) > 0 {
		conds, args = append(conds, inList("lea_id")), append(args, f.LeaIDs)
	}
	if len(f.SchoolYears) > 0 && s.yearCol != "" {
		conds, args = append(conds, s.yearCol+" IN (SELECT arrayJoin(?))"), append(args, f.SchoolYears)
	}
	if f.StateCode != "" {
		if table == TableMemberEvents {
			conds = append(conds, "lea_id IN (SELECT lea_id FROM "+d.table(TableDistricts)+" WHERE state_code = ?)")
		} else {
			conds = append(conds, "state_code = ?")
		}
		args = append(args, f.StateCode)
	}
	sql := "SELECT " + strings.Join(s.exprs, ", ") + " FROM " + d.table(s.table)
	if table == TableMembers {
		sql += " FINAL"
	}
	sql += " WHERE " + strings.Join(conds, " AND ")
	sql += " ORDER BY " + s.order
	if err := d.checkScope(ctx, "export."+table, sql); err != nil {
		return err // before anything is sent
	}
	// One snapshot for the whole export, pinned: the janitor keeps it while
	// the export runs, however long.
	snap, err := d.SnapshotFor(ctx)
	if err != nil {
		return err
	}
	pin, err := d.hold(ctx, fmt.Sprintf("pin:%d", snap.Version()), "export "+table)
	if err != nil {
		return err
	}
	defer pin.release(ctx)
	sql = strings.Replace(sql, "{live}", snap.Live(table), 1)
	rows, err := d.queryCapped(ctx, d.cfg.MaintenanceTime, "export."+table, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	rec := make([]string, len(s.exprs))
	ptrs := make([]any, len(rec))
	for i := range rec {
		ptrs[i] = &rec[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := each(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}
