package metrics

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// Small-cell suppression of partner and public output. The rules (also in
// the README, "Access and privacy"):
//
//  1. A count of people (or schools) below the threshold k is hidden
//     (small_count), and so is every value built on it: a share, ratio,
//     gap or rate whose numerator or denominator is hidden (small_cell).
//  2. Complementary: when one cell of a breakdown is hidden (and holds
//     somebody: hidden zeros do not count), the next smallest cell of the
//     same breakdown is hidden too (complementary), so the hidden one cannot
//     be rebuilt from the total. A breakdown is the
//     rows that agree on every dimension but one; school_year is not a
//     breakdown of a headcount (headcounts do not add up over years), and
//     the entity of a typed field (Query.Entity) is not one either.
//  3. A share of a group under 40 is hidden when what is left of the group
//     (denominator − numerator) is below k; a share of a larger group near
//     0 or 1 is coded by group size: ≥ 300: ≤1% / ≥99%; 100-299: ≤2% /
//     ≥98%; 40-99: ≤5% / ≥95% (the value becomes the bound, Coded says
//     which side).
//  4. Race is never shown for a one-holder post below state level: the
//     principal of a school, a district's superintendent (one_holder,
//     whatever the counts).
//
// Suppression works on the base aggregates the compiled query returns
// beside the measures, so a hidden count hides every measure built on it,
// whichever measure the caller asked for.

// Reason says why a value is hidden.
type Reason string

// Reasons a value is hidden.
const (
	SmallCount    Reason = "small_count"
	SmallCell     Reason = "small_cell"
	Complementary Reason = "complementary"
	OneHolder     Reason = "one_holder"
)

// Coding says a value is a bound, not the value.
type Coding string

// Codings of shares near 0 or 1.
const (
	AtMost  Coding = "at_most"
	AtLeast Coding = "at_least"
)

// proportions are the share measures that are a part of a group: their
// numerator and denominator bases. Top and bottom coding apply to them.
var proportions = map[string][2]string{
	"latino_leader_share":              {"latino_leaders", "known_leaders"},
	"latino_staff_share":               {"latino_staff", "known_staff"},
	"latino_teacher_share":             {"latino_teachers", "known_teachers"},
	"latino_student_share":             {"latino_students", "known_students"},
	"schools_with_latino_leader_share": {"schools_with_latino_leader", "schools"},
	"promotion_rate":                   {"promoted", "cohort"},
	"retention_rate":                   {"retained", "leaders_cohort"},
	"new_leader_share":                 {"new_latino_leaders", "new_known_leaders"},
	"member_promotion_rate":            {"member_promoted", "member_cohort"},
}

// notProportions are the share-unit measures that are not a part of a
// group (growth rates, a data-quality share); listed so that a new share
// measure must be placed in one list or the other (a test checks).
var notProportions = []string{"yoy_growth", "cagr", "unknown_ethnicity_share"}

// nonCounts are base aggregates that are not counts of people or schools.
var nonCounts = []string{"spell_median", "peer_expected"}

// cells are the count bases a measure is built on.
func (m Measure) cells() []string {
	var out []string
	for _, b := range m.bases {
		if !slices.Contains(nonCounts, b) {
			out = append(out, b)
		}
	}
	return out
}

// ethnic reports whether a measure says something about ethnicity.
func (m Measure) ethnic() bool {
	for _, b := range m.bases {
		if strings.Contains(b, "latino") || strings.Contains(b, "known") || strings.HasPrefix(b, "other_") ||
			strings.HasPrefix(b, "below_") || strings.HasPrefix(b, "peer_") {
			return true
		}
	}
	return false
}

// oneHolderRoles are the posts one person holds, by the level of the
// place they are held at.
var oneHolderRoles = map[string]string{"principal": DimSchool, "superintendent": DimDistrict}

// suppressor hides the small cells of one result.
type suppressor struct {
	k        float64
	q        Query
	measures []Measure
	bases    []string // the result's base columns, in order
	// hidden[row][base index] is the reason a base count is hidden.
	hidden [][]Reason
}

// suppress applies the rules to res in place. bases names the base
// columns of its rows.
func suppress(res *Result, q Query, measures []Measure, bases []string, k int) {
	s := &suppressor{k: float64(k), q: q, measures: measures, bases: bases, hidden: make([][]Reason, len(res.Rows))}
	for i, row := range res.Rows {
		s.hidden[i] = make([]Reason, len(bases))
		for j, b := range bases {
			if slices.Contains(nonCounts, b) {
				continue
			}
			if v := row.bases[j]; !math.IsNaN(v) && v < s.k {
				s.hidden[i][j] = SmallCount
			}
		}
	}
	s.complement(res.Rows)
	level := s.placeLevel()
	for i := range res.Rows {
		row := &res.Rows[i]
		for mi, m := range measures {
			v := &row.Values[mi]
			if v.V == nil {
				continue
			}
			if s.oneHolder(row, level) && (m.ethnic() || slices.Contains(q.Dimensions, DimEthnicity)) {
				*v = Value{Suppressed: OneHolder}
				continue
			}
			if r := s.reason(i, m); r != "" {
				*v = Value{Suppressed: r}
				continue
			}
			s.code(row, m, v)
		}
	}
}

// reason is why measure m of row i is hidden, or "".
func (s *suppressor) reason(i int, m Measure) Reason {
	var out Reason
	for _, c := range m.cells() {
		j := slices.Index(s.bases, c)
		if j < 0 || s.hidden[i][j] == "" {
			continue
		}
		r := s.hidden[i][j]
		if r == SmallCount && !(m.Unit == UnitCount && len(m.cells()) == 1) {
			r = SmallCell // a value built on a small count
		}
		if out == "" || r == SmallCount {
			out = r
		}
	}
	return out
}

// complement hides, in every breakdown with exactly one hidden cell of a
// base, the next smallest cell, until nothing changes.
func (s *suppressor) complement(rows []Row) {
	for changed := true; changed; {
		changed = false
		for di, d := range s.q.Dimensions {
			if d == s.q.Entity {
				continue
			}
			groups := map[string][]int{}
			var keys []string
			for i, row := range rows {
				key := strings.Join(slices.Delete(slices.Clone(row.Dims), di, di+1), "\x00")
				if _, ok := groups[key]; !ok {
					keys = append(keys, key)
				}
				groups[key] = append(groups[key], i)
			}
			sort.Strings(keys)
			for j, b := range s.bases {
				if slices.Contains(nonCounts, b) || (d == DimSchoolYear && s.stockOnly(b)) {
					continue
				}
				for _, key := range keys {
					if s.complementOne(rows, groups[key], j) {
						changed = true
					}
				}
			}
		}
	}
}

// complementOne hides the smallest visible cell of base j among rows when
// exactly one of them is a hidden cell that holds somebody; it reports
// whether it hid one. Hidden zeros protect nothing: with cells {1, 0} hidden
// the total less the shown cells is 1, and which post holds the one person
// is no secret (every district has a superintendent).
func (s *suppressor) complementOne(rows []Row, group []int, j int) bool {
	hidden, next := 0, -1
	for _, i := range group {
		if s.hidden[i][j] != "" {
			if rows[i].bases[j] > 0 {
				hidden++
			}
			continue
		}
		if next < 0 || rows[i].bases[j] < rows[next].bases[j] {
			next = i
		}
	}
	if hidden != 1 || next < 0 {
		return false
	}
	s.hidden[next][j] = Complementary
	return true
}

// stockOnly reports whether every measure of the query built on base b is
// a headcount (which does not add up over school years).
func (s *suppressor) stockOnly(b string) bool {
	for _, m := range s.measures {
		if slices.Contains(m.bases, b) && !m.Stock {
			return false
		}
	}
	return true
}

// placeLevel is the finest place a row stands for: school, district or
// state ("" for state level).
func (s *suppressor) placeLevel() string {
	level := ""
	has := func(d string) bool {
		if slices.Contains(s.q.Dimensions, d) || s.q.Entity == d {
			return true
		}
		return slices.ContainsFunc(s.q.Filters, func(f Filter) bool { return f.Dimension == d && len(f.In) > 0 })
	}
	if has(DimDistrict) {
		level = DimDistrict
	}
	if has(DimSchool) {
		level = DimSchool
	}
	return level
}

// oneHolder reports whether the row stands for a post one person holds
// at its level: its role is a one-holder post of that level (by the role
// dimension, or a filter that leaves only that role).
func (s *suppressor) oneHolder(row *Row, level string) bool {
	if level == "" {
		return false
	}
	role := ""
	if i := slices.Index(s.q.Dimensions, DimRole); i >= 0 {
		role = row.Dims[i]
	} else {
		for _, f := range s.q.Filters {
			if f.Dimension == DimRole && len(f.In) == 1 {
				role = f.In[0]
			}
			if f.Dimension == DimRole && f.Min != nil && f.Max != nil && *f.Min == *f.Max {
				role = *f.Min
			}
		}
	}
	at, ok := oneHolderRoles[role]
	return ok && (at == level || (at == DimDistrict && level == DimSchool))
}

// code applies rule 3 to a proportion.
func (s *suppressor) code(row *Row, m Measure, v *Value) {
	p, ok := proportions[m.Name]
	if !ok {
		return
	}
	ni, di := slices.Index(s.bases, p[0]), slices.Index(s.bases, p[1])
	if ni < 0 || di < 0 {
		return
	}
	num, den := row.bases[ni], row.bases[di]
	var bound float64
	switch {
	case den >= 300:
		bound = 0.01
	case den >= 100:
		bound = 0.02
	case den >= 40:
		bound = 0.05
	default:
		if den-num < s.k {
			*v = Value{Suppressed: SmallCell}
		}
		return
	}
	switch x := *v.V; {
	case x <= bound:
		b := bound
		v.V, v.Coded = &b, AtMost
	case x >= 1-bound:
		b := 1 - bound
		v.V, v.Coded = &b, AtLeast
	}
}
