package dashboards

import (
	"context"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
)

// cache keeps catalog results for a short while, keyed by the scope (who
// may see what, suppressed how) and the query: two readers share a result
// only when they would see exactly the same figures. Results are never
// changed once made, so they are shared without copying. A load in this
// process or another shows after at most the TTL.
type cache struct {
	ttl time.Duration

	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	res *metrics.Result
	at  time.Time
}

// maxCached bounds the entries; past it, the cache starts over.
const maxCached = 4096

func newCache(ttl time.Duration) *cache { return &cache{ttl: ttl, m: map[string]cached{}} }

// run answers q (whose JSON is query) from the cache, or runs it.
func (c *cache) run(ctx context.Context, q metrics.Query, query string, run func(context.Context, metrics.Query) (*metrics.Result, error),
	hits, misses *counter) (*metrics.Result, error) {
	if c.ttl < 0 {
		misses.add()
		return run(ctx, q)
	}
	key := scope.From(ctx).Key() + "\x00" + query
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && time.Since(e.at) < c.ttl {
		hits.add()
		return e.res, nil
	}
	misses.add()
	res, err := run(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCached {
		c.m = map[string]cached{}
	}
	c.m[key] = cached{res: res, at: time.Now()}
	c.mu.Unlock()
	return res, nil
}

// flights runs each distinct query of one page once: the charts that need
// the same figures (a place's yearly figures feed three of them) wait for
// the first that asks. One page's flights share a scope, so the query's
// JSON is the key.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	res  *metrics.Result
	err  error
}

func (f *flights) do(key string, run func() (*metrics.Result, error)) (*metrics.Result, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flight{}
	}
	if c, ok := f.m[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.res, c.err
	}
	c := &flight{done: make(chan struct{})}
	f.m[key] = c
	f.mu.Unlock()
	c.res, c.err = run()
	close(c.done)
	return c.res, c.err
}
