package graph

import (
	"strings"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/loaders"
)

// Conversions between warehouse rows and API types, and the Relay plumbing.

func stateOf(s warehouse.State) *model.State {
	return &model.State{Code: s.Code, Fips: s.FIPS, Name: s.Name}
}

func districtOf(d warehouse.District) *model.District {
	return &model.District{ID: d.ID, Name: d.Name, Type: model.LeaType(strings.ToUpper(d.Type)),
		Locale: model.Locale(strings.ToUpper(d.Locale)), Synthetic: d.Synthetic, StateCode: d.StateCode}
}

func schoolOf(s warehouse.School) *model.School {
	return &model.School{ID: s.ID, Name: s.Name, Level: model.SchoolLevel(strings.ToUpper(s.Level)), Charter: s.Charter,
		Title1: s.Title1, Synthetic: s.Synthetic, LeaID: s.LeaID, StateCode: s.StateCode}
}

// page is a validated first/after pair. Lists fetch limit = first+1 rows to
// learn whether a next page exists.
type page struct {
	first int
	after *warehouse.Keyset
}

const defaultFirst = 50

func pageArgs(kind string, first *int, after *string) (page, error) {
	n, err := ids.First("first", first, defaultFirst)
	if err != nil {
		return page{}, err
	}
	p := page{first: n}
	if after != nil {
		c, err := ids.DecodeCursor("after", kind, *after)
		if err != nil {
			return page{}, err
		}
		p.after = &warehouse.Keyset{Name: c.Name, ID: c.ID}
	}
	return p, nil
}

// pageOf turns up to first+1 fetched rows into a page: the nodes, their
// cursors and the page info (a row beyond first means a next page exists).
func pageOf[R any, N any](kind string, rows []R, first int, key func(R) ids.Cursor, node func(R) *N) ([]*N, []string, model.PageInfo) {
	info := model.PageInfo{HasNextPage: len(rows) > first}
	rows = rows[:min(len(rows), first)]
	nodes, cursors := make([]*N, len(rows)), make([]string, len(rows))
	for i, r := range rows {
		nodes[i], cursors[i] = node(r), ids.EncodeCursor(kind, key(r))
		info.EndCursor = &cursors[i]
	}
	return nodes, cursors, info
}

// districtPageKey and schoolPageKey are the loader keys of a page: the
// resolvers and the prefetch build them here, so they always match.
func districtPageKey(stateCode string, f warehouse.DistrictFilter, p page) loaders.DistrictPageKey {
	key := loaders.DistrictPageKey{StateCode: stateCode, Type: f.Type, Search: f.Search, Limit: p.first + 1}
	if p.after != nil {
		key.After, key.HasAfter = *p.after, true
	}
	return key
}

func schoolPageKey(leaID string, p page) loaders.SchoolPageKey {
	key := loaders.SchoolPageKey{LeaID: leaID, Limit: p.first + 1}
	if p.after != nil {
		key.After, key.HasAfter = *p.after, true
	}
	return key
}

func districtConnection(rows []warehouse.District, first int, count func() (int, error)) *model.DistrictConnection {
	nodes, cursors, info := pageOf("district", rows, first,
		func(d warehouse.District) ids.Cursor { return ids.Cursor{Name: d.Name, ID: d.ID} }, districtOf)
	c := &model.DistrictConnection{Count: count, PageInfo: info, Edges: make([]model.DistrictEdge, len(nodes)), Nodes: make([]model.District, len(nodes))}
	for i, n := range nodes {
		c.Edges[i], c.Nodes[i] = model.DistrictEdge{Cursor: cursors[i], Node: n}, *n
	}
	return c
}

func schoolConnection(rows []warehouse.School, first int, count func() (int, error)) *model.SchoolConnection {
	nodes, cursors, info := pageOf("school", rows, first,
		func(s warehouse.School) ids.Cursor { return ids.Cursor{Name: s.Name, ID: s.ID} }, schoolOf)
	c := &model.SchoolConnection{Count: count, PageInfo: info, Edges: make([]model.SchoolEdge, len(nodes)), Nodes: make([]model.School, len(nodes))}
	for i, n := range nodes {
		c.Edges[i], c.Nodes[i] = model.SchoolEdge{Cursor: cursors[i], Node: n}, *n
	}
	return c
}

func leadershipPoints(ps []metrics.LeadershipPoint) []model.LeadershipPoint {
	out := make([]model.LeadershipPoint, len(ps))
	for i, p := range ps {
		leaders, latino, known := int(p.Leaders), int(p.Latino), int(p.Known)
		out[i] = model.LeadershipPoint{SchoolYear: p.SchoolYear, Leaders: &leaders, LatinoLeaders: &latino,
			KnownEthnicityLeaders: &known, LatinoLeaderShare: p.LatinoShare, UnknownEthnicityShare: p.UnknownShare,
			Suppressed: []model.Suppressed{}}
	}
	return out
}
