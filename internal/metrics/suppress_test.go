package metrics

import (
	"fmt"
	"slices"
	"sort"
	"testing"
)

// Hand-made small cells. Each case is a result as the compiler returns it
// (dimension values, measure values, base counts) and the values a partner
// may see, worked out by hand from the rules in suppress.go.

// cut builds a result of measures over the bases latino_leaders,
// known_leaders, leaders (in that column order: the compiler sorts bases,
// and the test states its own order) from rows of dims and the three
// counts; each measure's value is computed here from the counts.
func cut(q Query, rows [][]any) (*Result, []Measure, []string) {
	bases := []string{"known_leaders", "latino_leaders", "leaders"}
	var ms []Measure
	for _, name := range q.Measures {
		m, _ := LookupMeasure(name)
		ms = append(ms, m)
	}
	res := &Result{Dimensions: q.Dimensions, Measures: q.Measures}
	for _, r := range rows {
		nd := len(q.Dimensions)
		row := Row{}
		for _, d := range r[:nd] {
			row.Dims = append(row.Dims, d.(string))
		}
		latino, known, all := float64(r[nd].(int)), float64(r[nd+1].(int)), float64(r[nd+2].(int))
		row.bases = []float64{known, latino, all}
		for _, m := range ms {
			var v float64
			switch m.Name {
			case "leaders":
				v = all
			case "latino_leaders":
				v = latino
			case "latino_leader_share":
				v = latino / known
			}
			row.Values = append(row.Values, Value{V: &v})
		}
		res.Rows = append(res.Rows, row)
	}
	return res, ms, bases
}

// shown renders a value as a partner sees it.
func shown(v Value) string {
	switch {
	case v.Suppressed != "":
		return string(v.Suppressed)
	case v.V == nil:
		return "null"
	case v.Coded == AtMost:
		return fmt.Sprintf("<=%g", *v.V)
	case v.Coded == AtLeast:
		return fmt.Sprintf(">=%g", *v.V)
	}
	return fmt.Sprintf("%g", *v.V)
}

func check(t *testing.T, name string, res *Result, want [][]string) {
	t.Helper()
	for i, row := range res.Rows {
		var got []string
		for _, v := range row.Values {
			got = append(got, shown(v))
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("%s, row %v: %v, want %v", name, row.Dims, got, want[i])
		}
	}
}

func TestSuppressSmallCountsAndWhatIsBuiltOnThem(t *testing.T) {
	q := Query{Measures: []string{"leaders", "latino_leaders", "latino_leader_share"}, Dimensions: []string{DimDistrict},
		Entity: DimDistrict}
	res, ms, bases := cut(q, [][]any{
		// latino, known, all
		{"A", 4, 30, 31},  // 4 Latino leaders: hidden, and the share built on them
		{"B", 12, 30, 30}, // 12 of 30 (0.4): all shown
		{"C", 12, 15, 16}, // group under 40, 3 non-Latino left: the share is hidden
		{"D", 0, 0, 0},    // zero is below 10 too
		{"E", 10, 10, 10}, // exactly the threshold is shown; 10 of 10 leaves 0: hidden share
	})
	suppress(res, q, ms, bases, 10)
	check(t, "by district (entities)", res, [][]string{
		{"31", "small_count", "small_cell"},
		{"30", "12", "0.4"},
		{"16", "12", "small_cell"},
		{"small_count", "small_count", "small_cell"},
		{"10", "10", "small_cell"},
	})
}

func TestSuppressComplementaryCellOfABreakdown(t *testing.T) {
	// Latino leaders of one district by tier: the district tier's 4 is
	// hidden; without the complementary rule the board total (a separate
	// figure, 40) minus the shown tiers would give it back.
	q := Query{Measures: []string{"latino_leaders"}, Dimensions: []string{DimTier}, Filters: []Filter{{Dimension: DimDistrict, In: []string{"A"}}}}
	res, ms, bases := cut(q, [][]any{
		{"school", 24, 100, 100},
		{"district", 4, 20, 20},
		{"state", 12, 30, 30},
	})
	suppress(res, q, ms, bases, 10)
	check(t, "by tier", res, [][]string{{"24"}, {"small_count"}, {"complementary"}})
	// Total minus parts: the total of the same cut, 40, less every shown
	// part leaves 16 = 4 + 12, two hidden cells, not one.
	visible := 0.0
	for _, r := range res.Rows {
		if v := r.Values[0]; v.V != nil {
			visible += *v.V
		}
	}
	if left := 40 - visible; left != 16 {
		t.Fatalf("total minus shown parts = %g, want the two hidden cells together (16)", left)
	}

	// Two hidden cells already protect each other: nothing more is hidden.
	res, ms, bases = cut(q, [][]any{{"school", 24, 100, 100}, {"district", 4, 20, 20}, {"state", 3, 30, 30}})
	suppress(res, q, ms, bases, 10)
	check(t, "two small tiers", res, [][]string{{"24"}, {"small_count"}, {"small_count"}})

	// A hidden count hides every measure built on it, including one asked
	// alone: the complementary 12 also hides its share.
	q.Measures = []string{"latino_leaders", "latino_leader_share"}
	res, ms, bases = cut(q, [][]any{{"school", 24, 100, 100}, {"district", 4, 20, 20}, {"state", 12, 30, 30}})
	suppress(res, q, ms, bases, 10)
	check(t, "shares of a complementary cell", res, [][]string{{"24", "0.24"}, {"small_count", "small_cell"}, {"complementary", "complementary"}})
}

func TestSuppressComplementaryAcrossTwoDimensions(t *testing.T) {
	// By tier and gender: one small cell hides its neighbour in its tier
	// row and in its gender column, and the rule repeats until every
	// breakdown has none or at least two hidden cells.
	q := Query{Measures: []string{"latino_leaders"}, Dimensions: []string{DimTier, DimGender}}
	res, ms, bases := cut(q, [][]any{
		{"school", "female", 30, 90, 90}, {"school", "male", 5, 60, 60},
		{"district", "female", 20, 40, 40}, {"district", "male", 25, 50, 50},
	})
	suppress(res, q, ms, bases, 10)
	hidden := 0
	for _, r := range res.Rows {
		if r.Values[0].Suppressed != "" {
			hidden++
		}
	}
	// school/male (5) is small; school/female (30) completes the school row,
	// district/male (25) the male column, then district/female (20) the
	// district row and the female column.
	check(t, "tier × gender", res, [][]string{{"complementary"}, {"small_count"}, {"complementary"}, {"complementary"}})
	if hidden != 4 {
		t.Fatalf("%d hidden", hidden)
	}
	// Every breakdown left has 0 or ≥ 2 hidden cells.
	for di := range q.Dimensions {
		groups := map[string]int{}
		for _, r := range res.Rows {
			key := fmt.Sprint(slices.Delete(slices.Clone(r.Dims), di, di+1))
			if r.Values[0].Suppressed != "" {
				groups[key]++
			} else if _, ok := groups[key]; !ok {
				groups[key] = 0
			}
		}
		for k, n := range groups {
			if n == 1 {
				t.Errorf("breakdown %s has one hidden cell", k)
			}
		}
	}
}

func TestSuppressSchoolYearOfAHeadcountIsNotABreakdown(t *testing.T) {
	// Headcounts do not add up over years, so one small year hides no
	// other year; the entity (district of a typed field) is not a
	// breakdown either.
	q := Query{Measures: []string{"latino_leaders"}, Dimensions: []string{DimDistrict, DimSchoolYear}, Entity: DimDistrict}
	res, ms, bases := cut(q, [][]any{{"A", "2022", 5, 50, 50}, {"A", "2023", 12, 50, 50}, {"B", "2022", 30, 50, 50}, {"B", "2023", 30, 50, 50}})
	suppress(res, q, ms, bases, 10)
	check(t, "years of a headcount", res, [][]string{{"small_count"}, {"12"}, {"30"}, {"30"}})
}

func TestSuppressTopAndBottomCodingBySize(t *testing.T) {
	q := Query{Measures: []string{"latino_leader_share"}, Dimensions: []string{DimDistrict}, Entity: DimDistrict}
	res, ms, bases := cut(q, [][]any{
		{"A", 997, 1000, 1000}, // 99.7% of ≥ 300: ≥99%
		{"B", 12, 1500, 1500},  // 0.8% of ≥ 300: ≤1%
		{"C", 148, 150, 150},   // 98.7% of 100-299: ≥98%
		{"D", 57, 60, 60},      // 95% of 40-99: ≥95%... but 3 left is not hidden above 40: coded
		{"E", 20, 60, 60},      // 33%: as is
		{"F", 980, 1000, 1000}, // 98% of ≥ 300: as is
	})
	suppress(res, q, ms, bases, 10)
	check(t, "coding", res, [][]string{{">=0.99"}, {"<=0.01"}, {">=0.98"}, {">=0.95"}, {fmt.Sprint(20.0 / 60)}, {"0.98"}})
}

func TestSuppressOneHolderPosts(t *testing.T) {
	// The principals of a school and a district's superintendent: their
	// ethnicity is never shown below state level, whatever the threshold
	// (here 1, so no count is small). Headcounts stay.
	q := Query{Measures: []string{"leaders", "latino_leaders", "latino_leader_share"}, Dimensions: []string{DimSchool, DimRole}}
	res, ms, bases := cut(q, [][]any{{"S1", "principal", 1, 1, 1}, {"S1", "assistant_principal", 2, 3, 3}})
	suppress(res, q, ms, bases, 1)
	check(t, "school principal", res, [][]string{{"1", "one_holder", "one_holder"}, {"3", "2", fmt.Sprint(2.0 / 3)}})

	q = Query{Measures: []string{"leaders", "latino_leaders"}, Filters: []Filter{{Dimension: DimRole, In: []string{"superintendent"}},
		{Dimension: DimDistrict, In: []string{"A"}}}}
	res, ms, bases = cut(q, [][]any{{1, 1, 1}})
	suppress(res, q, ms, bases, 1)
	check(t, "a district's superintendent", res, [][]string{{"1", "one_holder"}})

	// At state level the superintendents are many: shown.
	q = Query{Measures: []string{"latino_leaders"}, Dimensions: []string{DimState, DimRole}}
	res, ms, bases = cut(q, [][]any{{"UT", "superintendent", 12, 40, 41}})
	suppress(res, q, ms, bases, 10)
	check(t, "state superintendents", res, [][]string{{"12"}})
}

// Every share measure is either a proportion (coded by group size) or
// listed as not one, and every proportion's bases are the measure's own.
func TestEveryShareMeasureIsClassified(t *testing.T) {
	var missing []string
	for _, m := range Catalog() {
		p, ok := proportions[m.Name]
		if m.Unit == UnitShare && !ok && !slices.Contains(notProportions, m.Name) {
			missing = append(missing, m.Name)
		}
		if ok && (!slices.Contains(m.bases, p[0]) || !slices.Contains(m.bases, p[1])) {
			t.Errorf("%s: proportion bases %v are not among its bases %v", m.Name, p, m.bases)
		}
		if len(m.cells()) == 0 {
			t.Errorf("%s is built on no count: suppression could not protect it", m.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("share measures neither in proportions nor notProportions: %v", missing)
	}
}
