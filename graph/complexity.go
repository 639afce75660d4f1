package graph

import (
	"github.com/camino-edu/camino/graph/model"
)

// assumedYears is the span a series is weighed at when `from` or `to` is
// left to the data: more years than any warehouse of ours holds today.
const assumedYears = 12

// complexity weighs the fields whose cost grows with their arguments, for
// the server's complexity limit (gqlgen counts every other field as 1 plus
// its selections):
//   - a connection (Query.districts, State.districts, District.schools) is
//     its selection times `first` (default 50), so nested pages multiply;
//   - a series over school years (leadership, growth, promotions, members)
//     is its selection times the years asked, to − from + 1 (12 when either
//     is left to the data).
//
// Out-of-range arguments are refused before execution by the server's
// argument check; the weights only need to be monotonic and not overflow.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Districts = func(child int, _ *string, _ *model.LeaType, _ *string, first *int, _ *string) int {
		return perNode(child, first)
	}
	c.State.Districts = func(child int, _ *model.LeaType, _ *string, first *int, _ *string) int {
		return perNode(child, first)
	}
	c.District.Schools = func(child int, first *int, _ *string) int { return perNode(child, first) }

	tiered := func(child int, from, to *int, _ *model.Tier) int { return perYear(child, from, to) }
	c.State.Leadership, c.District.Leadership, c.School.Leadership = tiered, tiered, tiered
	c.State.Growth, c.District.Growth, c.School.Growth = tiered, tiered, tiered
	c.State.Promotions, c.District.Promotions, c.School.Promotions = perYear, perYear, perYear
	c.State.Members, c.District.Members = perYear, perYear
	return c
}

// perNode weighs a connection: its selection once per node asked for.
func perNode(child int, first *int) int {
	n := defaultFirst
	if first != nil {
		n = *first
	}
	return weigh(child, n)
}

// perYear weighs a series: its selection once per school year asked for.
func perYear(child int, from, to *int) int {
	n := assumedYears
	if from != nil && to != nil {
		n = min(max(*to-*from+1, 1), maxYear-minYear+1)
	}
	return weigh(child, n)
}

// weigh is 1 + n × child, saturating instead of overflowing (gqlgen then
// refuses the operation). A result below child (n = 0, say) makes gqlgen
// fall back to its default, child + 1.
func weigh(child, n int) int {
	const maxInt = int(^uint(0) >> 1)
	if n <= 0 || child <= 0 {
		return 1
	}
	if child > (maxInt-1)/n {
		return maxInt
	}
	return 1 + n*child
}
