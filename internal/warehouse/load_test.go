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
	l, err := db.BeginLoad(ctx, warehouse.TableStaffAssignments, warehouse.LoadOptions{BatchID: batch, Source: "test", Force: true})
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
		".staff_assignments WHERE " + live(db, "staff_assignments") + " ORDER BY school_year, lea_id, staff_key")
}

// rollupMatchesFacts checks the leadership rollup against a fresh count
// from the facts (each person once a year at the highest post).
func rollupMatchesFacts(t *testing.T, db *warehouse.DB) {
	t.Helper()
	q := strings(t, db)
	rollup := q("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(sum(people))) FROM " + db.Database() +
		".leadership_rollup WHERE " + live(db, "leadership_rollup") + " GROUP BY school_year, lea_id ORDER BY school_year, lea_id")
	facts := q("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(count())) FROM (SELECT school_year, staff_key, " +
		"argMax(lea_id, indexOf(['teacher', 'teacher_leader', 'assistant_principal', 'principal'], role_code)) AS lea FROM " +
		db.Database() + ".staff_assignments WHERE " + live(db, "staff_assignments") + " GROUP BY school_year, staff_key) " +
		"GROUP BY school_year, lea AS lea_id ORDER BY school_year, lea_id")
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
	if _, err := load(t, db, "batch-1", corrected).Commit(ctx); err != nil {
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
	if _, err := load(t, db, "batch-2", corrected).Commit(ctx); err != nil {
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
	// warehouse is unchanged; the janitor drops its rows and marks it killed.
	l := load(t, db, "killed", rows)
	if got := keysByDistrictYear(t, db); !equal(got, before) {
		t.Fatalf("staged rows visible before commit: %q", got)
	}
	if n := partsOf(t, db, l.LoadNo()); n == 0 {
		t.Fatal("the staged rows are not on disk")
	}
	warehouse.AbandonForTest(ctx, l)
	rep, err := db.Clean(ctx, warehouse.CleanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Killed) != 1 || rep.Killed[0] != "killed" || rep.Unpublished == 0 {
		t.Fatalf("janitor: %+v, want the killed load found and its partitions dropped", rep)
	}
	if n := partsOf(t, db, l.LoadNo()); n != 0 {
		t.Fatalf("%d partitions of the dead load left", n)
	}
	if got := q("SELECT toString(status) FROM " + db.Database() + ".loads FINAL WHERE batch_id = 'killed'"); len(got) != 1 || got[0] != "killed" {
		t.Fatalf("dead load logged as %q", got)
	}
	rollupMatchesFacts(t, db)
}

// partsOf counts the partitions on disk of a load's generations.
func partsOf(t *testing.T, db *warehouse.DB, loadNo uint64) int {
	t.Helper()
	var n uint64
	if err := db.Conn().QueryRow(context.Background(), "SELECT count() FROM system.parts WHERE database = ? AND active AND "+
		"intDiv(toUInt64OrZero(replaceRegexpAll(partition, '^.*[,(]|[)]$', '')), 4096) = ?", db.Database(), loadNo).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestLoadRefusesOtherTables(t *testing.T) {
	db := whtest.NewDB(t)
	if _, err := db.BeginLoad(context.Background(), "goals", warehouse.LoadOptions{BatchID: "x"}); err == nil {
		t.Fatal("goals accepted as a load")
	}
}

// A load that dies after it built everything but before its journal entry
// published nothing: readers see the old rows, facts and rollups agree,
// and the janitor removes every partition it wrote.
func TestLoadKilledBeforePublishingLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db := loadFixture(t)
	before := keysByDistrictYear(t, db)
	v0, err := db.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l := load(t, db, "dies", []staffRow{
		{2022, "4900001", "490000100001", 20, "principal", "hispanic_latino", 1},
		{2023, "4900001", "490000100001", 21, "principal", "hispanic_latino", 1},
	})
	if err := warehouse.DieBeforePublishingForTest(ctx, l); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.DataVersion(ctx); v != v0 {
		t.Fatalf("data version %d after a load that published nothing, want %d", v, v0)
	}
	if got := keysByDistrictYear(t, db); !equal(got, before) {
		t.Fatalf("after dying before publishing: %q\nwant %q", got, before)
	}
	rollupMatchesFacts(t, db)
	if _, err := db.Clean(ctx, warehouse.CleanOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := partsOf(t, db, l.LoadNo()); n != 0 {
		t.Fatalf("%d partitions of the dead load left after the janitor", n)
	}
	if got := keysByDistrictYear(t, db); !equal(got, before) {
		t.Fatalf("after the janitor: %q", got)
	}
}

func TestMemberLoadsReplaceWholeMembers(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	loadAll := func(table string, rows [][]any) {
		t.Helper()
		l, err := db.BeginLoad(ctx, table, warehouse.LoadOptions{BatchID: "b", Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Insert(ctx, func(add warehouse.AppendFunc) error {
			for _, r := range rows {
				if err := add(r...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	event := func(id, date, typ string) []any { return []any{id, day(date), typ, "", "", "", "b", at} }
	member := func(id, lea string) []any {
		return []any{id, uint64(0), "UT", lea, day("2020-01-01"), (*time.Time)(nil), "b", at}
	}
	q := strings(t, db)
	events := func() []string {
		return q("SELECT concat(member_id, ' ', toString(event_date), ' ', toString(event_type)) FROM " + db.Database() +
			".member_events WHERE " + live(db, "member_events") + " ORDER BY member_id, event_date")
	}
	members := func() []string {
		return q("SELECT concat(member_id, ' ', lea_id) FROM " + db.Database() + ".members FINAL WHERE " + live(db, "members") + " ORDER BY member_id")
	}

	loadAll(warehouse.TableMemberEvents, [][]any{event("m1", "2022-09-01", "joined"), event("m1", "2023-03-01", "pd_completed"),
		event("m2", "2023-05-01", "joined")})
	// m1's corrected history has one event in 2024: its 2022 and 2023
	// events go, m2's stay. Twice: the same result.
	for range 2 {
		loadAll(warehouse.TableMemberEvents, [][]any{event("m1", "2024-01-10", "conference_attended")})
		want := []string{"m1 2024-01-10 conference_attended", "m2 2023-05-01 joined"}
		if got := events(); !equal(got, want) {
			t.Fatalf("events %q\nwant %q", got, want)
		}
	}

	loadAll(warehouse.TableMembers, [][]any{member("m1", "4900001"), member("m2", "4900002")})
	for range 2 {
		loadAll(warehouse.TableMembers, [][]any{member("m1", "4900360"), member("m3", "4900870")})
		want := []string{"m1 4900360", "m2 4900002", "m3 4900870"}
		if got := members(); !equal(got, want) {
			t.Fatalf("members %q\nwant %q", got, want)
		}
	}
	if n := q("SELECT toString(count()) FROM " + db.Database() + ".members WHERE " + live(db, "members")); n[0] != "3" {
		t.Fatalf("members holds %s rows before any merge, want 3", n[0])
	}
}
