package metrics

import (
	"slices"
	"strings"
)

// A source is where a group of base aggregates comes from: a relation with
// uniform column names (school_year, state_code, lea_id, school_id,
// role_code, rank, tier, is_leader, ethnicity, gender, member and the
// source's own counts) that several tables can provide. Its variants are
// in order of preference: the smallest rollup that has every column a query
// needs wins, and the last variant computes from the facts.
type source struct {
	name string
	// sparse sources have no row where their count is 0 (members,
	// conference attendance); elsewhere a cell with no row has no data, and
	// a measure over it is undefined rather than 0.
	sparse   bool
	variants []variant
	// bases are the aggregates over the relation's columns, by base name.
	bases map[string]string
	// years maps the query's [from, to] to the years the relation reads.
	years func(from, to int) (int, int)
	// branch, when set, builds the whole branch (sources whose aggregate
	// is not a plain GROUP BY of the relation).
	branch func(c *compiler, rel sqlText, dims []string, want []string) sqlText
}

type variant struct {
	table string   // what it reads, for Result.Sources and the docs
	dims  []string // dimensions its relation has (joins add lea_type, locale, school_level)
	facts bool     // computed from the facts, no rollup involved
	rel   func(c *compiler, lo, hi int, p pushdown) sqlText
}

// sqlText is SQL with its bound values, in order.
type sqlText struct {
	sql  string
	args []any
}

func (s sqlText) add(o sqlText) sqlText {
	return sqlText{s.sql + o.sql, append(slices.Clip(s.args), o.args...)}
}

func text(sql string, args ...any) sqlText { return sqlText{sql, args} }

// pushdown are the filters a relation applies where it reads a table, so
// the primary key (state_code, lea_id, ...) narrows the read: 18.16 does not
// push conditions into subqueries.
type pushdown struct {
	state, district, school filterSet
	// keys are conditions on the key prefix (state_code, lea_id) and
	// (state_code, lea_id, school_id) derived from district and school
	// filters: 18.16 narrows a read by a tuple IN on the key prefix, not by
	// lea_id IN … alone (nor by state_code IN … AND lea_id IN …).
	districtKeys, schoolKeys []sqlText
}

// stateOnly is p for rows of the same people elsewhere (other years, other
// posts): a staff key stays in its state, but people change schools and,
// where a state issues statewide staff ids, districts.
func (p pushdown) stateOnly() pushdown { return pushdown{state: p.state} }

// districtOnly is the district part of p, applied to rows computed from a
// person's rows everywhere in the state.
func (p pushdown) districtOnly() sqlText {
	w := p.district.cond("lea_id")
	for _, k := range p.districtKeys {
		w = w.add(text(" AND ")).add(k)
	}
	return w
}

// filterSet is the In/NotIn of one dimension's filters.
type filterSet struct {
	in, notIn [][]string
}

// cond is the condition over column col, "1" when there is none.
func (f filterSet) cond(col string) sqlText {
	out := text("1")
	for _, in := range f.in {
		if len(in) == 0 { // an empty list matches nothing (and has no type to bind)
			out = out.add(text(" AND 0"))
			continue
		}
		out = out.add(text(" AND "+col+" IN (SELECT arrayJoin(?))", in))
	}
	for _, out2 := range f.notIn {
		out = out.add(text(" AND "+col+" NOT IN (SELECT arrayJoin(?))", out2))
	}
	return out
}

// where is the pushdown condition over a table with these columns (school
// only where a row is one place, never before person-years are computed).
func (p pushdown) where(withSchool bool) sqlText {
	w := p.state.cond("state_code").add(text(" AND ")).add(p.district.cond("lea_id"))
	for _, k := range p.districtKeys {
		w = w.add(text(" AND ")).add(k)
	}
	if withSchool {
		w = w.add(text(" AND ")).add(p.school.cond("school_id"))
		for _, k := range p.schoolKeys {
			w = w.add(text(" AND ")).add(k)
		}
	}
	return w
}

var (
	districtRollupDims = []string{DimSchoolYear, DimState, DimDistrict, DimLeaType, DimLocale, DimRole, DimTier}
	placeRollupDims    = append(slices.Clone(districtRollupDims), DimSchool, DimSchoolLevel)
	detailRollupDims   = append(slices.Clone(placeRollupDims), DimEthnicity, DimGender)
	personDims         = append(slices.Clone(detailRollupDims), DimMember)
	personMoveDims     = append(slices.Clone(personDims), DimNextRole)
)

// unpivot reads a place rollup's rank arrays as one row per rank.
func unpivot(table string, withSchool bool) func(c *compiler, lo, hi int, p pushdown) sqlText {
	return func(c *compiler, lo, hi int, p pushdown) sqlText {
		school := "'' AS school_id"
		if withSchool {
			school = "school_id"
		}
		l := c.ladder
		return text("SELECT school_year, state_code, lea_id, school_id, toInt8(ri - 1) AS rank, "+
			"transform(toInt8(ri - 1), ?, ?, '') AS role_code, transform(toInt8(ri - 1), ?, ?, '') AS tier, "+
			"transform(toInt8(ri - 1), ?, ?, toUInt8(0)) AS is_leader, rp AS people, rl AS latino, rk AS known FROM "+
			"(SELECT school_year, state_code, lea_id, "+school+", rp, rl, rk, ri FROM "+c.table(table)+
			" ARRAY JOIN people AS rp, latino AS rl, known AS rk, arrayEnumerate(people) AS ri "+
			// Ranks nobody holds are not rows (as in the facts).
			"WHERE "+c.live(table)+" AND rp > 0 AND school_year BETWEEN ? AND ? AND ", l.Ranks, l.Codes, l.Ranks, l.Tiers, l.Ranks, l.Leaders, lo, hi).
			add(p.where(withSchool)).add(text(")"))
	}
}

// placeCounts reads a place rollup's scalar columns, on rows where the
// column nonzero is not 0 (as the facts have no row there).
func placeCounts(table string, withSchool bool, cols, nonzero string) func(c *compiler, lo, hi int, p pushdown) sqlText {
	return func(c *compiler, lo, hi int, p pushdown) sqlText {
		school := "'' AS school_id"
		if withSchool {
			school = "school_id"
		}
		return text("SELECT school_year, state_code, lea_id, "+school+", "+cols+" FROM "+c.table(table)+
			" WHERE "+c.live(table)+" AND "+nonzero+" > 0 AND school_year BETWEEN ? AND ? AND ", lo, hi).add(p.where(withSchool))
	}
}

// persons is one row per person and school year at their highest post:
// staff_person_year, or (facts) the same computed from staff_assignments.
func persons(c *compiler, facts bool, lo, hi int, p pushdown) sqlText {
	cols := "school_year, state_code, lea_id, school_id, staff_key, role_code, rank, toString(tier) AS tier, " +
		"is_leader, toString(ethnicity) AS ethnicity, toString(gender) AS gender"
	if !facts {
		return text("SELECT "+cols+" FROM "+c.table("staff_person_year")+" WHERE "+c.live("staff_person_year")+
			" AND school_year BETWEEN ? AND ? AND ", lo, hi).
			add(p.where(false))
	}
	// A person's highest post is computed from all their posts in the
	// state; the district and school conditions apply to the result.
	c.tables = append(c.tables, "staff_assignments")
	where := text("school_year BETWEEN ? AND ? AND ", lo, hi).add(p.stateOnly().where(false))
	sql, args := c.db.PersonYearsFromFacts(c.snap, c.ladder, where.sql, where.args)
	return text("SELECT "+cols+" FROM ("+sql+") WHERE ", args...).add(p.districtOnly())
}

// memberYears is the set of (staff_key, school_year) when the person was a
// member of the association: joined on or before June 30 of the year's
// spring and not left before July 1 of its fall.
func (c *compiler) memberYears() string {
	sy := func(d string) string { return "toUInt16(toYear(" + d + ") - (toMonth(" + d + ") < 7))" }
	return "SELECT staff_key, toUInt16(sy_join + i) FROM (SELECT staff_key, " + sy("joined_on") + " AS sy_join, " +
		"if(isNull(left_on), toUInt16(2100), " + sy("assumeNotNull(left_on)") + ") AS sy_left FROM " + c.table("members") +
		" FINAL WHERE " + c.live("members") + " AND staff_key != 0) ARRAY JOIN range(toUInt32(if(sy_left >= sy_join, least(sy_left, 2100) - sy_join + 1, 0))) AS i"
}

// personRel is persons with the people/latino/known counts and membership.
func personRel(facts bool) func(c *compiler, lo, hi int, p pushdown) sqlText {
	return func(c *compiler, lo, hi int, p pushdown) sqlText {
		return text("SELECT *, toUInt64(1) AS people, toUInt64(ethnicity = 'hispanic_latino') AS latino, " +
			"toUInt64(ethnicity != 'unknown') AS known, if((staff_key, school_year) IN (" + c.memberYears() +
			"), 'yes', 'no') AS member FROM (").add(persons(c, facts, lo, hi, p)).add(text(")"))
	}
}

func sameYears(from, to int) (int, int) { return from, to }

// staffVariants read people by place, rank and (some) demographics.
var staffVariants = []variant{
	{table: "district_rollup", dims: districtRollupDims, rel: unpivot("district_rollup", false)},
	{table: "place_rollup", dims: placeRollupDims, rel: unpivot("place_rollup", true)},
	{table: "leadership_rollup", dims: detailRollupDims, rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
		return text("SELECT school_year, state_code, lea_id, school_id, role_code, rank, toString(tier) AS tier, is_leader, "+
			"toString(ethnicity) AS ethnicity, toString(gender) AS gender, toUInt64(people) AS people, "+
			"if(ethnicity = 'hispanic_latino', toUInt64(people), 0) AS latino, if(ethnicity != 'unknown', toUInt64(people), 0) AS known "+
			"FROM "+c.table("leadership_rollup")+" WHERE "+c.live("leadership_rollup")+" AND school_year BETWEEN ? AND ? AND ", lo, hi).
			add(p.where(true))
	}},
	{table: "staff_person_year", dims: personDims, rel: personRel(false)},
	{table: "staff_assignments", dims: personDims, facts: true, rel: personRel(true)},
}

// shifted wraps the staff relation: year moves by dy, rank by dr (with
// role, tier and leader flag following the rank).
func shifted(v variant, dy, dr int) variant {
	inner := v.rel
	v.rel = func(c *compiler, lo, hi int, p pushdown) sqlText {
		l := c.ladder
		cols := []string{"state_code", "lea_id", "school_id", "people", "latino", "known"}
		for _, d := range []string{DimEthnicity, DimGender, DimMember} {
			if slices.Contains(v.dims, d) {
				cols = append(cols, dimColumn[d])
			}
		}
		top := int(l.Ranks[len(l.Ranks)-1])
		return text("SELECT toUInt16(sy0 + ?) AS school_year, toInt8(r0 + ?) AS rank, transform(toInt8(r0 + ?), ?, ?, '') AS role_code, "+
			"transform(toInt8(r0 + ?), ?, ?, '') AS tier, transform(toInt8(r0 + ?), ?, ?, toUInt8(0)) AS is_leader, "+
			strings.Join(cols, ", ")+" FROM (SELECT *, school_year AS sy0, rank AS r0 FROM (",
			dy, dr, dr, l.Ranks, l.Codes, dr, l.Ranks, l.Tiers, dr, l.Ranks, l.Leaders).
			add(inner(c, lo, hi, p)).add(text(")) WHERE r0 + ? <= ?", dr, top))
	}
	return v
}

func shiftedAll(vs []variant, dy, dr int) []variant {
	out := make([]variant, len(vs))
	for i, v := range vs {
		out[i] = shifted(v, dy, dr)
	}
	return out
}

// movesRel follows each person from year t to t+1 (and back to t-1) within
// their state (where a state issues statewide staff ids, people change
// districts): people (1), nx (present in t+1), up (at a higher rank in
// t+1), nl (a leader in t+1), pv (present in t-1), pl (a leader in t-1) —
// the columns of moves_rollup — and, person-level only, next_role (the
// role in t+1, 'none' when absent).
func movesRel(facts bool) func(c *compiler, lo, hi int, p pushdown) sqlText {
	return func(c *compiler, lo, hi int, p pushdown) sqlText {
		// The school filter applies to year t only (people change schools).
		around := p.stateOnly()
		cur := text("SELECT * FROM (").add(personRel(facts)(c, lo, hi, p)).add(text(") WHERE ")).add(p.school.cond("school_id"))
		next := text("SELECT staff_key, toUInt16(school_year - 1) AS school_year, rank AS next_rank, is_leader AS next_leader, " +
			"role_code AS next_code, toUInt8(1) AS nx FROM (").add(persons(c, facts, lo+1, hi+1, around)).add(text(")"))
		prev := text("SELECT staff_key, toUInt16(school_year + 1) AS school_year, is_leader AS prev_leader, " +
			"toUInt8(1) AS pv FROM (").add(persons(c, facts, lo-1, hi-1, around)).add(text(")"))
		// A person absent in t+1 has no row to join: ANY LEFT JOIN fills
		// the defaults (nx 0, next_code '') on 18.16 and on current servers
		// alike (join_use_nulls off), so next_role reads nx, not next_code.
		return movesFlags(c, text("SELECT *, toUInt64(nx = 1 AND next_rank > rank) AS up, toUInt64(nx = 1 AND next_leader = 1) AS nl, "+
			"toUInt64(pv = 1 AND prev_leader = 1) AS pl, if(nx = 1, next_code, 'none') AS next_role FROM (SELECT * FROM (").
			add(cur).add(text(") ANY LEFT JOIN (")).add(next).
			add(text(") USING staff_key, school_year) ANY LEFT JOIN (")).add(prev).add(text(") USING staff_key, school_year")))
	}
}

// movesFlags adds can_rise (the warehouse has year t+1 and the rank is not
// the top one: a promotion cohort), has_next and has_prev (the warehouse
// has year t+1, t-1 at all).
func movesFlags(c *compiler, rel sqlText) sqlText {
	top := c.ladder.Ranks[len(c.ladder.Ranks)-1]
	return text("SELECT *, toUInt8(school_year < ? AND rank < ?) AS can_rise, toUInt8(school_year < ?) AS has_next, "+
		"toUInt8(school_year > ?) AS has_prev FROM (", c.lastYear, top, c.lastYear, c.firstYear).add(rel).add(text(")"))
}

// personMovesVariants are person-level only (membership is per person, and
// moves_rollup keeps no next role).
var personMovesVariants = []variant{
	{table: "staff_person_year", dims: personMoveDims, rel: movesRel(false)},
	{table: "staff_assignments", dims: personMoveDims, facts: true, rel: movesRel(true)},
}

var movesVariants = append([]variant{{table: "moves_rollup", dims: detailRollupDims,
	rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
		return movesFlags(c, text("SELECT school_year, state_code, lea_id, school_id, role_code, rank, toString(tier) AS tier, is_leader, "+
			"toString(ethnicity) AS ethnicity, toString(gender) AS gender, people, nx, up, nl, pv, pl FROM "+c.table("moves_rollup")+
			" WHERE "+c.live("moves_rollup")+" AND school_year BETWEEN ? AND ? AND ", lo, hi).add(p.where(true)))
	}}}, personMovesVariants...)

// spellsRel is one row per person and start role (teacher, assistant
// principal): the start year (first year at that rank, when it is after
// the first year with data and the person never held a higher rank
// before), d = years to the first year at the target rank or above
// (event e = 1), or to the last year seen (censored, e = 0).
func spellsRel(facts bool) func(c *compiler, lo, hi int, p pushdown) sqlText {
	return func(c *compiler, lo, hi int, p pushdown) sqlText {
		l := c.ladder
		hist := text("SELECT staff_key, any(state_code) AS state_code, " +
			"argMax(ethnicity, school_year) AS ethnicity, argMax(gender, school_year) AS gender, " +
			"groupArray(school_year) AS ys, groupArray(rank) AS rs, groupArray(school_id) AS ss, groupArray(lea_id) AS ls FROM (").
			add(persons(c, facts, c.firstYear, c.lastYear, p.stateOnly())).
			add(text(") GROUP BY staff_key"))
		spell := text("SELECT staff_key, state_code, ethnicity, gender, st AS rank, "+
			"transform(st, ?, ?, '') AS role_code, transform(st, ?, ?, '') AS tier, "+
			"arrayFilter((y, r) -> r = st, ys, rs) AS at, arrayReduce('min', at) AS start, "+
			"arrayFilter((y, r) -> r >= tg AND y > start, ys, rs) AS up, "+
			"toUInt8(notEmpty(up)) AS e, toUInt32(if(e, arrayReduce('min', up), arrayReduce('max', ys)) - start) AS d, "+
			"ss[indexOf(ys, start)] AS school_id, ls[indexOf(ys, start)] AS lea_id, toUInt16(start) AS school_year "+
			"FROM (", l.Ranks, l.Codes, l.Ranks, l.Tiers).add(hist).
			add(text(") ARRAY JOIN [toInt8(0), toInt8(2)] AS st, [toInt8(2), toInt8(3)] AS tg " +
				"WHERE notEmpty(at) AND NOT arrayExists((y, r) -> y < start AND r > st, ys, rs)"))
		// A spell counts where it started.
		return text("SELECT *, toUInt64(1) AS people, if((staff_key, school_year) IN (" + c.memberYears() + "), 'yes', 'no') AS member FROM (").
			add(spell).add(text(") WHERE start > ? AND start BETWEEN ? AND ? AND ", c.firstYear, lo, hi)).add(p.districtOnly()).
			add(text(" AND ")).add(p.school.cond("school_id"))
	}
}

var spellVariants = []variant{
	{table: "spell_rollup", dims: detailRollupDims, rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
		l := c.ladder
		return text("SELECT state_code, lea_id, school_id, role_code, transform(role_code, ?, ?, '') AS tier, "+
			"toString(ethnicity) AS ethnicity, toString(gender) AS gender, start_year AS school_year, d, e, people FROM "+
			c.table("spell_rollup")+" WHERE "+c.live("spell_rollup")+" AND start_year > ? AND start_year BETWEEN ? AND ? AND ", l.Codes, l.Tiers, c.firstYear, lo, hi).
			add(p.where(true))
	}},
	{table: "staff_person_year", dims: personDims, rel: spellsRel(false)},
	{table: "staff_assignments", dims: personDims, facts: true, rel: spellsRel(true)},
}

// sources, by name.
var sources = map[string]*source{
	"staff": {name: "staff", variants: staffVariants, years: sameYears, bases: map[string]string{
		"leaders":             "sumIf(people, is_leader = 1)",
		"latino_leaders":      "sumIf(latino, is_leader = 1)",
		"known_leaders":       "sumIf(known, is_leader = 1)",
		"teachers":            "sumIf(people, rank = 0)",
		"latino_teachers":     "sumIf(latino, rank = 0)",
		"known_teachers":      "sumIf(known, rank = 0)",
		"staff":               "sum(people)",
		"latino_staff":        "sum(latino)",
		"known_staff":         "sum(known)",
		"latino_leaders_from": "sumIf(latino, is_leader = 1 AND school_year = {from})",
		"latino_leaders_to":   "sumIf(latino, is_leader = 1 AND school_year = {to})",
		"staff_from":          "sumIf(people, school_year = {from})",
		"staff_to":            "sumIf(people, school_year = {to})",
	}},
	// The rank below, moved up one rank: its row for a role holds the
	// counts of the role beneath (pipeline parity).
	"staff_below": {name: "staff_below", variants: shiftedAll(staffVariants, 0, 1), years: sameYears, bases: map[string]string{
		"below_latino": "sum(latino)",
		"below_known":  "sum(known)",
	}},
	// The year before, moved forward one year (year-on-year growth).
	"staff_prev": {name: "staff_prev", variants: shiftedAll(staffVariants, 1, 0),
		years: func(from, to int) (int, int) { return from - 1, to - 1 }, bases: map[string]string{
			"prev_latino_leaders": "sumIf(latino, is_leader = 1)",
		}},
	"enrollment": {name: "enrollment", years: sameYears, variants: []variant{
		{table: "district_rollup", dims: memberDims, rel: placeCounts("district_rollup", false, "students, latino_students, known_students", "students")},
		{table: "place_rollup", dims: placeDims, rel: placeCounts("place_rollup", true, "students, latino_students, known_students", "students")},
		{table: "enrollment", dims: studentDims, facts: true, rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
			return text("SELECT school_year, state_code, lea_id, school_id, toString(ethnicity) AS ethnicity, "+
				"toUInt64(students) AS students, if(ethnicity = 'hispanic_latino', toUInt64(students), 0) AS latino_students, "+
				"if(ethnicity != 'unknown', toUInt64(students), 0) AS known_students FROM "+c.table("enrollment")+
				" WHERE "+c.live("enrollment")+" AND students > 0 AND school_year BETWEEN ? AND ? AND ", lo, hi).add(p.where(true))
		}},
	}, bases: map[string]string{
		"students":        "sum(students)",
		"latino_students": "sum(latino_students)",
		"known_students":  "sum(known_students)",
	}},
	"schools": {name: "schools", years: sameYears, variants: []variant{
		{table: "district_rollup", dims: memberDims, rel: placeCounts("district_rollup", false, "schools, schools_with_latino_leader", "schools")},
		{table: "place_rollup", dims: placeDims, rel: placeCounts("place_rollup", true, "schools, schools_with_latino_leader", "schools")},
		{table: "staff_assignments", dims: placeDims, facts: true, rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
			return text("SELECT school_year, state_code, lea_id, school_id, toUInt64(1) AS schools, " +
				"toUInt64(countIf(is_leader = 1 AND tier = 'school' AND ethnicity = 'hispanic_latino') > 0) AS schools_with_latino_leader " +
				"FROM (").add(persons(c, true, lo, hi, p)).add(text(") WHERE school_id != '' AND ")).add(p.school.cond("school_id")).
				add(text(" GROUP BY school_year, state_code, lea_id, school_id"))
		}},
	}, bases: map[string]string{
		"schools":                    "sum(schools)",
		"schools_with_latino_leader": "sum(schools_with_latino_leader)",
	}},
	"moves": {name: "moves", variants: movesVariants, years: sameYears, bases: map[string]string{
		"cohort":             "sumIf(people, can_rise = 1)",
		"promoted":           "sumIf(up, can_rise = 1)",
		"latino_cohort":      "sumIf(people, can_rise = 1 AND ethnicity = 'hispanic_latino')",
		"latino_promoted":    "sumIf(up, can_rise = 1 AND ethnicity = 'hispanic_latino')",
		"other_cohort":       "sumIf(people, can_rise = 1 AND ethnicity NOT IN ('hispanic_latino', 'unknown'))",
		"other_promoted":     "sumIf(up, can_rise = 1 AND ethnicity NOT IN ('hispanic_latino', 'unknown'))",
		"leaders_cohort":     "sumIf(people, has_next = 1 AND is_leader = 1)",
		"retained":           "sumIf(nl, has_next = 1 AND is_leader = 1)",
		"new_leaders":        "sumIf(people - pl, has_prev = 1 AND is_leader = 1)",
		"new_latino_leaders": "sumIf(people - pl, has_prev = 1 AND is_leader = 1 AND ethnicity = 'hispanic_latino')",
		"new_known_leaders":  "sumIf(people - pl, has_prev = 1 AND is_leader = 1 AND ethnicity != 'unknown')",
		"movers":             "sumIf(people, has_next = 1)",
	}},
	// Members' moves: person-level (membership is per person and year).
	"member_moves": {name: "member_moves", variants: personMovesVariants, years: sameYears, bases: map[string]string{
		"member_cohort":   "sumIf(people, can_rise = 1 AND member = 'yes')",
		"member_promoted": "sumIf(up, can_rise = 1 AND member = 'yes')",
	}},
	// Members against Latino non-members of the same rank: per rank first,
	// then the members' expected promotions at their peers' rates.
	"peers": {name: "peers", variants: personMovesVariants, years: sameYears, bases: map[string]string{
		"peer_member_cohort": "", "peer_member_promoted": "", "peer_expected": "",
	}, branch: func(c *compiler, rel sqlText, dims []string, want []string) sqlText {
		inner := text("SELECT " + dimSelect(dims, "") + "rank, " +
			"sumIf(people, can_rise = 1 AND member = 'yes') AS mc, sumIf(up, can_rise = 1 AND member = 'yes') AS mp, " +
			"sumIf(people, can_rise = 1 AND member = 'no' AND ethnicity = 'hispanic_latino') AS pc, " +
			"sumIf(up, can_rise = 1 AND member = 'no' AND ethnicity = 'hispanic_latino') AS pp FROM (").
			add(rel).add(text(") GROUP BY " + dimList(dims, "rank")))
		aggs := map[string]string{
			"peer_member_cohort":   "sumIf(mc, pc > 0)",
			"peer_member_promoted": "sumIf(mp, pc > 0)",
			"peer_expected":        "sum(if(pc > 0, mc * pp / pc, 0))",
		}
		return c.aggregate(inner, dims, want, aggs, "peers")
	}},
	"spells": {name: "spells", variants: spellVariants, years: sameYears, bases: map[string]string{
		"spells": "", "spell_median": "",
	}, branch: func(c *compiler, rel sqlText, dims []string, want []string) sqlText {
		byD := text("SELECT " + dimSelect(dims, "") + "d, toUInt64(sumIf(people, e = 1)) AS ev, toUInt64(sumIf(people, e = 0)) AS ce FROM (").
			add(rel).add(text(") GROUP BY " + dimList(dims, "d")))
		// Kaplan-Meier: at each duration, at risk = all − those who left
		// earlier; S multiplies (1 − events ÷ at risk); the median is the
		// first duration where S ≤ ½.
		km := text("SELECT " + dimSelect(dims, "d_") + "toFloat64(n) AS spells, " +
			"if(arrayExists(s -> s <= 0.5 + 1e-9, sv), toFloat64(arrayFirst((x, s) -> s <= 0.5 + 1e-9, ds, sv)), nan) AS spell_median FROM (" +
			"SELECT *, arrayMap(x -> exp(x), arrayCumSum(arrayMap((e, r) -> if(e >= r, -inf, log(1 - e / r)), es, " +
			"arrayMap((cum, e, x) -> n - (cum - e - x), arrayCumSum(arrayMap((e, x) -> e + x, es, cs)), es, cs)))) AS sv FROM (" +
			"SELECT " + dimSelect(dims, "d_") + "arraySort(groupArray((d, ev, ce))) AS t, arrayMap(x -> x.1, t) AS ds, " +
			"arrayMap(x -> x.2, t) AS es, arrayMap(x -> x.3, t) AS cs, sum(ev + ce) AS n FROM (").
			add(byD).add(text(")" + groupBy(dims) + "))"))
		aggs := map[string]string{"spells": "sum(spells)", "spell_median": "any(spell_median)"}
		return c.aggregate(km, dims, want, aggs, "spells")
	}},
	"members": {name: "members", sparse: true, years: sameYears, variants: []variant{{table: "members", dims: memberDims,
		rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
			// A year after the last year with data has no figure (no row),
			// not the members who never left.
			hi = min(hi, c.lastYear)
			end := "toDate(concat(toString(school_year + 1), '-06-30'))"
			return text("SELECT toUInt16(? + i) AS school_year, state_code, lea_id, "+
				"toUInt8(joined_on <= "+end+" AND (isNull(left_on) OR assumeNotNull(left_on) > "+end+")) AS active, "+
				"toUInt8(toYear(joined_on) - (toMonth(joined_on) < 7) = school_year) AS joined FROM "+c.table("members")+
				" FINAL ARRAY JOIN range(toUInt32(?)) AS i WHERE "+c.live("members")+" AND ", lo, max(hi-lo+1, 0)).add(p.where(false))
		}}}, bases: map[string]string{
		"members":     "sum(active)",
		"new_members": "sum(joined)",
	}},
	"conference": {name: "conference", sparse: true, years: sameYears, variants: []variant{{table: "member_events", dims: memberDims,
		rel: func(c *compiler, lo, hi int, p pushdown) sqlText {
			return text("SELECT * FROM (SELECT member_id, toUInt16(toYear(event_date) - (toMonth(event_date) < 7)) AS school_year FROM " +
				c.table("member_events") + " WHERE " + c.live("member_events") + " AND event_type = 'conference_attended') " +
				"ANY INNER JOIN (SELECT member_id, state_code, lea_id FROM " + c.table("members") + " FINAL WHERE " + c.live("members") +
				" AND ").add(p.where(false)).add(text(") USING member_id WHERE school_year BETWEEN ? AND ?", lo, min(hi, c.lastYear)))
		}}}, bases: map[string]string{
		"conference_members": "uniqExact(member_id)",
	}},
}

// baseSource maps each base aggregate to its source.
var baseSource = func() map[string]*source {
	m := map[string]*source{}
	for _, s := range sources {
		for b := range s.bases {
			if m[b] != nil {
				panic("metrics: base " + b + " in two sources")
			}
			m[b] = s
		}
	}
	return m
}()

// dimColumn is each dimension's column in the relations.
var dimColumn = map[string]string{
	DimSchoolYear: "school_year", DimState: "state_code", DimDistrict: "lea_id", DimSchool: "school_id",
	DimSchoolLevel: "school_level", DimLeaType: "lea_type", DimLocale: "locale", DimRole: "role_code", DimTier: "tier",
	DimEthnicity: "ethnicity", DimGender: "gender", DimMember: "member", DimNextRole: "next_role",
}

// dimRows are the rows of a relation a dimension is defined on: a query cut
// or filtered by the dimension reads only those (next_role: the years t
// whose year t+1 is in the warehouse; in the last year everybody would be
// 'none').
var dimRows = map[string]string{DimNextRole: "has_next = 1"}

// dimSelect lists dims as d0, d1, ... (prefix "" reads the relation's
// columns; "d_" passes through already named dimension columns).
func dimSelect(dims []string, prefix string) string {
	var b strings.Builder
	for i, d := range dims {
		if prefix == "" {
			b.WriteString(dimExpr(d) + " AS " + dimAlias(i) + ", ")
		} else {
			b.WriteString(dimAlias(i) + ", ")
		}
	}
	return b.String()
}

func dimExpr(d string) string {
	if d == DimSchoolLevel {
		return "if(school_level = '', 'none', school_level)"
	}
	return "toString(" + dimColumn[d] + ")"
}

func dimAlias(i int) string { return "d" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// dimList is the GROUP BY list of dims plus extra columns.
func dimList(dims []string, extra ...string) string {
	var parts []string
	for i := range dims {
		parts = append(parts, dimAlias(i))
	}
	return strings.Join(append(parts, extra...), ", ")
}

func groupBy(dims []string) string {
	if len(dims) == 0 {
		return ""
	}
	return " GROUP BY " + dimList(dims)
}
