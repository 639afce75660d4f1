package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
)

// suppressionNote says which small-cell rule applied to a response. Every
// key is unscoped and unsuppressed until access roles exist; the access
// layer replaces this per request.
const suppressionNote = "none: full figures (no partner or public scope on this request)"

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
