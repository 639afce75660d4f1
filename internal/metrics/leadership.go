package metrics

import "github.com/camino-edu/camino/internal/warehouse"

// LeadershipPoint is one school year of leadership counts with its shares.
type LeadershipPoint struct {
	SchoolYear int
	Leaders    int64
	Latino     int64
	Known      int64
	// LatinoShare is Latino ÷ Known; nil when Known is 0.
	LatinoShare *float64
	// UnknownShare is (Leaders − Known) ÷ Leaders; nil when Leaders is 0.
	UnknownShare *float64
}

// LeadershipSeries returns one point per school year from `from` to `to`,
// with zero counts for years that have no rows.
func LeadershipSeries(counts []warehouse.LeadershipCounts, from, to int) []LeadershipPoint {
	byYear := make(map[int]warehouse.LeadershipCounts, len(counts))
	for _, c := range counts {
		byYear[c.Year] = c
	}
	out := make([]LeadershipPoint, 0, max(to-from+1, 0))
	for y := from; y <= to; y++ {
		c := byYear[y]
		p := LeadershipPoint{SchoolYear: y, Leaders: c.Leaders, Latino: c.Latino, Known: c.Known}
		p.LatinoShare = Ratio(c.Latino, c.Known)
		p.UnknownShare = Ratio(c.Leaders-c.Known, c.Leaders)
		out = append(out, p)
	}
	return out
}

// Ratio is num ÷ den, or nil when den is 0.
func Ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}
