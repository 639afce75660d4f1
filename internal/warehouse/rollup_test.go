package warehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

type staffRow struct {
	year      uint16
	lea, sch  string
	key       uint64
	role, eth string
	fte       float32
}

func insertStaff(t *testing.T, db *warehouse.DB, rows []staffRow) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	_, err := db.Insert(context.Background(), warehouse.TableStaffAssignments, func(add warehouse.AppendFunc) error {
		for _, r := range rows {
			if err := add(r.year, "UT", r.lea, r.sch, r.key, r.role, r.eth, "female", r.fte, "unknown", []string{}, r.role, "test", now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRollupCountsEachPersonOnceAtHighestRank(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	insertStaff(t, db, []staffRow{
		// Person 1 teaches half time and is assistant principal half time: one AP.
		{2023, "4900001", "490000100001", 1, "teacher", "hispanic_latino", 0.5},
		{2023, "4900001", "490000100001", 1, "assistant_principal", "hispanic_latino", 0.5},
		{2023, "4900001", "490000100001", 2, "principal", "white", 1},
		{2023, "4900001", "", 3, "superintendent", "unknown", 1},
		{2023, "4900001", "490000100002", 4, "teacher", "white", 1},
		{2024, "4900001", "490000100001", 1, "principal", "hispanic_latino", 1},
	})
	if err := db.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	q := strings(t, db)
	got := q("SELECT concat(toString(school_year), ' ', role_code, ' ', toString(ethnicity), ' ', toString(sum(people))) FROM " +
		db.Database() + ".leadership_rollup GROUP BY school_year, role_code, ethnicity ORDER BY school_year, role_code")
	want := []string{
		"2023 assistant_principal hispanic_latino 1",
		"2023 principal white 1",
		"2023 superintendent unknown 1",
		"2023 teacher white 1",
		"2024 principal hispanic_latino 1",
	}
	if len(got) != len(want) {
		t.Fatalf("rollup = %q\nwant %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("rollup = %q\nwant %q", got, want)
		}
	}
	// A rebuild of one year replaces it (no doubling) and leaves the other.
	if err := db.RebuildRollups(ctx, []uint16{2023}); err != nil {
		t.Fatal(err)
	}
	if n := q("SELECT toString(sum(people)) FROM " + db.Database() + ".leadership_rollup"); n[0] != "5" {
		t.Fatalf("people after a second rebuild = %s, want 5", n[0])
	}
	if n := q("SELECT toString(count()) FROM system.tables WHERE database = ? AND name LIKE 'stage_%'", db.Database()); n[0] != "0" {
		t.Fatalf("staging tables left behind: %s", n[0])
	}
}

// The person-year table keeps every column of each person's winning post,
// ids with leading zeros and state codes included (the rebuild packs them
// into numbers), and breaks ties by fte, then school id.
func TestPersonYearKeepsTheWinningPostExactly(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	now := time.Now().UTC().Truncate(time.Second)
	type row struct {
		state, lea, sch   string
		key               uint64
		role, eth, gender string
		fte               float32
	}
	rows := []row{
		{"AL", "0100005", "010000500870", 1, "teacher", "black", "male", 0.5},
		{"AL", "0100005", "010000500871", 1, "assistant_principal", "black", "male", 0.5}, // wins on rank
		{"AL", "0100005", "010000500870", 2, "teacher", "asian", "nonbinary", 0.4},
		{"AL", "0100005", "010000500871", 2, "teacher", "asian", "nonbinary", 0.6}, // wins on fte
		{"UT", "4900001", "490000100001", 3, "teacher", "white", "female", 0.5},
		{"UT", "4900001", "490000100002", 3, "teacher", "white", "female", 0.5}, // wins on school id
		{"UT", "4990000", "", 4, "state_leader", "hispanic_latino", "unknown", 1},
		{"NM", "3500060", "", 5, "superintendent", "two_or_more", "female", 1},
	}
	_, err := db.Insert(ctx, warehouse.TableStaffAssignments, func(add warehouse.AppendFunc) error {
		for _, r := range rows {
			if err := add(uint16(2023), r.state, r.lea, r.sch, r.key, r.role, r.eth, r.gender, r.fte, "unknown", []string{}, r.role, "test", now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got := strings(t, db)("SELECT concat(toString(staff_key), ' ', state_code, ' ', lea_id, ' ', school_id, ' ', role_code, ' ', toString(rank), ' ', " +
		"toString(tier), ' ', toString(is_leader), ' ', toString(ethnicity), ' ', toString(gender), ' ', toString(fte)) FROM " + db.Database() +
		".staff_person_year ORDER BY staff_key")
	want := []string{
		"1 AL 0100005 010000500871 assistant_principal 2 school 1 black male 1",
		"2 AL 0100005 010000500871 teacher 0 school 0 asian nonbinary 1",
		"3 UT 4900001 490000100002 teacher 0 school 0 white female 1",
		"4 UT 4990000  state_leader 7 state 1 hispanic_latino unknown 1",
		"5 NM 3500060  superintendent 6 district 1 two_or_more female 1",
	}
	if !equal(got, want) {
		t.Fatalf("staff_person_year\n%q\nwant\n%q", got, want)
	}
}

// The place rollups hold, per school and per district, the people of each
// rank (as arrays indexed by rank), their Latino and known-ethnicity counts,
// the students, and whether a school has a Latino school leader.
func TestPlaceRollupsFromPersonYearsAndEnrollment(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	insertStaff(t, db, []staffRow{
		// School 1: a Latino AP (who also teaches), a white principal, a teacher of unknown ethnicity.
		{2023, "4900001", "490000100001", 1, "teacher", "hispanic_latino", 0.5},
		{2023, "4900001", "490000100001", 1, "assistant_principal", "hispanic_latino", 0.5},
		{2023, "4900001", "490000100001", 2, "principal", "white", 1},
		{2023, "4900001", "490000100001", 3, "teacher", "unknown", 1},
		// School 2: a Latino teacher only (no Latino leader); district office: a superintendent.
		{2023, "4900001", "490000100002", 4, "teacher", "hispanic_latino", 1},
		{2023, "4900001", "", 5, "superintendent", "white", 1},
	})
	now := time.Now().UTC().Truncate(time.Second)
	if _, err := db.Insert(ctx, warehouse.TableEnrollment, func(add warehouse.AppendFunc) error {
		for _, e := range []struct {
			sch      string
			eth      string
			students uint32
		}{{"490000100001", "hispanic_latino", 30}, {"490000100001", "white", 60}, {"490000100001", "unknown", 10}, {"490000100002", "white", 5}} {
			if err := add(uint16(2023), "UT", "4900001", e.sch, e.eth, uint8(0), e.students, "test", now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
	q := strings(t, db)
	got := q("SELECT concat(school_id, ' ', toString(people), ' ', toString(latino), ' ', toString(known), ' ', toString(students), ' ', " +
		"toString(latino_students), ' ', toString(known_students), ' ', toString(schools), ' ', toString(schools_with_latino_leader)) FROM " +
		db.Database() + ".place_rollup ORDER BY school_id")
	// Ranks: teacher 0, teacher_leader 1, AP 2, principal 3, district_leader 4, asst sup 5, sup 6, state 7.
	want := []string{
		" [0,0,0,0,0,0,1,0] [0,0,0,0,0,0,0,0] [0,0,0,0,0,0,1,0] 0 0 0 0 0",
		"490000100001 [1,0,1,1,0,0,0,0] [0,0,1,0,0,0,0,0] [0,0,1,1,0,0,0,0] 100 30 90 1 1",
		"490000100002 [1,0,0,0,0,0,0,0] [1,0,0,0,0,0,0,0] [1,0,0,0,0,0,0,0] 5 0 5 1 0",
	}
	if len(got) != len(want) {
		t.Fatalf("place_rollup = %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("place_rollup row %d = %q, want %q", i, got[i], want[i])
		}
	}
	got = q("SELECT concat(lea_id, ' ', toString(people), ' ', toString(latino), ' ', toString(students), ' ', toString(schools), ' ', " +
		"toString(schools_with_latino_leader)) FROM " + db.Database() + ".district_rollup")
	if len(got) != 1 || got[0] != "4900001 [2,0,1,1,0,0,1,0] [1,0,1,0,0,0,0,0] 105 2 1" {
		t.Errorf("district_rollup = %q", got)
	}
}

// A migration that adds a derived table fills it from the facts already
// loaded (here: 0009's versioned rollups, dropped and forgotten, then
// migrated again).
func TestMigrationAddingARollupFillsIt(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	insertStaff(t, db, []staffRow{
		{2022, "4900001", "490000100001", 1, "principal", "hispanic_latino", 1},
		{2023, "4900001", "490000100001", 1, "principal", "hispanic_latino", 1},
		{2023, "4900001", "490000100001", 2, "teacher", "white", 1},
	})
	for _, sql := range []string{"DROP TABLE " + db.Database() + ".place_rollup", "DROP TABLE " + db.Database() + ".district_rollup",
		"ALTER TABLE " + db.Database() + ".schema_migrations DELETE WHERE version = 9"} {
		if err := db.Conn().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// The mutation is asynchronous on 18.16: wait until version 9 is gone.
	q := strings(t, db)
	for deadline := time.Now().Add(10 * time.Second); q("SELECT toString(count()) FROM " + db.Database() + ".schema_migrations WHERE version = 9")[0] != "0"; {
		if time.Now().After(deadline) {
			t.Fatal("schema_migrations still records 0009")
		}
		time.Sleep(50 * time.Millisecond)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != 1 || applied[0].Version != 9 {
		t.Fatalf("applied %+v, want 0009 alone", applied)
	}
	got := q("SELECT concat(toString(school_year), ' ', toString(people)) FROM " + db.Database() + ".district_rollup WHERE " +
		live(db, "district_rollup") + " ORDER BY school_year")
	if len(got) != 2 || got[0] != "2022 [0,0,0,1,0,0,0,0]" || got[1] != "2023 [1,0,0,1,0,0,0,0]" {
		t.Fatalf("district_rollup after migrating = %q", got)
	}
}
