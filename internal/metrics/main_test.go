package metrics_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The catalog's tests run against a real ClickHouse (whtest): a hand-built
// fixture whose every value is counted by hand in fixture_test.go, and the
// Utah seed checked against plain SQL (utah_test.go) and rollups against
// the facts (rollup_test.go).
func TestMain(m *testing.M) { whtest.Main(m) }

// tol is how close two computed values must be.
const tol = 1e-9

// num is a defined expected value; a nil *float64 is an undefined one.
func num(v float64) *float64 { return &v }

// frac is num(a / b), to write hand-counted shares as the counts.
func frac(a, b float64) *float64 { return num(a / b) }

func near(a, b float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func sameValue(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return near(*got, *want)
}

func show(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprintf("%.12g", *v)
}

// rowKey joins a row's dimension values.
func rowKey(dims []string) string { return strings.Join(dims, "|") }

// engines are the rollup engine and the facts-only engine over db.
func engines(db *warehouse.DB) []namedEngine {
	e := metrics.NewEngine(db)
	return []namedEngine{{"rollups", e}, {"facts", e.FactsOnly()}}
}

type namedEngine struct {
	name string
	*metrics.Engine
}

func run(t testing.TB, e namedEngine, q metrics.Query) *metrics.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := e.Run(ctx, q)
	if err != nil {
		t.Fatalf("%s engine: %+v: %v", e.name, q, err)
	}
	return res
}

// sameRows reports how two results differ (same dimension values in the
// same order, every value and unknown share equal within tol), or "".
func sameRows(a, b *metrics.Result) string {
	var diffs []string
	am, bm := map[string]metrics.Row{}, map[string]metrics.Row{}
	for _, r := range a.Rows {
		am[rowKey(r.Dims)] = r
	}
	for _, r := range b.Rows {
		bm[rowKey(r.Dims)] = r
	}
	for k, ra := range am {
		rb, ok := bm[k]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("row %q only in the first (%s)", k, showRow(ra)))
			continue
		}
		for i := range ra.Values {
			if !sameValue(ra.Values[i].V, rb.Values[i].V) || !sameValue(ra.Values[i].UnknownShare, rb.Values[i].UnknownShare) {
				diffs = append(diffs, fmt.Sprintf("row %q: %s vs %s", k, showRow(ra), showRow(rb)))
				break
			}
		}
	}
	for k, rb := range bm {
		if _, ok := am[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("row %q only in the second (%s)", k, showRow(rb)))
		}
	}
	if len(diffs) == 0 && len(a.Rows) == len(b.Rows) {
		for i := range a.Rows {
			if rowKey(a.Rows[i].Dims) != rowKey(b.Rows[i].Dims) {
				diffs = append(diffs, fmt.Sprintf("order differs at row %d: %q vs %q", i, rowKey(a.Rows[i].Dims), rowKey(b.Rows[i].Dims)))
				break
			}
		}
	}
	if len(diffs) == 0 && a.TotalCount != b.TotalCount {
		diffs = append(diffs, fmt.Sprintf("totalCount %d vs %d", a.TotalCount, b.TotalCount))
	}
	slices.Sort(diffs)
	if len(diffs) > 8 {
		diffs = append(diffs[:8], fmt.Sprintf("… and %d more", len(diffs)-8))
	}
	return strings.Join(diffs, "\n\t")
}

func showRow(r metrics.Row) string {
	var parts []string
	for _, v := range r.Values {
		s := show(v.V)
		if v.UnknownShare != nil {
			s += " (unknown " + show(v.UnknownShare) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func strp(s string) *string { return &s }

// rowsOf shows a result's rows, for comparing two results.
func rowsOf(res *metrics.Result) []string {
	var out []string
	for _, r := range res.Rows {
		out = append(out, showRow(r))
	}
	return out
}
