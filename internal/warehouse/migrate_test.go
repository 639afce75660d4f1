package warehouse_test

import (
	"context"
	"sort"
	"sync"
	"testing"

	"github.com/camino-edu/camino/internal/whtest"
)

func TestMain(m *testing.M) { whtest.Main(m) }

// tablesOf lists the tables of the test database, straight from system.tables.
func tablesOf(t *testing.T, db interface {
	Database() string
}, q func(string, ...any) []string) []string {
	t.Helper()
	return q("SELECT name FROM system.tables WHERE database = ? ORDER BY name", db.Database())
}

func TestMigrateTwiceAppliesOnce(t *testing.T) {
	ctx := context.Background()
	db := whtest.OpenEmpty(t)
	first, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 10 {
		t.Fatalf("first run applied %d migrations, want all 10", len(first))
	}
	second, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != 0 {
		t.Fatalf("second run applied %d migrations, want 0", len(second))
	}
	q := strings(t, db)
	want := []string{"api_keys", "district_rollup", "districts", "enrollment", "goals", "leadership_rollup", "load_commits", "load_journal",
		"load_rejects", "loads", "member_events", "members", "moves_rollup", "place_rollup", "roles", "schema_migrations", "schools",
		"sessions", "spell_rollup", "staff_assignments", "staff_person_year", "states", "warehouse_leases"}
	got := tablesOf(t, db, q)
	if !equal(got, want) {
		t.Fatalf("tables = %v\nwant %v", got, want)
	}
	// The role ladder is seeded once, whatever the number of runs.
	if n := q("SELECT toString(count()) FROM " + db.Database() + ".roles FINAL"); n[0] != "8" {
		t.Fatalf("roles = %s, want 8", n[0])
	}
	status, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range status {
		if !s.Applied || s.Modified {
			t.Fatalf("migration %d: applied=%v modified=%v", s.Version, s.Applied, s.Modified)
		}
	}
}

func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	name := whtest.OpenEmpty(t).Database()
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		db := whtest.Open(t, name)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = db.Migrate(ctx)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrator %d: %v", i, err)
		}
	}
	db := whtest.Open(t, name)
	q := strings(t, db)
	if got := q("SELECT toString(uniqExact(version)) FROM " + name + ".schema_migrations"); got[0] != "10" {
		t.Fatalf("recorded versions = %s, want 10", got[0])
	}
	if got := q("SELECT toString(count()) FROM " + name + ".roles FINAL"); got[0] != "8" {
		t.Fatalf("roles = %s, want 8", got[0])
	}
	// After every concurrent run, nothing is left to apply.
	if again, err := db.Migrate(ctx); err != nil || len(again) != 0 {
		t.Fatalf("re-run applied %d, err %v", len(again), err)
	}
}

func equal(a, b []string) bool {
	sort.Strings(a)
	sort.Strings(b)
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
