package warehouse

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
)

// Goal is a board goal: a catalog measure over a scope (a state, a district
// or a school), optionally only leaders of one tier, from a baseline school
// year and value to a target school year and value.
type Goal struct {
	ID      string
	Title   string
	Measure string // catalog measure name, e.g. latino_leaders
	Scope   string // state, district, school
	ScopeID string // state code, lea_id or school_id, by Scope
	Tier    string // '' (all) or school, district, state
	// School years are named by their fall year (2015 is 2015-16).
	BaselineYear  int
	BaselineValue float64
	TargetYear    int
	TargetValue   float64
	Archived      bool
	// CreatedAt and UpdatedAt are stored to the second, in UTC.
	CreatedAt, UpdatedAt time.Time
}

// Goal scopes: the values of goals.scope.
const (
	ScopeState    = "state"
	ScopeDistrict = "district"
	ScopeSchool   = "school"
)

const goalsCols = "goal_id, title, measure, toString(scope), scope_id, tier, baseline_year, baseline_value, " +
	"target_year, target_value, archived, created_at, updated_at"

// ListGoals lists the goals (the latest version of each), oldest first, then
// by id; archived ones only when includeArchived.
func (d *DB) ListGoals(ctx context.Context, includeArchived bool) ([]Goal, error) {
	where := "WHERE archived = 0"
	if includeArchived {
		where = ""
	}
	return d.goals(ctx, "goals.list", where+" ORDER BY created_at, goal_id")
}

// GoalByID returns the goal with this id, or an apperr NotFound.
func (d *DB) GoalByID(ctx context.Context, id string) (Goal, error) {
	gs, err := d.goals(ctx, "goals.get", "WHERE goal_id = ?", id)
	if err != nil {
		return Goal{}, err
	}
	if len(gs) == 0 {
		return Goal{}, apperr.Errorf(apperr.NotFound, "no goal with id %q", clipText(id))
	}
	return gs[0], nil
}

func (d *DB) goals(ctx context.Context, name, tail string, args ...any) ([]Goal, error) {
	var out []Goal
	err := d.scanAll(ctx, name, func(rows driver.Rows) error {
		var g Goal
		var by, ty uint16
		var archived uint8
		if err := rows.Scan(&g.ID, &g.Title, &g.Measure, &g.Scope, &g.ScopeID, &g.Tier, &by, &g.BaselineValue,
			&ty, &g.TargetValue, &archived, &g.CreatedAt, &g.UpdatedAt); err != nil {
			return err
		}
		g.BaselineYear, g.TargetYear, g.Archived = int(by), int(ty), archived == 1
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
		out = append(out, g)
		return nil
	}, "SELECT "+goalsCols+" FROM "+d.scoped(ctx, TableGoals)+" "+tail, args...)
	return out, err
}

// SaveGoal writes g as the goal's new version (a new goal when its id is
// new). Its version is the clock in nanoseconds, and always above the
// goal's stored version, so the newest write wins under FINAL even when
// clocks of two camino processes disagree. The caller sets the timestamps
// (zero ones become now); they are stored to the second. The caller has
// validated g: the table's types still refuse what does not fit (a year
// beyond UInt16, an unknown scope).
func (d *DB) SaveGoal(ctx context.Context, g Goal) error {
	now := time.Now().UTC()
	if g.CreatedAt.IsZero() {
		g.CreatedAt = now
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = now
	}
	if g.BaselineYear < 0 || g.BaselineYear > 65535 || g.TargetYear < 0 || g.TargetYear > 65535 {
		return apperr.Errorf(apperr.Invalid, "goal years must be school years (got %d and %d)", g.BaselineYear, g.TargetYear)
	}
	var archived uint8
	if g.Archived {
		archived = 1
	}
	// INSERT ... SELECT, not VALUES: over the native protocol 18.16 waits
	// for data blocks after INSERT ... VALUES.
	return d.exec(ctx, "goals.save", "INSERT INTO "+d.table(TableGoals)+
		" (goal_id, title, measure, scope, scope_id, tier, baseline_year, baseline_value, target_year, target_value,"+
		" archived, created_at, updated_at, version)"+
		" SELECT ?, ?, ?, ?, ?, ?, toUInt16(?), toFloat64(?), toUInt16(?), toFloat64(?), toUInt8(?), ?, ?,"+
		" greatest(toUInt64(?), (SELECT max(version) + 1 FROM "+d.table(TableGoals)+" WHERE goal_id = ?))",
		g.ID, g.Title, g.Measure, g.Scope, g.ScopeID, g.Tier, uint16(g.BaselineYear), g.BaselineValue,
		uint16(g.TargetYear), g.TargetValue, archived, g.CreatedAt.UTC(), g.UpdatedAt.UTC(),
		uint64(now.UnixNano()), g.ID)
}

// ScopeExists reports whether a goal's scope exists: a state code in
// states, an lea_id in districts, a school_id in schools. An unknown scope
// kind is an apperr Invalid.
func (d *DB) ScopeExists(ctx context.Context, scope, id string) (bool, error) {
	var table, col string
	switch scope {
	case ScopeState:
		table, col = TableStates, "state_code"
	case ScopeDistrict:
		table, col = TableDistricts, "lea_id"
	case ScopeSchool:
		table, col = TableSchools, "school_id"
	default:
		return false, apperr.Errorf(apperr.Invalid, "scope: %q is not one of state, district, school", clipText(scope))
	}
	var n uint64
	err := d.scanAll(ctx, "goals.scope_exists", func(rows driver.Rows) error { return rows.Scan(&n) },
		"SELECT count() FROM "+d.table(table)+" WHERE "+col+" = ?", id)
	return n > 0, err
}

// clipText shortens a caller's text for an error message.
func clipText(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
