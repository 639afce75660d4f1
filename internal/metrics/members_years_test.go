package metrics_test

import (
	"testing"

	"github.com/camino-edu/camino/internal/metrics"
)

// TestMemberMeasuresEndWithTheData: the Utah seed's data end in school year
// 2025; member figures of 2026-2030 are not figures (the members who never
// left would be counted in years nobody measured). A year after the data
// has no row.
func TestMemberMeasuresEndWithTheData(t *testing.T) {
	db := utah(t)
	for _, e := range engines(db) {
		for _, m := range []string{"members", "new_members", "conference_attendance"} {
			res := run(t, e, metrics.Query{Measures: []string{m}, Dimensions: []string{metrics.DimSchoolYear}, From: 2023, To: 2030,
				Limit: metrics.MaxLimit})
			var years []string
			for _, r := range res.Rows {
				if r.Values[0].V != nil && *r.Values[0].V != 0 {
					years = append(years, r.Dims[0])
				}
			}
			if len(years) == 0 || years[len(years)-1] != "2025" {
				t.Errorf("%s engine, %s by school year 2023-2030: figures for %v, want up to 2025 and no later", e.name, m, years)
			}
		}
	}
}
