package loaders

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotFound is returned by a loader for a key its fetch did not return.
var ErrNotFound = errors.New("loaders: not found")

// Loader batches Loads of one request into one fetch and caches results.
//
// Unlike a fixed window (dataloadgen's WithWait), the window restarts at
// every new key: a batch is sent after `idle` without a new key, or `maxWait`
// after its first key, or when it holds `capacity` keys. Sibling resolvers of
// a long list reach Load over several milliseconds on a busy machine; a fixed
// 1 ms window would split them into several queries, a 16 ms one would slow
// every small request.
type Loader[K comparable, V any] struct {
	fetch    func(ctx context.Context, keys []K) (map[K]V, error)
	idle     time.Duration
	maxWait  time.Duration
	capacity int

	mu      sync.Mutex
	cache   map[K]*result[V]
	cur     *batch[K, V]
	onFetch func(ctx context.Context, values map[K]V)
}

type result[V any] struct {
	done chan struct{}
	v    V
	err  error
}

type batch[K comparable, V any] struct {
	ctx     context.Context
	keys    []K
	results []*result[V]
	timer   *time.Timer
	started time.Time
	sent    bool
}

// NewLoader returns a loader over fetch, which returns the values it found
// by key (a missing key resolves to ErrNotFound).
func NewLoader[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, idle: idleWait, maxWait: maxWait, capacity: maxBatch, cache: map[K]*result[V]{}}
}

// Load returns the value for key, batching it with other Loads.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	return l.wait(ctx, l.enqueue(ctx, key))
}

// Enqueue adds key to the open batch without waiting for it: a prefetch, so
// that siblings that Load it later find it in the batch already.
func (l *Loader[K, V]) Enqueue(ctx context.Context, key K) { l.enqueue(ctx, key) }

// Dispatch sends the open batch now. A prefetch that has enqueued a whole
// sibling set calls it: waiting for more keys would only add latency.
func (l *Loader[K, V]) Dispatch() {
	l.mu.Lock()
	b := l.cur
	if b == nil || b.sent {
		l.mu.Unlock()
		return
	}
	b.sent = true
	b.timer.Stop()
	l.cur = nil
	l.mu.Unlock()
	go l.run(b)
}

// OnFetch sets a hook run after each fetch, before any Load returns its
// value: there, keys derived from the values can be enqueued on other
// loaders while every sibling is still waiting (see graph's prefetch).
func (l *Loader[K, V]) OnFetch(hook func(ctx context.Context, values map[K]V)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.onFetch = hook
}

// enqueue returns key's cached or pending result without blocking.
func (l *Loader[K, V]) enqueue(ctx context.Context, key K) *result[V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.cache[key]
	if !ok {
		r = &result[V]{done: make(chan struct{})}
		l.cache[key] = r
		l.add(ctx, key, r)
	}
	return r
}

func (l *Loader[K, V]) wait(ctx context.Context, r *result[V]) (V, error) {
	select {
	case <-r.done:
		return r.v, r.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// add puts key in the open batch (opening one if needed). Called with mu held.
func (l *Loader[K, V]) add(ctx context.Context, key K, r *result[V]) {
	b := l.cur
	if b == nil {
		b = &batch[K, V]{ctx: ctx, started: time.Now()}
		b.timer = time.AfterFunc(l.idle, func() { l.send(b) })
		l.cur = b
	}
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	switch {
	case len(b.keys) >= l.capacity:
		b.timer.Stop()
		l.cur = nil
		b.sent = true
		go l.run(b)
	case time.Since(b.started)+l.idle < l.maxWait:
		b.timer.Reset(l.idle)
	}
}

func (l *Loader[K, V]) send(b *batch[K, V]) {
	l.mu.Lock()
	if b.sent {
		l.mu.Unlock()
		return
	}
	b.sent = true
	if l.cur == b {
		l.cur = nil
	}
	l.mu.Unlock()
	l.run(b)
}

func (l *Loader[K, V]) run(b *batch[K, V]) {
	values, err := l.safeFetch(b.ctx, b.keys)
	l.mu.Lock()
	hook := l.onFetch
	l.mu.Unlock()
	if hook != nil && len(values) > 0 {
		hook(b.ctx, values)
	}
	for i, k := range b.keys {
		r := b.results[i]
		if v, ok := values[k]; ok {
			r.v = v
		} else if err != nil {
			r.err = err
		} else {
			r.err = ErrNotFound
		}
		close(r.done)
	}
}

func (l *Loader[K, V]) safeFetch(ctx context.Context, keys []K) (values map[K]V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("loaders: panic in fetch")
		}
	}()
	return l.fetch(ctx, keys)
}

// Prime stores a value already fetched (by a root resolver) so a later Load
// of key sends no query. An existing entry is kept.
func (l *Loader[K, V]) Prime(key K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[key]; ok {
		return
	}
	r := &result[V]{done: make(chan struct{}), v: v}
	close(r.done)
	l.cache[key] = r
}
