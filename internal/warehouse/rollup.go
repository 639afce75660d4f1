package warehouse

import (
	"context"
	"fmt"
	"strings"
)

// rollupTables are derived from staff_assignments, in build order.
var rollupTables = []string{"staff_person_year", "leadership_rollup"}

// personYearSQL picks each person's highest ranked post of the year (ties:
// larger fte, then school id) from staff_assignments. {src} and {dst} are
// replaced with qualified table names chosen in Go.
const personYearSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, staff_key, role_code, rank, tier,
    is_leader, ethnicity, gender, fte)
SELECT school_year, k.1, k.2, k.3, staff_key, k.4, toInt8(k.5), k.6, toUInt8(k.7), eth, gen, total_fte
FROM (
    SELECT school_year, staff_key,
        argMax((state_code, lea_id, school_id, role_code, rank, tier, is_leader), (rank, fte, school_id)) AS k,
        argMax(ethnicity, (rank, fte, school_id)) AS eth,
        argMax(gender, (rank, fte, school_id)) AS gen,
        toFloat32(sum(fte)) AS total_fte
    FROM (
        SELECT school_year, staff_key, state_code, lea_id, school_id, role_code, ethnicity, gender, fte
        FROM {src}
        WHERE school_year = ?
    )
    ANY INNER JOIN (SELECT role_code, rank, toString(tier) AS tier, is_leader FROM {roles} FINAL) USING role_code
    GROUP BY school_year, staff_key
)`

const leadershipRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, role_code, rank, tier,
    is_leader, ethnicity, gender, people)
SELECT school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender, toUInt32(count())
FROM {src}
WHERE school_year = ?
GROUP BY school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender`

// RebuildRollups recomputes the derived tables for the given school years
// (all years with facts when years is empty) and swaps each year in with
// REPLACE PARTITION, so readers see the old year or the new, never a mix.
func (d *DB) RebuildRollups(ctx context.Context, years []uint16) error {
	if len(years) == 0 {
		var err error
		if years, err = d.FactYears(ctx); err != nil {
			return err
		}
	}
	suffix := NewID()[:8]
	stage := map[string]string{}
	for _, t := range rollupTables {
		stage[t] = "stage_" + t + "_" + suffix
		if err := d.exec(ctx, "rollup.stage", "CREATE TABLE "+d.table(stage[t])+" AS "+d.table(t)); err != nil {
			return err
		}
	}
	defer func() {
		for _, s := range stage {
			_ = d.exec(context.WithoutCancel(ctx), "rollup.unstage", "DROP TABLE IF EXISTS "+d.table(s))
		}
	}()
	for _, y := range years {
		for _, t := range rollupTables {
			if err := d.exec(ctx, "rollup.clear_stage", "TRUNCATE TABLE "+d.table(stage[t])); err != nil {
				return err
			}
		}
		// Person-years come from the facts; the leadership rollup from them.
		builds := []struct{ table, sql, src string }{
			{"staff_person_year", personYearSQL, d.table(TableStaffAssignments)},
			{"leadership_rollup", leadershipRollupSQL, d.table(stage["staff_person_year"])},
		}
		for _, b := range builds {
			sql := strings.NewReplacer("{dst}", d.table(stage[b.table]), "{src}", b.src, "{roles}", d.table("roles")).Replace(b.sql)
			// Minutes per year at national scale: the maintenance cap applies.
			if err := d.maintain(ctx, "rollup.build."+b.table, sql, y); err != nil {
				return fmt.Errorf("rebuilding %s for %d: %w", b.table, y, err)
			}
		}
		for _, t := range rollupTables {
			if err := d.exec(ctx, "rollup.swap."+t, fmt.Sprintf("ALTER TABLE %s REPLACE PARTITION %d FROM %s",
				d.table(t), y, d.table(stage[t]))); err != nil {
				return fmt.Errorf("swapping %s for %d: %w", t, y, err)
			}
		}
	}
	return nil
}

// FactYears lists the school years present in staff_assignments.
func (d *DB) FactYears(ctx context.Context) ([]uint16, error) {
	rows, err := d.query(ctx, "fact_years", "SELECT DISTINCT school_year FROM "+d.table(TableStaffAssignments)+" ORDER BY school_year")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint16
	for rows.Next() {
		var y uint16
		if err := rows.Scan(&y); err != nil {
			return nil, err
		}
		out = append(out, y)
	}
	return out, rows.Err()
}
