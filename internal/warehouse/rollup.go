package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// rollupTables are derived from staff_assignments, in build order.
var rollupTables = []string{"staff_person_year", "leadership_rollup", "place_rollup", "district_rollup"}

// derivedTables are every derived table: the yearly ones and moves_rollup
// and spell_rollup, which rebuildMoves builds after them.
var derivedTables = append(slices.Clone(rollupTables), "moves_rollup", "spell_rollup")

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
    is_leader, ethnicity, gender, fte, gen)
SELECT *, transform(school_year, ?, ?, toUInt64(0)) AS gen FROM (
` + personYearSelect + `)`

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
    is_leader, ethnicity, gender, people, gen)
SELECT *, transform(school_year, ?, ?, toUInt64(0)) AS gen FROM (
SELECT school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender, toUInt32(count()) AS people
FROM {src}
WHERE school_year IN (SELECT arrayJoin(?)) AND {live}
GROUP BY school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender)`

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
    latino_students, known_students, schools, schools_with_latino_leader, gen)
SELECT *, transform(school_year, ?, ?, toUInt64(0)) AS gen FROM (
SELECT school_year, state_code, lea_id, school_id, sumForEach(p), sumForEach(l), sumForEach(k), sum(st), sum(lst),
    sum(kst), max(sch), max(swll)
FROM (
    SELECT school_year, state_code, lea_id, school_id, ` + arr("") + ` AS p,
        ` + arr(" AND ethnicity = 'hispanic_latino'") + ` AS l,
        ` + arr(" AND ethnicity != 'unknown'") + ` AS k,
        toUInt64(0) AS st, toUInt64(0) AS lst, toUInt64(0) AS kst, toUInt64(school_id != '') AS sch,
        toUInt64(school_id != '' AND countIf(is_leader = 1 AND tier = 'school' AND ethnicity = 'hispanic_latino') > 0) AS swll
    FROM {src}
    WHERE school_year IN (SELECT arrayJoin(?)) AND {live}
    GROUP BY school_year, state_code, lea_id, school_id
    UNION ALL
    SELECT school_year, state_code, lea_id, school_id, ` + zeros + `, ` + zeros + `, ` + zeros + `,
        toUInt64(sum(students)), toUInt64(sumIf(students, ethnicity = 'hispanic_latino')),
        toUInt64(sumIf(students, ethnicity != 'unknown')), toUInt64(0), toUInt64(0)
    FROM {enrollment}
    WHERE school_year IN (SELECT arrayJoin(?)) AND {enrollment_live}
    GROUP BY school_year, state_code, lea_id, school_id
)
GROUP BY school_year, state_code, lea_id, school_id)`
}

// districtRollupSQL sums place_rollup to districts.
const districtRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, people, latino, known, students,
    latino_students, known_students, schools, schools_with_latino_leader, gen)
SELECT *, transform(school_year, ?, ?, toUInt64(0)) AS gen FROM (
SELECT school_year, state_code, lea_id, sumForEach(people) AS people, sumForEach(latino) AS latino, sumForEach(known) AS known,
    sum(students) AS students, sum(latino_students) AS latino_students, sum(known_students) AS known_students, sum(schools) AS schools,
    sum(schools_with_latino_leader) AS schools_with_latino_leader
FROM {src}
WHERE school_year IN (SELECT arrayJoin(?)) AND {live}
GROUP BY school_year, state_code, lea_id)`

// RebuildRollups recomputes the derived tables for the given school years
// (all years with facts when years is empty) from the live facts and
// publishes them as one commit. It is for tools and tests (a load rebuilds
// what it touched itself); the generations it supersedes are dropped at
// once, not after the janitor's grace period.
func (d *DB) RebuildRollups(ctx context.Context, years []uint16) error {
	lk, err := d.lockWrites(ctx, "rollup rebuild")
	if err != nil {
		return err
	}
	defer lk.release(ctx)
	return d.rebuildRollupsLocked(ctx, years)
}

// rebuildRollupsLocked is RebuildRollups with the write lock held.
func (d *DB) rebuildRollupsLocked(ctx context.Context, years []uint16) error {
	l, err := d.BeginBatch(ctx, LoadOptions{BatchID: "rollups-" + NewID()[:8], Source: "rebuild"})
	if err != nil {
		return err
	}
	defer l.lease.release(context.WithoutCancel(ctx))
	snap, err := d.snapshotAt(ctx, 0)
	if err != nil {
		return err
	}
	if len(years) == 0 {
		if years, err = d.factYears(ctx, snap); err != nil {
			return err
		}
		if len(years) == 0 {
			return nil
		}
	}
	entries, err := d.buildRollups(ctx, l, snap, years)
	if err != nil {
		_ = d.dropLoad(context.WithoutCancel(ctx), l.loadNo)
		return err
	}
	if err := d.writeJournal(ctx, snap.version+1, l.opt.BatchID, time.Now().UTC(), entries); err != nil {
		return err
	}
	d.forget()
	old := map[uint64]bool{}
	for _, e := range entries {
		old[snap.Gen(e.table, e.part)] = true
	}
	for _, t := range derivedTables {
		if err := d.dropGens(ctx, t, func(g uint64) bool { return old[g] }); err != nil {
			return err
		}
	}
	return nil
}

// buildRollups writes new generations of the derived tables for years (and
// the neighbours moves_rollup needs, and spell_rollup whole) from the facts
// as snap has them (the committed state plus a load's new facts), and
// returns their journal entries. Nothing is published.
func (d *DB) buildRollups(ctx context.Context, l *Load, snap *Snapshot, years []uint16) ([]journalEntry, error) {
	ladder, err := d.ladder(ctx)
	if err != nil {
		return nil, err
	}
	// Each derived table gets a generation per rebuilt year; later builds
	// read the earlier ones through pending.
	var entries []journalEntry
	gens := map[string][]uint64{} // table → generation of each year of years
	for _, t := range rollupTables {
		for _, y := range years {
			g, err := l.newGen()
			if err != nil {
				return nil, err
			}
			gens[t] = append(gens[t], g)
			entries = append(entries, journalEntry{table: t, part: yearPart(y), gen: g})
		}
	}
	pending := snap.with(entries)
	// Build the years, a group of years per statement: one statement is
	// much faster than one per year, and groups of at most rollupGroupRows
	// fact rows bound the GROUP BY's memory at national scale.
	groups, err := d.yearGroups(ctx, snap, years)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		builds := []struct {
			table, sql, src string
			args            []any
		}{
			{"staff_person_year", personYearSQL, d.table(TableStaffAssignments), append(ladder.personYearArgs(), g)},
			{"leadership_rollup", leadershipRollupSQL, d.table("staff_person_year"), []any{g}},
			{"place_rollup", placeRollupSQL(int(ladder.Ranks[len(ladder.Ranks)-1]) + 1), d.table("staff_person_year"), []any{g, g}},
			{"district_rollup", districtRollupSQL, d.table("place_rollup"), []any{g}},
		}
		for _, b := range builds {
			srcTable := strings.TrimPrefix(b.src, d.db+".")
			sql := strings.NewReplacer("{dst}", d.table(b.table), "{src}", b.src,
				"{where}", "school_year IN (SELECT arrayJoin(?)) AND "+pending.Live(srcTable),
				"{live}", pending.Live(srcTable), "{enrollment}", d.table(TableEnrollment),
				"{enrollment_live}", pending.Live(TableEnrollment)).Replace(b.sql)
			// Minutes per year at national scale: the maintenance cap applies.
			args := append([]any{years, gens[b.table]}, b.args...)
			if err := d.maintain(ctx, "rollup.build."+b.table, sql, args...); err != nil {
				return nil, fmt.Errorf("rebuilding %s for %v: %w", b.table, g, err)
			}
		}
	}
	failpoint("rollups")
	moves, err := d.rebuildMoves(ctx, l, pending, years, ladder)
	if err != nil {
		return nil, err
	}
	return append(entries, moves...), nil
}

// movesRollupSQL counts, per place, role and demographics of year t, the
// people present in t+1 (anywhere: where a state issues statewide staff
// ids, people change districts), promoted, leaders in t+1, present in t-1
// and leaders in t-1. {src} is staff_person_year.
const movesRollupSQL = `INSERT INTO {dst} (school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader,
    ethnicity, gender, people, nx, up, nl, pv, pl, gen)
SELECT *, transform(school_year, ?, ?, toUInt64(0)) AS gen FROM (
SELECT school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender, count(),
    sum(nx), sum(nx = 1 AND next_rank > rank), sum(nx = 1 AND next_leader = 1), sum(pv), sum(pv = 1 AND prev_leader = 1)
FROM (
    SELECT * FROM (
        SELECT * FROM (
            SELECT school_year, state_code, lea_id, school_id, staff_key, role_code, rank, tier, is_leader, ethnicity, gender
            FROM {src} WHERE school_year IN (SELECT arrayJoin(?)) AND {live}
        ) ANY LEFT JOIN (
            SELECT staff_key, toUInt16(sy - 1) AS school_year, rank AS next_rank, is_leader AS next_leader, toUInt8(1) AS nx
            FROM (SELECT staff_key, school_year AS sy, rank, is_leader FROM {src} WHERE school_year IN (SELECT arrayJoin(?)) AND {live})
        ) USING staff_key, school_year
    ) ANY LEFT JOIN (
        SELECT staff_key, toUInt16(sy + 1) AS school_year, is_leader AS prev_leader, toUInt8(1) AS pv
        FROM (SELECT staff_key, school_year AS sy, is_leader FROM {src} WHERE school_year IN (SELECT arrayJoin(?)) AND {live})
    ) USING staff_key, school_year
)
GROUP BY school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender)`

// spellRollupSQL finds every promotion spell in the person-years (a spell
// counts in the district and school where it started): per person and
// start rank (teacher 0 → assistant principal or above, assistant
// principal 2 → principal or above), the first year at the start rank
// unless the person held a higher rank before, and the years to the first
// year at the target rank (e = 1) or to the last year seen (e = 0).
const spellRollupSQL = `INSERT INTO {dst} (state_code, lea_id, school_id, role_code, start_year, ethnicity, gender, d, e, people, gen)
SELECT *, toUInt64(?) AS gen FROM (
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
        FROM (SELECT * FROM {src} WHERE state_code = ? AND {live}) GROUP BY staff_key
    )
    ARRAY JOIN [toInt8(0), toInt8(2)] AS st, [toInt8(2), toInt8(3)] AS tg
    WHERE notEmpty(at) AND NOT arrayExists((y, r) -> y < start AND r > st, ys, rs)
)
GROUP BY state_code, lea_id, school_id, role_code, start_year, ethnicity, gender, d, e)`

// rebuildMoves writes new generations of moves_rollup for the loaded years
// and their neighbours (their t+1 or t-1 changed) and of spell_rollup whole,
// from the person-years of snap (which has the new ones), and returns their
// journal entries.
func (d *DB) rebuildMoves(ctx context.Context, l *Load, snap *Snapshot, years []uint16, ladder Ladder) ([]journalEntry, error) {
	all, err := d.factYears(ctx, snap)
	if err != nil {
		return nil, err
	}
	var moves []uint16
	for _, y := range all {
		for _, ly := range years {
			if y+1 >= ly && y <= ly+1 {
				moves = append(moves, y)
				break
			}
		}
	}
	var entries []journalEntry
	src := d.table("staff_person_year")
	fill := func(table, sql string, args ...any) error {
		sql = strings.NewReplacer("{dst}", d.table(table), "{src}", src, "{live}", snap.Live("staff_person_year")).Replace(sql)
		if err := d.maintain(ctx, "rollup.build."+table, sql, args...); err != nil {
			return fmt.Errorf("rebuilding %s: %w", table, err)
		}
		return nil
	}
	// One year per statement: the joins hold a year of person-years each
	// (millions at national scale). The years after and before are given
	// shifted: the alias of a shifted year would shadow the column in WHERE.
	for _, y := range moves {
		g, err := l.newGen()
		if err != nil {
			return nil, err
		}
		if err := fill("moves_rollup", movesRollupSQL, []uint16{y}, []uint64{g}, []uint16{y}, []uint16{y + 1}, []uint16{y - 1}); err != nil {
			return nil, err
		}
		entries = append(entries, journalEntry{table: "moves_rollup", part: yearPart(y), gen: g})
	}
	// One state per statement: a spell needs a person's whole history, and
	// a staff key stays in its state.
	var states []string
	if err := d.scanAll(ctx, "rollup.states", func(r driver.Rows) error {
		var st string
		err := r.Scan(&st)
		states = append(states, st)
		return err
	}, "SELECT DISTINCT state_code FROM "+src+" WHERE "+snap.Live("staff_person_year")); err != nil {
		return nil, err
	}
	g, err := l.newGen()
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		if err := fill("spell_rollup", spellRollupSQL, g, ladder.Ranks, ladder.Codes, st); err != nil {
			return nil, err
		}
	}
	// spell_rollup is one part, the whole table.
	return append(entries, journalEntry{table: "spell_rollup", part: "", gen: g}), nil
}

// rollupGroupRows is the most fact rows one rebuild statement reads
// (≈ 1 GB of GROUP BY state at national scale).
const rollupGroupRows = 8_000_000

// yearGroups splits years into groups of at most rollupGroupRows fact rows
// (a single larger year is a group of its own).
func (d *DB) yearGroups(ctx context.Context, snap *Snapshot, years []uint16) ([][]uint16, error) {
	rows := map[uint16]uint64{}
	err := d.scanAll(ctx, "rollup.year_rows", func(r driver.Rows) error {
		var y uint16
		var n uint64
		err := r.Scan(&y, &n)
		rows[y] = n
		return err
	}, "SELECT school_year, count() FROM "+d.table(TableStaffAssignments)+" WHERE "+snap.Live(TableStaffAssignments)+" AND "+
		inList("school_year")+" GROUP BY school_year", years)
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
// of staff_person_year) straight from the live staff_assignments rows of
// snap matching where, a condition over staff_assignments columns built by
// the caller from constants (its values are whereArgs). It is the
// facts-only path the metrics compiler uses to check the rollups.
func (d *DB) PersonYearsFromFacts(snap *Snapshot, l Ladder, where string, whereArgs []any) (string, []any) {
	sql := strings.NewReplacer("{src}", d.table(TableStaffAssignments),
		"{where}", snap.Live(TableStaffAssignments)+" AND "+where).Replace(personYearSelect)
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
	snap, err := d.SnapshotFor(ctx)
	if err != nil {
		return nil, err
	}
	return d.factYears(ctx, snap)
}

// factYears lists the years of the facts live in snap (from the journal:
// a part with a live generation holds rows).
func (d *DB) factYears(ctx context.Context, snap *Snapshot) ([]uint16, error) {
	var out []uint16
	for _, t := range []string{TableStaffAssignments, TableEnrollment} {
		for _, p := range snap.Parts(t) {
			if y, _ := parsePart(p); !slices.Contains(out, y) {
				out = append(out, y)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
