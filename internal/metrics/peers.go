package metrics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// PeerGroup is the districts like one district: the same state and locale
// and the same enrollment band, the district itself left out.
type PeerGroup struct {
	Districts   []string
	Description string
}

// MinPeers is the fewest peers a comparison is shown for: a group of one or
// two districts would show another district's own figures.
const MinPeers = 3

// Comparable reports whether the group is large enough to show.
func (g PeerGroup) Comparable() bool { return len(g.Districts) >= MinPeers }

// enrollmentBands are the lower bounds of the size bands.
var enrollmentBands = []int{0, 1_000, 5_000, 25_000}

func band(students int) int {
	b := 0
	for i, lo := range enrollmentBands {
		if students >= lo {
			b = i
		}
	}
	return b
}

func bandName(b int) string {
	if b == len(enrollmentBands)-1 {
		return fmt.Sprintf("%d students and over", enrollmentBands[b])
	}
	return fmt.Sprintf("%d to %d students", enrollmentBands[b], enrollmentBands[b+1]-1)
}

// Peers finds the peer group of district leaID (of state and locale) in a
// school year: one query for the enrollment of the state's districts of
// that locale.
func (e *Engine) Peers(ctx context.Context, leaID, state, locale string, year int) (PeerGroup, error) {
	res, err := e.Run(ctx, Query{Measures: []string{"students"}, Dimensions: []string{DimDistrict}, From: year, To: year,
		Filters: []Filter{{Dimension: DimState, In: []string{state}}, {Dimension: DimLocale, In: []string{locale}}}, Limit: MaxLimit,
		Comparison: true})
	if err != nil {
		return PeerGroup{}, err
	}
	size := map[string]int{}
	for _, r := range res.Rows {
		if v := r.Values[0].V; v != nil {
			size[r.Dims[0]] = int(*v)
		}
	}
	own := band(size[leaID])
	var g PeerGroup
	for id, n := range size {
		if id != leaID && band(n) == own {
			g.Districts = append(g.Districts, id)
		}
	}
	slices.Sort(g.Districts)
	g.Description = "districts of " + state + " with locale " + locale + " and " + bandName(own) + " in " +
		strconv.Itoa(year) + ", this district excluded"
	if !g.Comparable() {
		g.Description += fmt.Sprintf(": %d found, fewer than %d, so the comparison is withheld", len(g.Districts), MinPeers)
	}
	return g, nil
}

// Ladder returns the pipeline ladder (cached with the data years).
func (e *Engine) Ladder(ctx context.Context) (ladder Ladder, err error) {
	info, err := e.warehouseInfo(ctx)
	return info.ladder, err
}
