package server_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// growthDB: Latino leaders by district and year, built so that each case
// of the CAGR definition shows (metrics.CAGRDescription), with the rate
// computed by hand:
//
//	district          2020  2021  2022   CAGR 2020→2022
//	Alpha 4900001       1     2     4    (4/1)^(1/2) − 1 = 1
//	Beta 4900002        4     2     1    (1/4)^(1/2) − 1 = −0.5
//	Gamma 4900003       3     1     0    (0/3)^(1/2) − 1 = −1 (every one gone)
//	Delta 3500001       0     1     2    undefined: no rate from nothing
//
// Every district has five white teachers each year, so no year is empty.
func growthDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates)
	insertRows(t, db, warehouse.TableDistricts, fixtureDistricts)
	insertRows(t, db, warehouse.TableSchools, fixtureSchools)
	var people []person
	key := uint64(1)
	add := func(year uint16, state, lea, sch, role, eth string, n int) {
		for i := 0; i < n; i++ {
			people = append(people, person{year, state, lea, sch, key, role, eth, 1})
			key++
		}
	}
	for _, d := range []struct {
		state, lea, sch, role string
		latino                [3]int
	}{
		{"UT", "4900001", "490000100001", "principal", [3]int{1, 2, 4}},
		{"UT", "4900002", "490000200001", "assistant_principal", [3]int{4, 2, 1}},
		{"UT", "4900003", "", "district_leader", [3]int{3, 1, 0}},
		{"NM", "3500001", "350000100001", "principal", [3]int{0, 1, 2}},
	} {
		for i, n := range d.latino {
			y := uint16(2020 + i)
			add(y, d.state, d.lea, d.sch, d.role, "hispanic_latino", n)
			add(y, d.state, d.lea, d.sch, "teacher", "white", 5)
		}
	}
	insertPeople(t, db, people)
	if err := db.RebuildRollups(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCAGRFollowsItsOneDefinition(t *testing.T) {
	a := newAPI(t, growthDB(t))
	type growthJSON struct {
		LatinoLeadersFrom, LatinoLeadersTo *int
		Cagr                               *float64
	}
	want := map[string]*float64{"4900001": ptr(1.0), "4900002": ptr(-0.5), "4900003": ptr(-1.0), "3500001": nil}
	for id, w := range want {
		var d struct {
			District struct{ Growth, One growthJSON }
		}
		a.must(`query($id: ID!) { district(id: $id) {
			growth(from: 2020, to: 2022) { latinoLeadersFrom latinoLeadersTo cagr }
			one: growth(from: 2022, to: 2022) { latinoLeadersFrom latinoLeadersTo cagr } } }`, map[string]any{"id": id}, &d)
		if !sameFloat(d.District.Growth.Cagr, w) {
			t.Errorf("%s: cagr 2020→2022 = %s, want %s (by hand)", id, showF(d.District.Growth.Cagr), showF(w))
		}
		if d.District.One.Cagr != nil {
			t.Errorf("%s: cagr of a single year = %s, want null", id, showF(d.District.One.Cagr))
		}
	}
	// The analyst query says the same, by district; for one year it is
	// refused (there is no rate to give).
	var m struct {
		Span struct {
			Rows []struct {
				Dimensions []string
				Values     []*float64
			}
		}
	}
	a.must(`{ span: metrics(query: { measures: [CAGR], dimensions: [DISTRICT], from: 2020, to: 2022 }) { rows { dimensions values } } }`, nil, &m)
	if len(m.Span.Rows) != len(want) {
		t.Errorf("analyst CAGR rows %+v, want one for each of %d districts", m.Span.Rows, len(want))
	}
	for _, r := range m.Span.Rows {
		if w := want[r.Dimensions[0]]; !sameFloat(r.Values[0], w) {
			t.Errorf("analyst CAGR %s = %s, want %s", r.Dimensions[0], showF(r.Values[0]), showF(w))
		}
	}
	if errs := a.do("", `{ metrics(query: { measures: [CAGR], from: 2022, to: 2022 }) { rows { values } } }`, nil, nil); len(errs) == 0 ||
		!strings.Contains(errs[0].Message, "from < to") {
		t.Errorf("analyst CAGR of one year: errors %+v, want a refusal", errs)
	}
}

// TestGrowthPastTheDataIsAnError: a year without data is not zero Latino
// leaders; growth and members to it are refused, naming the last year.
func TestGrowthPastTheDataIsAnError(t *testing.T) {
	a := newAPI(t, growthDB(t))
	for _, doc := range []string{
		`{ district(id: "4900001") { growth(to: 2030) { latinoLeadersTo cagr } } }`,
		`{ state(code: "UT") { growth(from: 2020, to: 2026) { latinoLeadersTo } } }`,
		`{ state(code: "UT") { members(from: 2020, to: 2030) { years { schoolYear members } } } }`,
		`{ district(id: "4900001") { growth(from: 2012, to: 2022) { latinoLeadersFrom } } }`,
	} {
		var d map[string]any
		errs := a.do("", doc, nil, &d)
		if len(errs) == 0 {
			t.Errorf("%s: no error, data %v", doc, d)
			continue
		}
		if msg := errs[0].Message; !strings.Contains(msg, "2022") && !strings.Contains(msg, "2020") {
			t.Errorf("%s: error %q does not name the years with data", doc, msg)
		}
	}
}

// TestCAGRIsDefinedOnce: the schema's description of Growth.cagr and
// docs/metrics.md say exactly the catalog's words.
func TestCAGRIsDefinedOnce(t *testing.T) {
	for _, f := range []string{"../../graph/pipeline.graphqls", "../../docs/metrics.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), metrics.CAGRDescription) {
			t.Errorf("%s does not give the catalog's definition of CAGR", f)
		}
	}
}

func ptr(f float64) *float64 { return &f }

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

func showF(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

// TestSparseYearsAnswer: data in 1990, 2023 and 2100 (the widest a load
// may accept, with --years 1990-2100) still answer: the state's series
// spans them, its growth compares the first and the last.
func TestSparseYearsAnswer(t *testing.T) {
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates[:1])
	insertRows(t, db, warehouse.TableDistricts, fixtureDistricts[:1])
	insertRows(t, db, warehouse.TableSchools, fixtureSchools[:1])
	var people []person
	for i, y := range []uint16{1990, 2023, 2100} {
		people = append(people, person{y, "UT", "4900001", "490000100001", uint64(i + 1), "principal", "hispanic_latino", 1})
	}
	insertPeople(t, db, people)
	if err := db.RebuildRollups(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, db)
	var d struct {
		State struct {
			Leadership []pointJSON
			Growth     struct{ LatinoLeadersFrom, LatinoLeadersTo *int }
		}
	}
	a.must(`{ state(code: "UT") { leadership { schoolYear leaders latinoLeaders } growth { latinoLeadersFrom latinoLeadersTo } } }`, nil, &d)
	l := d.State.Leadership
	if len(l) == 0 || l[0].SchoolYear != 1990 || l[len(l)-1].SchoolYear != 2100 {
		t.Fatalf("leadership over sparse years: %d points %+v", len(l), l)
	}
	total := 0
	for _, p := range l {
		total += p.LatinoLeaders
	}
	if g := d.State.Growth; total != 3 || g.LatinoLeadersFrom == nil || *g.LatinoLeadersFrom != 1 || g.LatinoLeadersTo == nil || *g.LatinoLeadersTo != 1 {
		t.Errorf("sparse years: %d Latino leaders in the series (want 3), growth %+v", total, g)
	}
}
