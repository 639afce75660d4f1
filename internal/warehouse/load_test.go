package warehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// staffValues is one staff_assignments row in column order.
func staffValues(r staffRow, state string) []any {
	return []any{r.year, state, r.lea, r.sch, r.key, r.role, r.eth, "female", r.fte, "unknown", []string{}, r.role, "load-test",
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// loadFixture: Utah districts 4900001 (A) and 4900002 (B) in 2022-2023, and
// New Mexico 3500001 (C) in 2023.
func loadFixture(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertStaff(t, db, []staffRow{
		{2023, "4900001", "490000100001", 1, "principal", "white", 1},
		{2023, "4900001", "490000100001", 2, "teacher", "hispanic_latino", 1},
		{2023, "4900002", "490000200001", 3, "principal", "hispanic_latino", 1},
		{2022, "4900001", "490000100001", 4, "principal", "white", 1},
	})
	_, err := db.Insert(context.Background(), warehouse.TableStaffAssignments, func(add warehouse.AppendFunc) error {
		return add(staffValues(staffRow{2023, "3500001", "350000100001", 5, "principal", "white", 1}, "NM")...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RebuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

func load(t *testing.T, db *warehouse.DB, batch string, rows []staffRow) *warehouse.Load {
	t.Helper()
	ctx := context.Background()
	l, err := db.BeginLoad(ctx, warehouse.TableStaffAssignments, batch, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Insert(ctx, func(add warehouse.AppendFunc) error {
		for _, r := range rows {
			if err := add(staffValues(r, "UT")...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return l
}

// keysByDistrictYear lists "year lea key" for every staff row, by plain SQL.
func keysByDistrictYear(t *testing.T, db *warehouse.DB) []string {
	return strings(t, db)("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(staff_key)) FROM " + db.Database() +
		".staff_assignments ORDER BY school_year, lea_id, staff_key")
}

// rollupMatchesFacts checks the leadership rollup against a fresh count
// from the facts (each person once a year at the highest post).
func rollupMatchesFacts(t *testing.T, db *warehouse.DB) {
	t.Helper()
	q := strings(t, db)
	rollup := q("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(sum(people))) FROM " + db.Database() +
		".leadership_rollup GROUP BY school_year, lea_id ORDER BY school_year, lea_id")
	facts := q("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(count())) FROM (SELECT school_year, staff_key, " +
		"argMax(lea_id, indexOf(['teacher', 'teacher_leader', 'assistant_principal', 'principal'], role_code)) AS lea FROM " +
		db.Database() + ".staff_assignments GROUP BY school_year, staff_key) GROUP BY school_year, lea AS lea_id ORDER BY school_year, lea_id")
	if len(rollup) != len(facts) {
		t.Fatalf("rollup %q\nfacts  %q", rollup, facts)
	}
	for i := range rollup {
		if rollup[i] != facts[i] {
			t.Fatalf("rollup %q\nfacts  %q", rollup, facts)
		}
	}
}

func TestLoadReplacesOnlyItsDistrictYears(t *testing.T) {
	ctx := context.Background()
	db := loadFixture(t)
	corrected := []staffRow{
		{2023, "4900001", "490000100001", 10, "principal", "hispanic_latino", 1},
		{2023, "4900001", "490000100001", 11, "assistant_principal", "white", 1},
		{2023, "4900001", "490000100002", 12, "teacher", "white", 1},
	}
	if err := load(t, db, "batch-1", corrected).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"2022 4900001 4", "2023 3500001 5", "2023 4900001 10", "2023 4900001 11", "2023 4900001 12", "2023 4900002 3"}
	if got := keysByDistrictYear(t, db); !equal(got, want) {
		t.Fatalf("after load: %q\nwant %q", got, want)
	}
	rollupMatchesFacts(t, db)
	q := strings(t, db)
	if got := q("SELECT concat(toString(status), ' ', toString(rows)) FROM " + db.Database() + ".loads FINAL WHERE batch_id = 'batch-1'"); len(got) != 1 || got[0] != "done 3" {
		t.Fatalf("load log = %q", got)
	}
	if n := q("SELECT toString(count()) FROM system.tables WHERE database = ? AND name LIKE 'stage_%'", db.Database()); n[0] != "0" {
		t.Fatalf("%s staging tables left", n[0])
	}

	// The same file again: the same warehouse.
	if err := load(t, db, "batch-2", corrected).Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keysByDistrictYear(t, db); !equal(got, want) {
		t.Fatalf("after the same load twice: %q", got)
	}
	rollupMatchesFacts(t, db)
}

func TestAbortedAndAbandonedLoadsChangeNothing(t *testing.T) {
	ctx := context.Background()
	db := loadFixture(t)
	before := keysByDistrictYear(t, db)
	rows := []staffRow{{2023, "4900001", "490000100001", 99, "principal", "white", 1}}

	if err := load(t, db, "aborted", rows).Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keysByDistrictYear(t, db); !equal(got, before) {
		t.Fatalf("after abort: %q", got)
	}
	q := strings(t, db)
	if got := q("SELECT toString(status) FROM " + db.Database() + ".loads FINAL WHERE batch_id = 'aborted'"); len(got) != 1 || got[0] != "failed" {
		t.Fatalf("aborted load logged as %q", got)
	}

	// A load whose process dies after staging (no Commit, no Abort): the
	// warehouse is unchanged and the stage is cleaned up later.
	l := load(t, db, "killed", rows)
	if got := keysByDistrictYear(t, db); !equal(got, before) {
		t.Fatalf("staged rows visible before commit: %q", got)
	}
	dropped, err := db.DropStaleStages(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 1 || dropped[0] != l.Stage() {
		t.Fatalf("dropped %q, want [%s]", dropped, l.Stage())
	}
	rollupMatchesFacts(t, db)
}

func TestLoadRefusesTablesWithoutDistrictYears(t *testing.T) {
	db := whtest.NewDB(t)
	if _, err := db.BeginLoad(context.Background(), "goals", "x", "test"); err == nil {
		t.Fatal("goals accepted as a district-year load")
	}
}
