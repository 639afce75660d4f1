package warehouse

import (
	"context"
	"fmt"
)

// Level is a place in the geography: it picks the column that identifies an
// entity in the rollups. Only these constants reach SQL.
type Level string

const (
	LevelState    Level = "state"
	LevelDistrict Level = "district"
	LevelSchool   Level = "school"
)

func (l Level) column() (string, error) {
	switch l {
	case LevelState:
		return "state_code", nil
	case LevelDistrict:
		return "lea_id", nil
	case LevelSchool:
		return "school_id", nil
	}
	return "", fmt.Errorf("warehouse: unknown level %q", l)
}

// Tiers a leader can count at.
var Tiers = []string{"school", "district", "state"}

// LeadershipQuery asks for leadership series of several entities of one level.
type LeadershipQuery struct {
	Level    Level
	IDs      []string
	From, To int    // school years, inclusive
	Tier     string // "" for all tiers
}

// LeadershipCounts are one entity's leaders in one school year.
type LeadershipCounts struct {
	Year int
	// Leaders counts people whose highest post that year is a leader post.
	Leaders int64
	// Latino counts those with ethnicity hispanic_latino.
	Latino int64
	// Known counts those whose ethnicity is known (the share's denominator).
	Known int64
}

// Leadership returns, per entity id, its counts for each school year in
// [From, To] that has data for it, from the leadership rollup: one query for
// any number of entities.
func (d *DB) Leadership(ctx context.Context, q LeadershipQuery) (map[string][]LeadershipCounts, error) {
	col, err := q.Level.column()
	if err != nil {
		return nil, err
	}
	if len(q.IDs) == 0 {
		return map[string][]LeadershipCounts{}, nil
	}
	tierCond, args := "1", []any{q.IDs, q.From, q.To}
	if q.Tier != "" {
		tierCond = "tier = ?"
		args = append(args, q.Tier)
	}
	rows, err := d.query(ctx, "leadership."+string(q.Level), "SELECT "+col+", school_year, toInt64(sum(people)), "+
		"toInt64(sumIf(people, ethnicity = 'hispanic_latino')), toInt64(sumIf(people, ethnicity != 'unknown')) FROM "+
		d.table("leadership_rollup")+" WHERE is_leader = 1 AND "+inList(col)+" AND school_year BETWEEN ? AND ? AND "+
		tierCond+" GROUP BY "+col+", school_year ORDER BY "+col+", school_year", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]LeadershipCounts{}
	for rows.Next() {
		var id string
		var year uint16
		var c LeadershipCounts
		if err := rows.Scan(&id, &year, &c.Leaders, &c.Latino, &c.Known); err != nil {
			return nil, err
		}
		c.Year = int(year)
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// DataYears returns the first and last school year with staffing data, or
// ok=false on an empty warehouse.
func (d *DB) DataYears(ctx context.Context) (first, last int, ok bool, err error) {
	rows, err := d.query(ctx, "data_years", "SELECT min(school_year), max(school_year), count() FROM "+d.table("leadership_rollup"))
	if err != nil {
		return 0, 0, false, err
	}
	defer rows.Close()
	var lo, hi uint16
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&lo, &hi, &n); err != nil {
			return 0, 0, false, err
		}
	}
	return int(lo), int(hi), n > 0, rows.Err()
}
