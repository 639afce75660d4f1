package warehouse

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// rollupTables are derived from staff_assignments, in build order.
var rollupTables = []string{"staff_person_year", "leadership_rollup", "place_rollup", "district_rollup"}

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
` + personYearSelect

// personYearSelect is the SELECT of personYearSQL; {where} filters the
// staff_assignments rows read.
const personYearSelect = `SELECT school_year, reinterpretAsString(toUInt16(bitAnd(place, 65535))) AS state_code,
    substring(toString(bitShiftRight(place, 16) + 10000000), 2) AS lea_id,
    if(sch = 0, '', substring(toString(sch + 1000000000000), 2)) AS school_id, staff_key,
    transform(rnk, ?, ?, '') AS role_code, rnk AS rank, transform(rnk, ?, ?, '') AS tier,
    transform(rnk, ?, ?, toUInt8(0)) AS is_leader,
    transform(toInt8(bitAnd(bitShiftRight(best, 2), 7)), [0, 1, 2, 3, 4, 5, 6, 7], ?, 'unknown') AS ethnicity,
    transform(toInt8(bitAnd(best, 3)), [0, 1, 2, 3], ['unknown', 'female', 'male', 'nonbinary'], 'unknown') AS gender,
    total_fte AS fte
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
            WHERE {where}
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

// placeRollupSQL builds place_rollup from person-years and enrollment: per
// school (school_id ” holds a district's or state's office posts) the
// people of each rank 0..ranks-1 as arrays, with their Latino and
// known-ethnicity counts; the students; and whether the school has a Latino
// leader at school tier. ranks comes from the roles table, never a caller.
func placeRollupSQL(ranks int) string {
	arr := func(cond string) string {
		parts := make([]string, ranks)
		for r := range parts {
			parts[r] = fmt.Sprintf("countIf(rank = %d%s)", r, cond)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	zeros := "[" + strings.TrimSuffix(strings.Repeat("toUInt64(0), ", ranks), ", ") + "]"
	return `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, people, latino, known, students,
    latino_students, known_students, schools, schools_with_latino_leader)
SELECT school_year, state_code, lea_id, school_id, sumForEach(p), sumForEach(l), sumForEach(k), sum(st), sum(lst),
    sum(kst), max(sch), max(swll)
FROM (
    SELECT school_year, state_code, lea_id, school_id, ` + arr("") + ` AS p,
        ` + arr(" AND ethnicity = 'hispanic_latino'") + ` AS l,
        ` + arr(" AND ethnicity != 'unknown'") + ` AS k,
        toUInt64(0) AS st, toUInt64(0) AS lst, toUInt64(0) AS kst, toUInt64(school_id != '') AS sch,
        toUInt64(school_id != '' AND countIf(is_leader = 1 AND tier = 'school' AND ethnicity = 'hispanic_latino') > 0) AS swll
    FROM {src}
    WHERE school_year IN (SELECT arrayJoin(?))
    GROUP BY school_year, state_code, lea_id, school_id
    UNION ALL
    SELECT school_year, state_code, lea_id, school_id, ` + zeros + `, ` + zeros + `, ` + zeros + `,
        toUInt64(sum(students)), toUInt64(sumIf(students, ethnicity = 'hispanic_latino')),
        toUInt64(sumIf(students, ethnicity != 'unknown')), toUInt64(0), toUInt64(0)
    FROM {enrollment}
    WHERE school_year IN (SELECT arrayJoin(?))
    GROUP BY school_year, state_code, lea_id, school_id
)
GROUP BY school_year, state_code, lea_id, school_id`
}

// districtRollupSQL sums place_rollup to districts.
const districtRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, people, latino, known, students,
    latino_students, known_students, schools, schools_with_latino_leader)
SELECT school_year, state_code, lea_id, sumForEach(people), sumForEach(latino), sumForEach(known), sum(students),
    sum(latino_students), sum(known_students), sum(schools), sum(schools_with_latino_leader)
FROM {src}
WHERE school_year IN (SELECT arrayJoin(?))
GROUP BY school_year, state_code, lea_id`

// RebuildRollups recomputes the derived tables for the given school years
// (all years with facts when years is empty) and swaps each year in with
// REPLACE PARTITION, so readers see the old year or the new, never a mix.
func (d *DB) RebuildRollups(ctx context.Context, years []uint16) error {
	if len(years) == 0 {
		var err error
		if years, err = d.FactYears(ctx); err != nil {
			return err
		}
		if len(years) == 0 {
			return nil
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
				append(ladder.personYearArgs(), g)},
			{"leadership_rollup", leadershipRollupSQL, d.table(stage["staff_person_year"]), []any{g}},
			{"place_rollup", placeRollupSQL(int(ladder.Ranks[len(ladder.Ranks)-1]) + 1), d.table(stage["staff_person_year"]), []any{g, g}},
			{"district_rollup", districtRollupSQL, d.table(stage["place_rollup"]), []any{g}},
		}
		for _, b := range builds {
			sql := strings.NewReplacer("{dst}", d.table(stage[b.table]), "{src}", b.src, "{where}", "school_year IN (SELECT arrayJoin(?))",
				"{enrollment}", d.table(TableEnrollment)).Replace(b.sql)
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
	return d.rebuildMoves(ctx, years, ladder, suffix)
}

// movesRollupSQL counts, per place, role and demographics of year t, the
// people present in t+1 (anywhere: where a state issues statewide staff
// ids, people change districts), promoted, leaders in t+1, present in t-1
// and leaders in t-1. {src} is staff_person_year.
const movesRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader,
    ethnicity, gender, people, nx, up, nl, pv, pl)
SELECT school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender, count(),
    sum(nx), sum(nx = 1 AND next_rank > rank), sum(nx = 1 AND next_leader = 1), sum(pv), sum(pv = 1 AND prev_leader = 1)
FROM (
    SELECT * FROM (
        SELECT * FROM (
            SELECT school_year, state_code, lea_id, school_id, staff_key, role_code, rank, tier, is_leader, ethnicity, gender
            FROM {src} WHERE school_year IN (SELECT arrayJoin(?))
        ) ANY LEFT JOIN (
            SELECT staff_key, toUInt16(sy - 1) AS school_year, rank AS next_rank, is_leader AS next_leader, toUInt8(1) AS nx
            FROM (SELECT staff_key, school_year AS sy, rank, is_leader FROM {src} WHERE school_year IN (SELECT arrayJoin(?)))
        ) USING staff_key, school_year
    ) ANY LEFT JOIN (
        SELECT staff_key, toUInt16(sy + 1) AS school_year, is_leader AS prev_leader, toUInt8(1) AS pv
        FROM (SELECT staff_key, school_year AS sy, is_leader FROM {src} WHERE school_year IN (SELECT arrayJoin(?)))
    ) USING staff_key, school_year
)
GROUP BY school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender`

// spellRollupSQL finds every promotion spell in the person-years (a spell
// counts in the district and school where it started): per person and
// start rank (teacher 0 → assistant principal or above, assistant
// principal 2 → principal or above), the first year at the start rank
// unless the person held a higher rank before, and the years to the first
// year at the target rank (e = 1) or to the last year seen (e = 0).
const spellRollupSQL = `INSERT INTO {dst} (state_code, lea_id, school_id, role_code, start_year, ethnicity, gender, d, e, people)
SELECT state_code, lea_id, school_id, role_code, start_year, ethnicity, gender, d, e, count()
FROM (
    SELECT state_code, ethnicity, gender, transform(st, ?, ?, '') AS role_code,
        arrayFilter((y, r) -> r = st, ys, rs) AS at, arrayReduce('min', at) AS start, toUInt16(start) AS start_year,
        arrayFilter((y, r) -> r >= tg AND y > start, ys, rs) AS up, toUInt8(notEmpty(up)) AS e,
        toUInt32(if(e, arrayReduce('min', up), arrayReduce('max', ys)) - start) AS d, ss[indexOf(ys, start)] AS school_id,
        ls[indexOf(ys, start)] AS lea_id
    FROM (
        SELECT staff_key, any(state_code) AS state_code, argMax(ethnicity, school_year) AS ethnicity,
            argMax(gender, school_year) AS gender, groupArray(school_year) AS ys, groupArray(rank) AS rs, groupArray(school_id) AS ss,
            groupArray(lea_id) AS ls
        FROM (SELECT * FROM {src} WHERE state_code = ?) GROUP BY staff_key
    )
    ARRAY JOIN [toInt8(0), toInt8(2)] AS st, [toInt8(2), toInt8(3)] AS tg
    WHERE notEmpty(at) AND NOT arrayExists((y, r) -> y < start AND r > st, ys, rs)
)
GROUP BY state_code, lea_id, school_id, role_code, start_year, ethnicity, gender, d, e`

// rebuildMoves rebuilds moves_rollup for the loaded years and their
// neighbours (their t+1 or t-1 changed) and spell_rollup whole, from the
// person-years just swapped in.
func (d *DB) rebuildMoves(ctx context.Context, years []uint16, ladder Ladder, suffix string) error {
	all, err := d.FactYears(ctx)
	if err != nil {
		return err
	}
	var moves []uint16
	for _, y := range all {
		for _, l := range years {
			if y+1 >= l && y <= l+1 {
				moves = append(moves, y)
				break
			}
		}
	}
	stages := map[string]string{"moves_rollup": "stage_moves_rollup_" + suffix, "spell_rollup": "stage_spell_rollup_" + suffix}
	for t, s := range stages {
		if err := d.exec(ctx, "rollup.stage", "CREATE TABLE "+d.table(s)+" AS "+d.table(t)); err != nil {
			return err
		}
		defer func() {
			_ = d.exec(context.WithoutCancel(ctx), "rollup.unstage", "DROP TABLE IF EXISTS "+d.table(s))
		}()
	}
	src := d.table("staff_person_year")
	fill := func(table, sql string, args ...any) error {
		sql = strings.NewReplacer("{dst}", d.table(stages[table]), "{src}", src).Replace(sql)
		if err := d.maintain(ctx, "rollup.build."+table, sql, args...); err != nil {
			return fmt.Errorf("rebuilding %s: %w", table, err)
		}
		return nil
	}
	// One year per statement: the joins hold a year of person-years each
	// (millions at national scale). The years after and before are given
	// shifted: the alias of a shifted year would shadow the column in WHERE.
	for _, y := range moves {
		if err := fill("moves_rollup", movesRollupSQL, []uint16{y}, []uint16{y + 1}, []uint16{y - 1}); err != nil {
			return err
		}
	}
	// One state per statement: a spell needs a person's whole history, and
	// a staff key stays in its state.
	var states []string
	if err := d.scanAll(ctx, "rollup.states", func(r driver.Rows) error {
		var st string
		err := r.Scan(&st)
		states = append(states, st)
		return err
	}, "SELECT DISTINCT state_code FROM "+src); err != nil {
		return err
	}
	for _, st := range states {
		if err := fill("spell_rollup", spellRollupSQL, ladder.Ranks, ladder.Codes, st); err != nil {
			return err
		}
	}
	for _, y := range moves {
		if err := d.exec(ctx, "rollup.swap.moves_rollup", fmt.Sprintf("ALTER TABLE %s REPLACE PARTITION %d FROM %s",
			d.table("moves_rollup"), y, d.table(stages["moves_rollup"]))); err != nil {
			return fmt.Errorf("swapping moves_rollup for %d: %w", y, err)
		}
	}
	// spell_rollup is unpartitioned: its one partition is tuple().
	if err := d.exec(ctx, "rollup.swap.spell_rollup", "ALTER TABLE "+d.table("spell_rollup")+" REPLACE PARTITION tuple() FROM "+
		d.table(stages["spell_rollup"])); err != nil {
		return fmt.Errorf("swapping spell_rollup: %w", err)
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

// Ladder is the roles table as parallel arrays, in rank order.
type Ladder struct {
	Codes, Tiers []string
	Ranks        []int8
	Leaders      []uint8
}

// personYearArgs are the values personYearSelect binds before its {where}.
func (l Ladder) personYearArgs() []any {
	return []any{l.Ranks, l.Codes, l.Ranks, l.Tiers, l.Ranks, l.Leaders, ethnicityNames, l.Codes, l.Ranks}
}

// PersonYearsFromFacts returns a SELECT computing person-years (the columns
// of staff_person_year) straight from staff_assignments rows matching where,
// a condition over staff_assignments columns built by the caller from
// constants (its values are whereArgs). It is the facts-only path the
// metrics compiler uses to check the rollups.
func (d *DB) PersonYearsFromFacts(l Ladder, where string, whereArgs []any) (string, []any) {
	sql := strings.NewReplacer("{src}", d.table(TableStaffAssignments), "{where}", where).Replace(personYearSelect)
	return sql, append(l.personYearArgs(), whereArgs...)
}

// Ladder reads the roles table.
func (d *DB) Ladder(ctx context.Context) (Ladder, error) { return d.ladder(ctx) }

func (d *DB) ladder(ctx context.Context) (Ladder, error) {
	var l Ladder
	err := d.scanAll(ctx, "rollup.ladder", func(r driver.Rows) error {
		var code, tier string
		var rank int8
		var leader uint8
		if err := r.Scan(&code, &tier, &rank, &leader); err != nil {
			return err
		}
		l.Codes, l.Tiers, l.Ranks, l.Leaders = append(l.Codes, code), append(l.Tiers, tier), append(l.Ranks, rank), append(l.Leaders, leader)
		return nil
	}, "SELECT role_code, toString(tier), rank, is_leader FROM "+d.table("roles")+" FINAL ORDER BY rank, role_code")
	if err == nil && len(l.Codes) == 0 {
		err = fmt.Errorf("warehouse: the roles table is empty")
	}
	return l, err
}

// FactYears lists the school years present in staff_assignments or
// enrollment.
func (d *DB) FactYears(ctx context.Context) ([]uint16, error) {
	rows, err := d.query(ctx, "fact_years", "SELECT DISTINCT school_year FROM (SELECT DISTINCT school_year FROM "+
		d.table(TableStaffAssignments)+" UNION ALL SELECT DISTINCT school_year FROM "+d.table(TableEnrollment)+") ORDER BY school_year")
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
