package metrics

import (
	"math"
	"strconv"
)

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

// LeadershipCounts are one entity's leaders in one school year.
type LeadershipCounts struct {
	Year int
	// Leaders counts people whose highest post that year is a leader post.
	Leaders int64
	// Latino counts those with ethnicity hispanic_latino.
	Latino int64
	// Known counts those whose ethnicity is known (the share's denominator).
	Known int64
}

// LeadershipMeasures are the catalog measures a leadership series reads,
// by school_year.
const LeadershipMeasures = "leaders,latino_leaders,latino_leader_share"

// LeadershipCountsOf reads catalog rows of LeadershipMeasures by
// school_year: the known-ethnicity count is leaders × (1 − unknown share).
func LeadershipCountsOf(rows []Row) []LeadershipCounts {
	out := make([]LeadershipCounts, 0, len(rows))
	for _, r := range rows {
		y, _ := strconv.Atoi(r.Dims[0])
		c := LeadershipCounts{Year: y, Leaders: count(r.Values[0].V), Latino: count(r.Values[1].V)}
		if u := r.Values[2].UnknownShare; u != nil {
			c.Known = int64(math.Round(float64(c.Leaders) * (1 - *u)))
		}
		out = append(out, c)
	}
	return out
}

func count(v *float64) int64 {
	if v == nil {
		return 0
	}
	return int64(math.Round(*v))
}

// LeadershipSeries returns one point per school year from `from` to `to`,
// with zero counts for years that have no rows.
func LeadershipSeries(counts []LeadershipCounts, from, to int) []LeadershipPoint {
	byYear := make(map[int]LeadershipCounts, len(counts))
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
