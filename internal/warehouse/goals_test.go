package warehouse_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

func TestGoalSaveReadUpdateArchive(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	q := strings(t, db)

	if gs, err := db.ListGoals(ctx, true); err != nil || len(gs) != 0 {
		t.Fatalf("empty table: %v, %v", gs, err)
	}
	if _, err := db.GoalByID(ctx, "goal-nope"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("missing goal: err %v, want not_found", err)
	}

	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	// A title that would break SQL if it were not bound.
	g := warehouse.Goal{ID: "goal-a", Title: `Líderes "latinos" d'Utah'); DROP TABLE goals; --`, Measure: "latino_leaders",
		Scope: "district", ScopeID: "4900001", Tier: "school", BaselineYear: 2016, BaselineValue: 12.5,
		TargetYear: 2030, TargetValue: 80, CreatedAt: created, UpdatedAt: created}
	if err := db.SaveGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, err := db.GoalByID(ctx, "goal-a")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, g)
	}
	// What is stored, read with plain SQL.
	row := q("SELECT concat(title, '|', measure, '|', toString(scope), '|', scope_id, '|', tier, '|', toString(baseline_year), '|', "+
		"toString(baseline_value), '|', toString(target_year), '|', toString(target_value), '|', toString(archived), '|', "+
		"toString(created_at, 'UTC')) FROM "+db.Database()+".goals FINAL WHERE goal_id = ?", "goal-a")
	want := g.Title + "|latino_leaders|district|4900001|school|2016|12.5|2030|80|0|2020-01-02 03:04:05"
	if len(row) != 1 || row[0] != want {
		t.Fatalf("stored row %q\nwant %q", row, want)
	}

	// A second goal, created later, archived from the start.
	later := created.Add(time.Hour)
	b := warehouse.Goal{ID: "goal-b", Title: "Members", Measure: "members", Scope: "state", ScopeID: "UT",
		BaselineYear: 2015, BaselineValue: 100, TargetYear: 2025, TargetValue: 500, Archived: true, CreatedAt: later, UpdatedAt: later}
	if err := db.SaveGoal(ctx, b); err != nil {
		t.Fatal(err)
	}
	ids := func(include bool) []string {
		gs, err := db.ListGoals(ctx, include)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		return out
	}
	if got := ids(false); !reflect.DeepEqual(got, []string{"goal-a"}) {
		t.Fatalf("active goals = %v, want [goal-a]", got)
	}
	if got := ids(true); !reflect.DeepEqual(got, []string{"goal-a", "goal-b"}) {
		t.Fatalf("all goals = %v, want [goal-a goal-b] (by creation)", got)
	}

	// Update then archive goal-a: each save is a new version; the last wins.
	g.Title, g.TargetValue, g.UpdatedAt = "Latino school leaders", 90, created.Add(2*time.Hour)
	if err := db.SaveGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	g.Archived, g.UpdatedAt = true, created.Add(3*time.Hour)
	if err := db.SaveGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GoalByID(ctx, "goal-a"); err != nil || !reflect.DeepEqual(got, g) {
		t.Fatalf("after update+archive: %+v (%v)\nwant %+v", got, err, g)
	}
	if got := ids(false); len(got) != 0 {
		t.Fatalf("active goals after archiving = %v, want none", got)
	}
	versions := q("SELECT toString(version) FROM "+db.Database()+".goals WHERE goal_id = ? ORDER BY version", "goal-a")
	if len(versions) != 3 || versions[0] == versions[1] || versions[1] == versions[2] {
		t.Fatalf("versions of goal-a = %v, want 3 distinct", versions)
	}
	titles := q("SELECT title FROM "+db.Database()+".goals WHERE goal_id = ? ORDER BY version", "goal-a")
	if titles[1] != "Latino school leaders" || titles[2] != "Latino school leaders" {
		t.Fatalf("titles by version = %q", titles)
	}
}

// A version written by a process whose clock runs far ahead must not win
// over a later save: the new version is above every stored one.
func TestGoalSaveVersionAboveStored(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const ahead = uint64(1) << 62 // year ≈2116 in nanoseconds
	insertRows(t, db, warehouse.TableGoals, []any{"goal-x", "old title", "members", "state", "UT", "", uint16(2015), 1.0,
		uint16(2030), 2.0, uint8(0), at, at, ahead})
	g, err := db.GoalByID(ctx, "goal-x")
	if err != nil || g.Title != "old title" {
		t.Fatalf("fixture: %+v %v", g, err)
	}
	g.Title = "new title"
	if err := db.SaveGoal(ctx, g); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GoalByID(ctx, "goal-x"); err != nil || got.Title != "new title" {
		t.Fatalf("after save: %+v %v, want the new title", got, err)
	}
	v := strings(t, db)("SELECT toString(max(version)) FROM "+db.Database()+".goals WHERE goal_id = ?", "goal-x")
	if v[0] != "4611686018427387905" { // 2^62 + 1
		t.Fatalf("new version = %s, want 2^62 + 1", v[0])
	}
}

func TestGoalScopeExists(t *testing.T) {
	ctx := context.Background()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, []any{"UT", "49", "Utah", uint8(0)})
	insertRows(t, db, warehouse.TableDistricts, []any{"4900001", "UT", "Alpha", "regular", "suburb", uint8(1)})
	insertRows(t, db, warehouse.TableSchools,
		[]any{"490000100001", "4900001", "UT", "Alpha Elementary", "elementary", uint8(0), uint8(1), uint8(1)})
	for _, c := range []struct {
		scope, id string
		want      bool
	}{
		{"state", "UT", true}, {"state", "NM", false}, {"state", "4900001", false},
		{"district", "4900001", true}, {"district", "4900002", false}, {"district", "UT", false},
		{"school", "490000100001", true}, {"school", "490000100002", false}, {"school", "4900001", false},
		{"district", "' OR 1 = 1 --", false},
	} {
		got, err := db.ScopeExists(ctx, c.scope, c.id)
		if err != nil || got != c.want {
			t.Errorf("ScopeExists(%s, %q) = %v, %v; want %v", c.scope, c.id, got, err, c.want)
		}
	}
	if _, err := db.ScopeExists(ctx, "county", "x"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("unknown scope kind: err %v, want invalid", err)
	}
}
