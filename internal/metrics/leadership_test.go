package metrics

import "testing"

func TestLeadershipSeriesFillsYearsAndComputesShares(t *testing.T) {
	counts := []LeadershipCounts{
		{Year: 2020, Leaders: 10, Latino: 2, Known: 8},
		{Year: 2022, Leaders: 4, Latino: 0, Known: 0},
	}
	got := LeadershipSeries(counts, 2019, 2022)
	if len(got) != 4 {
		t.Fatalf("%d points, want 4 (2019-2022)", len(got))
	}
	// 2019 and 2021 have no rows: zero counts, null shares.
	for _, i := range []int{0, 2} {
		if got[i].Leaders != 0 || got[i].LatinoShare != nil || got[i].UnknownShare != nil {
			t.Errorf("empty year %d = %+v", got[i].SchoolYear, got[i])
		}
	}
	// 2020: 2 of 8 known = 0.25; 2 of 10 unknown = 0.2.
	if p := got[1]; p.SchoolYear != 2020 || *p.LatinoShare != 0.25 || *p.UnknownShare != 0.2 {
		t.Errorf("2020 = %+v", p)
	}
	// 2022: leaders but none of known ethnicity: share undefined, all unknown.
	if p := got[3]; p.LatinoShare != nil || *p.UnknownShare != 1 {
		t.Errorf("2022 = %+v", p)
	}
	if len(LeadershipSeries(nil, 2025, 2024)) != 0 {
		t.Error("an empty range should give no points")
	}
}
