package warehouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// rollupTables are derived from staff_assignments, in build order.
var rollupTables = []string{"staff_person_year", "leadership_rollup"}

// personYearSQL picks each person's highest ranked post of the year (ties:
// larger fte, then larger school id) from staff_assignments. {src} and
// {dst} are replaced with qualified table names chosen in Go; the ladder
// (role codes, ranks, tiers, leader flags of the roles table) is bound as
// arrays, which transform() reads as constants.
//
// 18.16 is slow at argMax over strings and tuples (a JOIN with roles and
// argMax over tuples took several times longer), so every aggregate is
// numeric: the winning post is packed in one UInt64 whose maximum is the
// post's order,
//
//	bits 56-59 rank + 1, 45-55 fte in thousandths (capped at 2.047),
//	5-44 the 12-digit NCES school id (< 2^40; 0 for no school),
//	2-4 ethnicity, 0-1 gender (their Enum8 values),
//
// and its district and state in another, taken with argMax by the first:
// bits 16-39 the 7-digit NCES LEA id, 0-15 the state code's two letters
// (little-endian, so reinterpretAsString gives them back). Ids are NCES
// digits everywhere (ingest checks them).
const personYearSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, staff_key, role_code, rank, tier,
    is_leader, ethnicity, gender, fte)
SELECT school_year, reinterpretAsString(toUInt16(bitAnd(place, 65535))),
    substring(toString(bitShiftRight(place, 16) + 10000000), 2),
    if(sch = 0, '', substring(toString(sch + 1000000000000), 2)), staff_key,
    transform(rnk, ?, ?, ''), rnk, transform(rnk, ?, ?, ''), transform(rnk, ?, ?, toUInt8(0)),
    transform(toInt8(bitAnd(bitShiftRight(best, 2), 7)), [0, 1, 2, 3, 4, 5, 6, 7], ?, 'unknown'),
    transform(toInt8(bitAnd(best, 3)), [0, 1, 2, 3], ['unknown', 'female', 'male', 'nonbinary'], 'unknown'),
    total_fte
FROM (
    SELECT school_year, staff_key, max(o) AS best, argMax(p, o) AS place, toFloat32(sum(fte)) AS total_fte,
        toInt8(bitShiftRight(best, 56)) - 1 AS rnk,
        bitAnd(bitShiftRight(best, 5), 1099511627775) AS sch
    FROM (
        SELECT school_year, staff_key, fte,
            bitShiftLeft(toUInt64(rank + 1), 56) + bitShiftLeft(toUInt64(least(round(fte * 1000), 2047)), 45)
                + bitShiftLeft(toUInt64OrZero(school_id), 5) + bitShiftLeft(toUInt64(toInt8(ethnicity)), 2)
                + toUInt64(toInt8(gender)) AS o,
            bitShiftLeft(toUInt64OrZero(lea_id), 16) + reinterpretAsUInt16(state_code) AS p
        FROM (
            SELECT school_year, staff_key, state_code, lea_id, school_id, ethnicity, gender, fte,
                transform(role_code, ?, ?, toInt8(-1)) AS rank
            FROM {src}
            WHERE school_year IN (SELECT arrayJoin(?))
        )
        WHERE rank >= 0
    )
    GROUP BY school_year, staff_key
)`

// ethnicityNames are the Enum8 values 0-7 of the ethnicity columns.
var ethnicityNames = []string{"unknown", "hispanic_latino", "american_indian_alaska_native", "asian", "black",
	"native_hawaiian_pacific_islander", "white", "two_or_more"}

const leadershipRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, role_code, rank, tier,
    is_leader, ethnicity, gender, people)
SELECT school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender, toUInt32(count())
FROM {src}
WHERE school_year IN (SELECT arrayJoin(?))
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
	ladder, err := d.ladder(ctx)
	if err != nil {
		return err
	}
	// Build the years into the stages, a group of years per statement: one
	// statement is much faster than one per year, and groups of at most
	// rollupGroupRows fact rows bound the GROUP BY's memory at national
	// scale. Then swap each year in.
	groups, err := d.yearGroups(ctx, years)
	if err != nil {
		return err
	}
	for _, g := range groups {
		builds := []struct {
			table, sql, src string
			args            []any
		}{
			{"staff_person_year", personYearSQL, d.table(TableStaffAssignments),
				[]any{ladder.ranks, ladder.codes, ladder.ranks, ladder.tiers, ladder.ranks, ladder.leaders, ethnicityNames,
					ladder.codes, ladder.ranks, g}},
			{"leadership_rollup", leadershipRollupSQL, d.table(stage["staff_person_year"]), []any{g}},
		}
		for _, b := range builds {
			sql := strings.NewReplacer("{dst}", d.table(stage[b.table]), "{src}", b.src).Replace(b.sql)
			// Minutes per year at national scale: the maintenance cap applies.
			if err := d.maintain(ctx, "rollup.build."+b.table, sql, b.args...); err != nil {
				return fmt.Errorf("rebuilding %s for %v: %w", b.table, g, err)
			}
		}
	}
	for _, y := range years {
		for _, t := range rollupTables {
			if err := d.exec(ctx, "rollup.swap."+t, fmt.Sprintf("ALTER TABLE %s REPLACE PARTITION %d FROM %s",
				d.table(t), y, d.table(stage[t]))); err != nil {
				return fmt.Errorf("swapping %s for %d: %w", t, y, err)
			}
		}
	}
	return nil
}

// rollupGroupRows is the most fact rows one rebuild statement reads
// (≈ 1 GB of GROUP BY state at national scale).
const rollupGroupRows = 8_000_000

// yearGroups splits years into groups of at most rollupGroupRows fact rows
// (a single larger year is a group of its own).
func (d *DB) yearGroups(ctx context.Context, years []uint16) ([][]uint16, error) {
	rows := map[uint16]uint64{}
	err := d.scanAll(ctx, "rollup.year_rows", func(r driver.Rows) error {
		var y uint16
		var n uint64
		err := r.Scan(&y, &n)
		rows[y] = n
		return err
	}, "SELECT school_year, count() FROM "+d.table(TableStaffAssignments)+" WHERE "+inList("school_year")+" GROUP BY school_year", years)
	if err != nil {
		return nil, err
	}
	var groups [][]uint16
	var cur []uint16
	var n uint64
	for _, y := range years {
		if len(cur) > 0 && n+rows[y] > rollupGroupRows {
			groups, cur, n = append(groups, cur), nil, 0
		}
		cur, n = append(cur, y), n+rows[y]
	}
	return append(groups, cur), nil
}

// ladderArrays is the roles table as parallel arrays.
type ladderArrays struct {
	codes, tiers []string
	ranks        []int8
	leaders      []uint8
}

func (d *DB) ladder(ctx context.Context) (ladderArrays, error) {
	var l ladderArrays
	err := d.scanAll(ctx, "rollup.ladder", func(r driver.Rows) error {
		var code, tier string
		var rank int8
		var leader uint8
		if err := r.Scan(&code, &tier, &rank, &leader); err != nil {
			return err
		}
		l.codes, l.tiers, l.ranks, l.leaders = append(l.codes, code), append(l.tiers, tier), append(l.ranks, rank), append(l.leaders, leader)
		return nil
	}, "SELECT role_code, toString(tier), rank, is_leader FROM "+d.table("roles")+" FINAL ORDER BY rank, role_code")
	if err == nil && len(l.codes) == 0 {
		err = fmt.Errorf("warehouse: the roles table is empty")
	}
	return l, err
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
