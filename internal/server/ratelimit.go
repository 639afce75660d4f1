package server

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// limiters are the request-rate limits of a server: a token bucket per
// API key, and one per client address for failed authentications, so that
// a flood of guessed keys is refused before it costs a key lookup each.
// A nil bucket set is no limit.
type limiters struct {
	perKey       *tokenBuckets
	authFailures *tokenBuckets
	// inFlight bounds the requests of one key at once; busy is a bucket
	// of request-seconds per key, charged with each request's duration
	// when it ends: together, one key's share of the server.
	inFlight *inFlight
	busy     *tokenBuckets
	now      func() time.Time
}

func newLimiters(l Limits) *limiters {
	out := &limiters{now: time.Now}
	if l.RatePerKey > 0 {
		out.perKey = newTokenBuckets(l.RatePerKey, l.Burst)
	}
	if l.FailedAuthRate > 0 {
		out.authFailures = newTokenBuckets(l.FailedAuthRate, l.FailedAuthBurst)
	}
	if l.InFlightPerKey > 0 {
		out.inFlight = &inFlight{max: l.InFlightPerKey, n: map[string]int{}}
	}
	if l.TimePerKey > 0 {
		out.busy = &tokenBuckets{rate: l.TimePerKey, burst: l.TimePerKey * l.TimeBurst.Seconds(), buckets: map[string]bucket{}}
	}
	return out
}

// admitKey applies the key's limits: its rate, its time budget and its
// requests in flight. When ok, the request holds one of the key's slots
// until done is called (once, when the handler returns), which also
// charges its duration to the key's time budget.
func (l *limiters) admitKey(w http.ResponseWriter, r *http.Request, keyID string) (done func(), ok bool) {
	if !l.allowKey(w, r, keyID) {
		return nil, false
	}
	if l.busy != nil {
		if ok, wait := l.busy.positive(keyID, l.now()); !ok {
			refuseRate(w, r, wait, fmt.Sprintf("this key used more than its share of the server's time (%g request-seconds a second, over %g seconds); "+
				"retry after the Retry-After header's seconds", l.busy.rate, l.busy.burst/l.busy.rate))
			return nil, false
		}
	}
	if l.inFlight != nil && !l.inFlight.acquire(keyID) {
		refuseRate(w, r, time.Second, fmt.Sprintf("this key has %d requests in flight, the most it may; wait for one to finish", l.inFlight.max))
		return nil, false
	}
	start := l.now()
	var once sync.Once
	return func() {
		once.Do(func() {
			if l.inFlight != nil {
				l.inFlight.release(keyID)
			}
			if l.busy != nil {
				now := l.now()
				l.busy.charge(keyID, now.Sub(start).Seconds(), now)
			}
		})
	}, true
}

// inFlight counts each key's requests in progress.
type inFlight struct {
	max int
	mu  sync.Mutex
	n   map[string]int // keys with none are deleted: memory follows what is in flight
}

func (f *inFlight) acquire(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key] >= f.max {
		return false
	}
	f.n[key]++
	return true
}

func (f *inFlight) release(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[key] <= 1 {
		delete(f.n, key)
	} else {
		f.n[key]--
	}
}

// allowKey takes a token of the key's bucket, or answers 429.
func (l *limiters) allowKey(w http.ResponseWriter, r *http.Request, keyID string) bool {
	if l.perKey == nil {
		return true
	}
	ok, wait := l.perKey.take(keyID, l.now())
	if !ok {
		refuseRate(w, r, wait, fmt.Sprintf("this key sent more than %g requests per second (bursts of up to %g); slow down and retry after the Retry-After header's seconds",
			l.perKey.rate, l.perKey.burst))
	}
	return ok
}

// allowAuthentication answers 429, before any key is looked at, when the
// client's address has failed to authenticate too often lately. It counts
// the attempt as a failure in the same step (so that concurrent guesses
// cannot all pass the check before any is counted); authenticated gives
// the token back when the key turns out valid, so a valid key holds one
// only while it is looked up.
//
// While an address is refused, so is a valid key sent from it: telling
// them apart would cost the key lookup the limit is there to save. The
// wait is short (at the defaults, a tenth of a second a failure).
func (l *limiters) allowAuthentication(w http.ResponseWriter, r *http.Request) bool {
	if l.authFailures == nil {
		return true
	}
	ok, wait := l.authFailures.take(clientAddr(r), l.now())
	if !ok {
		refuseRate(w, r, wait, "too many failed authentications from this address; check the key and retry after the Retry-After header's seconds")
	}
	return ok
}

// authenticated gives back the token allowAuthentication took.
func (l *limiters) authenticated(r *http.Request) {
	if l.authFailures != nil {
		l.authFailures.charge(clientAddr(r), -1, l.now())
	}
}

func refuseRate(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	if a := auditFrom(r.Context()); a != nil {
		a.addCode("rate_limited")
	}
	w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
	writeGraphQLError(w, http.StatusTooManyRequests, "rate_limited", msg)
}

// clientAddr is the address a request came from: the peer's IPv4 address,
// or its IPv6 /64 (one host usually holds a whole /64). Forwarding headers
// are not trusted: behind a proxy, put the limit in the proxy.
func clientAddr(r *http.Request) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	a := ap.Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// tokenBuckets is a token bucket per key: each holds up to burst tokens
// and gains rate tokens a second; a request takes one. A bucket left alone
// until full is the same as no bucket, so full ones are forgotten (swept
// at most once a minute), and past maxBuckets the set starts over: memory
// stays bounded whatever the number of keys or addresses.
type tokenBuckets struct {
	rate, burst float64

	mu      sync.Mutex
	buckets map[string]bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

const (
	maxBuckets = 100_000
	sweepEvery = time.Minute
)

func newTokenBuckets(rate float64, burst int) *tokenBuckets {
	return &tokenBuckets{rate: rate, burst: float64(max(burst, 1)), buckets: map[string]bucket{}}
}

// level returns key's bucket refilled up to now. Callers hold mu.
func (t *tokenBuckets) level(key string, now time.Time) bucket {
	b, ok := t.buckets[key]
	if !ok {
		return bucket{tokens: t.burst, at: now}
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = min(t.burst, b.tokens+dt*t.rate)
	}
	b.at = now
	return b
}

// wait is how long until b holds a whole token.
func (t *tokenBuckets) wait(b bucket) time.Duration {
	return time.Duration((1 - b.tokens) / t.rate * float64(time.Second))
}

// take takes a token from key's bucket; when it holds none, ok is false
// and wait says how long until it does.
func (t *tokenBuckets) take(key string, now time.Time) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	b := t.level(key, now)
	if b.tokens < 1 {
		t.buckets[key] = b
		return false, t.wait(b)
	}
	b.tokens--
	t.buckets[key] = b
	return true, 0
}

// available is take without taking.
func (t *tokenBuckets) available(key string, now time.Time) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.buckets[key]; !ok {
		return true, 0
	}
	b := t.level(key, now)
	if b.tokens < 1 {
		return false, t.wait(b)
	}
	return true, 0
}

// charge takes n tokens from key's bucket (gives them back when n is
// negative), going below zero if need be: a debt that refills at rate.
func (t *tokenBuckets) charge(key string, n float64, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweep(now)
	b := t.level(key, now)
	b.tokens = min(t.burst, b.tokens-n)
	t.buckets[key] = b
}

// positive is whether key's bucket holds more than nothing; when not,
// wait says how long until it does.
func (t *tokenBuckets) positive(key string, now time.Time) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.buckets[key]; !ok {
		return true, 0
	}
	b := t.level(key, now)
	if b.tokens > 0 {
		return true, 0
	}
	return false, time.Duration(-b.tokens/t.rate*float64(time.Second)) + time.Millisecond
}

// sweep forgets full buckets, at most once every sweepEvery unless the
// set is at its bound; past the bound, it starts over. Callers hold mu.
func (t *tokenBuckets) sweep(now time.Time) {
	if len(t.buckets) < maxBuckets && now.Sub(t.swept) < sweepEvery {
		return
	}
	t.swept = now
	for k := range t.buckets {
		if t.level(k, now).tokens >= t.burst {
			delete(t.buckets, k)
		}
	}
	if len(t.buckets) >= maxBuckets {
		t.buckets = map[string]bucket{}
	}
}
