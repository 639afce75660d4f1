package loaders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// squares is a fetch that records its batches.
type squares struct {
	mu      sync.Mutex
	batches [][]int
	calls   atomic.Int64
}

func (s *squares) fetch(_ context.Context, keys []int) (map[int]string, error) {
	s.calls.Add(1)
	s.mu.Lock()
	s.batches = append(s.batches, append([]int(nil), keys...))
	s.mu.Unlock()
	out := map[int]string{}
	for _, k := range keys {
		if k >= 0 { // negative keys are "not found"
			out[k] = fmt.Sprint(k * k)
		}
	}
	return out, nil
}

func TestSiblingsArrivingOverTimeShareOneBatch(t *testing.T) {
	var s squares
	l := NewLoader(s.fetch)
	// Windows widened so the test does not depend on the machine's load: a
	// 50 ms quiet window, keys 1 ms apart for 300 ms. A fixed window would
	// cut the batch at 50 ms; a restarting one takes all keys.
	l.idle, l.maxWait = 50*time.Millisecond, 10*time.Second
	ctx := context.Background()
	var pending []*result[string]
	for i := 0; i < 300; i++ {
		pending = append(pending, l.enqueue(ctx, i%150)) // each key twice
		time.Sleep(time.Millisecond)
	}
	for i, r := range pending {
		if v, err := l.wait(ctx, r); err != nil || v != fmt.Sprint((i%150)*(i%150)) {
			t.Errorf("Load(%d) = %q, %v", i%150, v, err)
		}
	}
	if n := s.calls.Load(); n != 1 {
		var sizes []int
		for _, b := range s.batches {
			sizes = append(sizes, len(b))
		}
		t.Fatalf("fetches = %d (batch sizes %v), want 1", n, sizes)
	}
	if len(s.batches[0]) != 150 {
		t.Fatalf("batch holds %d keys, want 150 distinct", len(s.batches[0]))
	}
}

func TestAStreamOfKeysIsCutAtMaxWait(t *testing.T) {
	var s squares
	l := NewLoader(s.fetch)
	l.idle, l.maxWait = 50*time.Millisecond, 100*time.Millisecond
	ctx := context.Background()
	var pending []*result[string]
	for start, i := time.Now(), 0; time.Since(start) < 400*time.Millisecond; i++ {
		pending = append(pending, l.enqueue(ctx, i))
		time.Sleep(2 * time.Millisecond)
	}
	for _, r := range pending {
		if _, err := l.wait(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// 400 ms of keys with a 100 ms cap: at least 3 batches, every key served.
	if n := s.calls.Load(); n < 3 {
		t.Fatalf("fetches = %d, want >= 3", n)
	}
}

func TestCapacityAndCacheAndPrime(t *testing.T) {
	var s squares
	l := NewLoader(s.fetch)
	l.capacity = 10
	l.Prime(7, "primed")
	var wg sync.WaitGroup
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); _, _ = l.Load(context.Background(), i) }(i)
	}
	wg.Wait()
	for _, b := range s.batches {
		if len(b) > 10 {
			t.Fatalf("batch of %d keys exceeds capacity 10", len(b))
		}
		for _, k := range b {
			if k == 7 {
				t.Fatal("primed key was fetched")
			}
		}
	}
	if v, _ := l.Load(context.Background(), 7); v != "primed" {
		t.Fatalf("primed value = %q", v)
	}
	before := s.calls.Load()
	if v, _ := l.Load(context.Background(), 3); v != "9" || s.calls.Load() != before {
		t.Fatal("cached key fetched again")
	}
}

func TestNotFoundErrorsAndCancel(t *testing.T) {
	var s squares
	l := NewLoader(s.fetch)
	if _, err := l.Load(context.Background(), -1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key err = %v", err)
	}
	boom := errors.New("boom")
	failing := NewLoader(func(context.Context, []int) (map[int]string, error) { return nil, boom })
	if _, err := failing.Load(context.Background(), 1); !errors.Is(err, boom) {
		t.Fatalf("fetch error = %v", err)
	}
	panicking := NewLoader(func(context.Context, []int) (map[int]string, error) { panic("bad") })
	if _, err := panicking.Load(context.Background(), 1); err == nil {
		t.Fatal("panic in fetch not turned into an error")
	}
	slow := NewLoader(func(ctx context.Context, keys []int) (map[int]string, error) {
		time.Sleep(200 * time.Millisecond)
		return nil, nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := slow.Load(ctx, 1); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 150*time.Millisecond {
		t.Fatalf("cancelled Load: %v after %s", err, time.Since(start))
	}
}

func TestDispatchSendsWithoutWaiting(t *testing.T) {
	var s squares
	l := NewLoader(s.fetch)
	l.idle, l.maxWait = time.Hour, time.Hour // only Dispatch can send
	ctx := context.Background()
	a, b := l.enqueue(ctx, 2), l.enqueue(ctx, 3)
	l.Dispatch()
	done := make(chan struct{})
	go func() {
		defer close(done)
		if v, err := l.wait(ctx, a); v != "4" || err != nil {
			t.Errorf("a = %q %v", v, err)
		}
		if v, err := l.wait(ctx, b); v != "9" || err != nil {
			t.Errorf("b = %q %v", v, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Dispatch did not send the batch")
	}
	if s.calls.Load() != 1 {
		t.Fatalf("fetches = %d", s.calls.Load())
	}
}
