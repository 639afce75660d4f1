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

// suppressionOf says which small-cell rules applied to a response.
func suppressionOf(ctx context.Context) map[string]any {
	s := scope.From(ctx)
	if !s.Suppressed() {
		return map[string]any{"applied": false, "note": "full figures: no partner key and no " + publicHeader + " header on this request"}
	}
	return map[string]any{"applied": true, "threshold": s.SuppressBelow,
		"note": fmt.Sprintf("counts below %d are null, with the reason in `suppressed`; shares and ratios built on them too, "+
			"one more cell of a breakdown when one is hidden, shares near 0%% or 100%% coded by group size, and no ethnicity "+
			"for a one-holder post below state level (README: Access and privacy)", s.SuppressBelow)}
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
