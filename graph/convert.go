package graph

import (
	"strings"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
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

func districtConnection(rows []warehouse.District, first int, count func() (int, error)) *model.DistrictConnection {
	c := &model.DistrictConnection{Count: count, Edges: []model.DistrictEdge{}, Nodes: []model.District{}}
	c.PageInfo.HasNextPage = len(rows) > first
	for i, r := range rows {
		if i == first {
			break
		}
		cur := ids.EncodeCursor("district", ids.Cursor{Name: r.Name, ID: r.ID})
		d := districtOf(r)
		c.Edges = append(c.Edges, model.DistrictEdge{Cursor: cur, Node: d})
		c.Nodes = append(c.Nodes, *d)
		c.PageInfo.EndCursor = &cur
	}
	return c
}

func schoolConnection(rows []warehouse.School, first int, count func() (int, error)) *model.SchoolConnection {
	c := &model.SchoolConnection{Count: count, Edges: []model.SchoolEdge{}, Nodes: []model.School{}}
	c.PageInfo.HasNextPage = len(rows) > first
	for i, r := range rows {
		if i == first {
			break
		}
		cur := ids.EncodeCursor("school", ids.Cursor{Name: r.Name, ID: r.ID})
		s := schoolOf(r)
		c.Edges = append(c.Edges, model.SchoolEdge{Cursor: cur, Node: s})
		c.Nodes = append(c.Nodes, *s)
		c.PageInfo.EndCursor = &cur
	}
	return c
}

func leadershipPoints(ps []metrics.LeadershipPoint) []model.LeadershipPoint {
	out := make([]model.LeadershipPoint, len(ps))
	for i, p := range ps {
		out[i] = model.LeadershipPoint{SchoolYear: p.SchoolYear, Leaders: int(p.Leaders), LatinoLeaders: int(p.Latino),
			KnownEthnicityLeaders: int(p.Known), LatinoLeaderShare: p.LatinoShare, UnknownEthnicityShare: p.UnknownShare}
	}
	return out
}
