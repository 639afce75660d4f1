package warehouse_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// scopedDB holds two Utah districts with a school and a goal each, and a
// state goal.
func scopedDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	ctx := context.Background()
	insertRows(t, db, warehouse.TableDistricts, []any{"4900001", "UT", "Alpha", "regular", "city", uint8(1)},
		[]any{"4900002", "UT", "Bravo", "regular", "city", uint8(1)})
	insertRows(t, db, warehouse.TableSchools, []any{"490000100001", "4900001", "UT", "Alpha School", "high", uint8(0), uint8(0), uint8(1)},
		[]any{"490000200001", "4900002", "UT", "Bravo School", "high", uint8(0), uint8(0), uint8(1)})
	for _, g := range []warehouse.Goal{
		{ID: "goal-a", Title: "A", Measure: "leaders", Scope: warehouse.ScopeDistrict, ScopeID: "4900001", BaselineYear: 2020, TargetYear: 2030},
		{ID: "goal-b", Title: "B", Measure: "leaders", Scope: warehouse.ScopeDistrict, ScopeID: "4900002", BaselineYear: 2020, TargetYear: 2030},
		{ID: "goal-bs", Title: "B school", Measure: "leaders", Scope: warehouse.ScopeSchool, ScopeID: "490000200001", BaselineYear: 2020, TargetYear: 2030},
		{ID: "goal-as", Title: "A school", Measure: "leaders", Scope: warehouse.ScopeSchool, ScopeID: "490000100001", BaselineYear: 2020, TargetYear: 2030},
		{ID: "goal-ut", Title: "Utah", Measure: "leaders", Scope: warehouse.ScopeState, ScopeID: "UT", BaselineYear: 2020, TargetYear: 2030},
		{ID: "goal-nm", Title: "New Mexico", Measure: "leaders", Scope: warehouse.ScopeState, ScopeID: "NM", BaselineYear: 2020, TargetYear: 2030},
	} {
		if err := db.SaveGoal(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func partner(districts ...string) context.Context {
	return scope.With(context.Background(), scope.Scope{Districts: districts, States: []string{"UT"}})
}

// TestScopedReadsSeeOnlyTheirDistricts: every list and lookup of the
// warehouse reads, under a partner's scope, its districts, their schools
// and the goals of those and of its states — by id, by search, by page.
func TestScopedReadsSeeOnlyTheirDistricts(t *testing.T) {
	db := scopedDB(t)
	ctx := partner("4900001")
	ds, err := db.DistrictsByID(ctx, []string{"4900001", "4900002"})
	if err != nil || len(ds) != 1 || ds[0].ID != "4900001" {
		t.Fatalf("districts by id: %+v %v", ds, err)
	}
	page, err := db.Districts(ctx, warehouse.DistrictFilter{Search: "o"}, nil, 10)
	if err != nil || len(page) != 0 {
		t.Fatalf("search 'o' (Bravo only): %+v %v", page, err)
	}
	per, err := db.DistrictsPerState(ctx, warehouse.DistrictFilter{StateCodes: []string{"UT"}}, nil, 10)
	if err != nil || len(per["UT"]) != 1 || per["UT"][0].ID != "4900001" {
		t.Fatalf("districts of UT: %+v %v", per, err)
	}
	n, err := db.CountDistricts(ctx, warehouse.DistrictFilter{})
	if err != nil || n[""] != 1 {
		t.Fatalf("count: %v %v", n, err)
	}
	ss, err := db.SchoolsByID(ctx, []string{"490000100001", "490000200001"})
	if err != nil || len(ss) != 1 || ss[0].ID != "490000100001" {
		t.Fatalf("schools by id: %+v %v", ss, err)
	}
	sp, err := db.SchoolsPerDistrict(ctx, []string{"4900001", "4900002"}, nil, 10)
	if err != nil || len(sp["4900002"]) != 0 || len(sp["4900001"]) != 1 {
		t.Fatalf("schools per district: %+v %v", sp, err)
	}
	sc, err := db.CountSchools(ctx, []string{"4900002"})
	if err != nil || sc["4900002"] != 0 {
		t.Fatalf("count schools of Bravo: %v %v", sc, err)
	}
	gs, err := db.ListGoals(ctx, true)
	var ids []string
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	if err != nil || fmt.Sprint(ids) != "[goal-a goal-as goal-ut]" {
		t.Fatalf("goals: %v %v", ids, err)
	}
	if _, err := db.GoalByID(ctx, "goal-b"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("Bravo's goal by id: %v", err)
	}
	// An empty scope reads nothing; no scope (the CLI) reads everything.
	none := scope.With(context.Background(), scope.Scope{Districts: []string{}})
	if all, err := db.Districts(none, warehouse.DistrictFilter{}, nil, 10); err != nil || len(all) != 0 {
		t.Fatalf("empty scope: %+v %v", all, err)
	}
	if all, err := db.Districts(context.Background(), warehouse.DistrictFilter{}, nil, 10); err != nil || len(all) != 2 {
		t.Fatalf("no scope: %+v %v", all, err)
	}
}

// TestAQueryThatForgetsTheScopeFailsClosed: a warehouse method that names a
// district-level table directly (the load directory, an export) is refused
// under a partner's scope before anything is sent to ClickHouse.
func TestAQueryThatForgetsTheScopeFailsClosed(t *testing.T) {
	db := scopedDB(t)
	ctx := partner("4900001")
	before := db.QueriesSent()
	if _, err := db.LoadDirectory(ctx); apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("load directory under a scope: %v, want an internal error", err)
	}
	err := db.Export(ctx, warehouse.TableStaffAssignments, warehouse.ExportFilter{}, func([]string) error { return nil })
	if apperr.CodeOf(err) != apperr.Internal {
		t.Fatalf("export under a scope: %v, want an internal error", err)
	}
	if sent := db.QueriesSent() - before; sent != 0 {
		t.Fatalf("%d queries sent", sent)
	}
	// Compiled SQL without the request's scope marker is refused too.
	_, err = db.Select(ctx, "metrics", "SELECT lea_id FROM "+db.Table("districts"), nil, func(driver.Rows) error { return nil })
	if apperr.CodeOf(err) != apperr.Internal || db.QueriesSent() != before {
		t.Fatalf("compiled query without the scope marker: %v", err)
	}
}
