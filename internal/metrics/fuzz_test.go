package metrics_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// hostile are filter values an attacker (or a careless client) sends.
var hostile = []string{
	"'", "''", `"`, `\`, `\'`, "`", "'); DROP TABLE x; --", "' OR '1'='1", "1) OR (1=1", "x' UNION ALL SELECT * FROM system.users --",
	"\x00", "a\x00b", "%00", "\n--", "/*", "*/", "?", "??", "{from}", "{to}", "{inv_span}", "d00", "b_leaders", "toString(",
	"Ñandú", "日本語", "😀", "\u202e", "\xff\xfe", strings.Repeat("x", 200), strings.Repeat("'", 200), strings.Repeat("é", 100),
	"2023", "65535", "65536", "-1", "0x7e7", "2023-24", " 2023", "teacher", "principal", "hispanic_latino", "4900001",
}

// fuzzQuery builds a query from fuzzed inputs: measures and dimensions by
// index into the catalog (index 255 takes the name from a fuzzed string,
// other indexes past the end leave it out), one filter, one measure filter
// (op < 14), an ordering, a limit and years.
func fuzzQuery(mi, mj, di, dj, fd, op, ord uint8, in1, in2, notIn, lo, hi string, hasMin, hasMax bool, hv float64,
	limit int, from, to int16) metrics.Query {
	cat, dims := metrics.Catalog(), metrics.Dimensions()
	var q metrics.Query
	measure := func(i uint8) {
		switch {
		case int(i) < len(cat):
			q.Measures = append(q.Measures, cat[i].Name)
		case i == 255:
			q.Measures = append(q.Measures, in1)
		}
	}
	measure(mi)
	if mj != mi {
		measure(mj)
	}
	dim := func(i uint8) string {
		switch {
		case int(i) < len(dims):
			return dims[i].Name
		case i == 255:
			return in2
		}
		return ""
	}
	for _, i := range []uint8{di, dj} {
		if d := dim(i); d != "" {
			q.Dimensions = append(q.Dimensions, d)
		}
	}
	if d := dim(fd); d != "" || fd == 255 {
		f := metrics.Filter{Dimension: d}
		if in1 != "" || in2 != "" {
			f.In = []string{in1, in2}
		}
		if notIn != "" {
			f.NotIn = []string{notIn}
		}
		if hasMin {
			f.Min = &lo
		}
		if hasMax {
			f.Max = &hi
		}
		q.Filters = append(q.Filters, f)
	}
	ops := []metrics.Op{metrics.OpEq, metrics.OpNe, metrics.OpGt, metrics.OpGte, metrics.OpLt, metrics.OpLte, metrics.Op(notIn)}
	if len(q.Measures) > 0 && op < 2*uint8(len(ops)) {
		q.Having = []metrics.MeasureFilter{{Measure: q.Measures[len(q.Measures)-1], Op: ops[int(op)%len(ops)], Value: hv}}
	}
	switch {
	case ord%3 == 1 && len(q.Measures) > 0:
		q.OrderBy = []metrics.Order{{Measure: q.Measures[0], Desc: ord > 128}}
	case ord%3 == 2 && len(q.Dimensions) > 0:
		q.OrderBy = []metrics.Order{{Dimension: q.Dimensions[0], Desc: ord > 128}}
	}
	q.Limit, q.From, q.To = limit, int(from), int(to)
	return q
}

// neutral is q with every filter value replaced by one of the same kind
// (a year, a ladder role, any string) and the measure filter's number by
// another: the SQL must not change, values being bound.
func neutral(q metrics.Query) metrics.Query {
	n := q
	n.Filters = nil
	for _, f := range q.Filters {
		v := "zz"
		switch f.Dimension {
		case metrics.DimSchoolYear:
			v = "2021"
		case metrics.DimRole:
			v = "teacher"
		}
		g := metrics.Filter{Dimension: f.Dimension}
		if f.In != nil {
			g.In = slices.Repeat([]string{v}, len(f.In))
		}
		if f.NotIn != nil {
			g.NotIn = slices.Repeat([]string{v}, len(f.NotIn))
		}
		if f.Min != nil {
			g.Min = &v
		}
		if f.Max != nil {
			g.Max = &v
		}
		n.Filters = append(n.Filters, g)
	}
	n.Having = nil
	for _, h := range q.Having {
		h.Value = 0.5
		n.Having = append(n.Having, h)
	}
	return n
}

// checkCompiled asserts what must hold of any query the compiler accepts
// or refuses.
func checkCompiled(t *testing.T, e *metrics.Engine, q metrics.Query) {
	t.Helper()
	ctx := context.Background()
	res, err := e.Compile(ctx, q)
	if err != nil {
		// Refusals are the client's fault, named as such.
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("%+v: %v (code %s), want an invalid-query error", q, err, apperr.CodeOf(err))
		}
		if msg := apperr.MessageOf(err); msg == "" || msg == "internal error" {
			t.Fatalf("%+v: refused without a message", q)
		}
		return
	}
	if n := strings.Count(res.SQL, "?"); n != len(res.Args) {
		t.Fatalf("%+v: %d placeholders, %d args\n%s", q, n, len(res.Args), res.SQL)
	}
	base, err := e.Compile(ctx, neutral(q))
	if err != nil {
		t.Fatalf("%+v: accepted, but the same query with neutral values is refused: %v", q, err)
	}
	if base.SQL != res.SQL {
		t.Fatalf("%+v: the SQL depends on a bound value\n%s\nvs\n%s", q, res.SQL, base.SQL)
	}
	var values []string
	for _, f := range q.Filters {
		values = append(values, f.In...)
		values = append(values, f.NotIn...)
		values = append(values, ptrs(f.Min, f.Max)...)
	}
	for _, v := range values {
		// A short value, or one the statement has anyway (an identifier
		// or keyword like "AND"), proves nothing.
		if len(v) >= 3 && !strings.Contains(base.SQL, v) && strings.Contains(res.SQL, v) {
			t.Fatalf("%+v: value %q appears in the SQL\n%s", q, v, res.SQL)
		}
	}
	// Every string a filter lists is bound as an argument.
	for _, f := range q.Filters {
		if f.Dimension == metrics.DimSchoolYear {
			continue
		}
		for _, v := range slices.Concat(f.In, f.NotIn) {
			if !slices.ContainsFunc(res.Args, func(a any) bool { s, ok := a.([]string); return ok && slices.Contains(s, v) }) {
				t.Fatalf("%+v: value %q is not among the bound arguments %v", q, v, res.Args)
			}
		}
	}
}

func ptrs(ps ...*string) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func FuzzCompile(f *testing.F) {
	db := fixture(f)
	e := metrics.NewEngine(db)
	n := uint8(len(metrics.Catalog()))
	for i, v := range hostile {
		m := uint8(i) % n
		// (measure, measure, dim, dim, filter dim, op, order, in1, in2, notIn, min, max, hasMin, hasMax, having, limit, from, to)
		f.Add(m, m, uint8(1), uint8(200), uint8(i%13), uint8(i%14), uint8(i), v, v+"2", v, v, v, i%2 == 0, i%3 == 0, 0.5, 10, int16(2023), int16(2023))
		// The same value in an in / notIn filter a query accepts.
		f.Add(uint8(0), uint8(i)%n, uint8(2), uint8(200), []uint8{2, 3, 4, 7, 8, 9, 10}[i%7], uint8(2), uint8(0), v, "", v+v, "", "",
			false, false, 1.0, 0, int16(2023), int16(2023))
	}
	f.Add(uint8(0), uint8(0), uint8(0), uint8(200), uint8(0), uint8(3), uint8(1), "2021", "2023", "2020", "2021", "2022", true, true, 3.0, 0, int16(0), int16(0))
	f.Add(uint8(255), uint8(0), uint8(255), uint8(7), uint8(255), uint8(6), uint8(2), "leaders", "role", "bogus", "teacher", "principal", true, false, -1.0, -5, int16(2021), int16(2023))
	f.Add(uint8(11), uint8(20), uint8(7), uint8(2), uint8(7), uint8(2), uint8(130), "principal", "teacher", "state_leader", "assistant_principal", "superintendent", true, true, 0.0, 100001, int16(2020), int16(2023))
	f.Fuzz(func(t *testing.T, mi, mj, di, dj, fd, op, ord uint8, in1, in2, notIn, lo, hi string, hasMin, hasMax bool, hv float64,
		limit int, from, to int16) {
		checkCompiled(t, e, fuzzQuery(mi, mj, di, dj, fd, op, ord, in1, in2, notIn, lo, hi, hasMin, hasMax, hv, limit, from, to))
	})
}

// TestHostileValuesRun: hostile filter values run as plain data on both
// engines: only the one real district id among them matches, and the
// warehouse is unchanged.
func TestHostileValuesRun(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	before, err := db.RowCount(ctx, warehouse.TableStaffAssignments)
	if err != nil {
		t.Fatal(err)
	}
	queries := []struct {
		q    metrics.Query
		want []*float64 // the one row's values (district A), or nil: no rows
	}{
		// A in 2023: 7 leaders, 640 students, 3 members (fixture_test.go).
		{metrics.Query{Measures: []string{"leaders", "students", "members"}, Dimensions: []string{"district"}, From: 2023, To: 2023,
			Filters: []metrics.Filter{{Dimension: "district", In: hostile}, {Dimension: "state", NotIn: hostile}}},
			[]*float64{num(7), num(640), num(3)}},
		// A pooled 2020-2023: promotion 6 of 36; retention 15 of 18.
		{metrics.Query{Measures: []string{"promotion_rate", "retention_rate"}, Dimensions: []string{"district"},
			Filters: []metrics.Filter{{Dimension: "district", In: hostile}, {Dimension: "gender", NotIn: hostile},
				{Dimension: "school", NotIn: hostile}, {Dimension: "member", NotIn: hostile}}},
			[]*float64{frac(6, 36), frac(15, 18)}},
		{metrics.Query{Measures: []string{"students", "latino_student_share"}, Dimensions: []string{"school_level"}, From: 2023, To: 2023,
			Filters: []metrics.Filter{{Dimension: "school_level", In: hostile}}}, nil},
		{metrics.Query{Measures: []string{"median_years_to_promotion"}, Dimensions: []string{"role"},
			Filters: []metrics.Filter{{Dimension: "school", In: hostile}, {Dimension: "ethnicity", In: hostile}}}, nil},
	}
	for _, e := range engines(db) {
		for _, c := range queries {
			res := run(t, e, c.q)
			checkCompiled(t, e.Engine, c.q)
			switch {
			case c.want == nil && len(res.Rows) != 0:
				t.Errorf("%s engine, %v: %d rows, want none", e.name, c.q.Measures, len(res.Rows))
			case c.want != nil && (len(res.Rows) != 1 || res.Rows[0].Dims[0] != leaA):
				t.Errorf("%s engine, %v: rows %v, want district A's only", e.name, c.q.Measures, res.Rows)
			case c.want != nil:
				for i, v := range res.Rows[0].Values {
					if !sameValue(v.V, c.want[i]) {
						t.Errorf("%s engine, %s = %s, want %s", e.name, c.q.Measures[i], show(v.V), show(c.want[i]))
					}
				}
			}
		}
	}
	after, err := db.RowCount(ctx, warehouse.TableStaffAssignments)
	if err != nil || after != before {
		t.Fatalf("staff_assignments rows %d before, %d after (%v)", before, after, err)
	}
}
