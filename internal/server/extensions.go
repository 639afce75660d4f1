package server

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
)

// suppressionOf says who a response's figures are for and which
// small-cell rules applied (README: Privacy; docs/privacy.md).
func suppressionOf(ctx context.Context) map[string]any {
	s := scope.From(ctx)
	audience := s.Audience()
	out := map[string]any{"audience": string(audience), "applied": s.Suppressed()}
	switch {
	case audience == scope.Full:
		out["note"] = "full figures: a board, analyst or admin key without the " + publicHeader + " header"
		return out
	case audience == scope.Own:
		out["note"] = fmt.Sprintf("a partner key: its own districts and their schools in full; figures about others "+
			"(its states' aggregates, peers) are suppressed (threshold %d); send %s: true for output to publish", s.SuppressBelow, publicHeader)
	default:
		out["note"] = fmt.Sprintf("published output (%s: true, or a public key): every figure is suppressed (threshold %d)",
			publicHeader, s.SuppressBelow)
	}
	out["threshold"] = s.SuppressBelow
	out["rule"] = fmt.Sprintf("counts below %d are null, with the reason in `suppressed`; shares and ratios built on them too, "+
		"one more cell of a breakdown when one is hidden, shares near 0%% or 100%% coded by group size, and no ethnicity "+
		"for a one-holder post below state level (README: Access and privacy)", s.SuppressBelow)
	return out
}

// freshness caches the last load of every table for the extensions of
// every response: one small query at most every few seconds, not one per
// request.
type freshness struct {
	db  *warehouse.DB
	log *slog.Logger

	mu      sync.Mutex
	val     map[string]string
	fetched time.Time
}

const freshnessTTL = 5 * time.Second

func newFreshness(db *warehouse.DB, log *slog.Logger) *freshness { return &freshness{db: db, log: log} }

// get returns table → time of its last finished load (RFC 3339, UTC).
func (f *freshness) get() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.val != nil && time.Since(f.fetched) < freshnessTTL {
		return f.val
	}
	// Not the request's own query (nor its deadline): a shared, cached one.
	qctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	loads, err := f.db.LastLoads(qctx)
	if err != nil {
		f.log.Warn("freshness unavailable", "err", err)
		if f.val != nil {
			return f.val
		}
		return map[string]string{}
	}
	out := make(map[string]string, len(loads))
	for t, at := range loads {
		out[t] = at.UTC().Format(time.RFC3339)
	}
	f.val, f.fetched = out, time.Now()
	return out
}
