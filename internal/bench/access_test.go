package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1, 0.1: 1} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%g = %d, want %d", p, got, want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

// The open loop sends on time whatever the answers take: with each client
// due every 100 ms and answers taking 250 ms, a client sends late and the
// wait counts in the latency.
func TestOpenLoopSchedulesByTime(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		time.Sleep(250 * time.Millisecond)
		w.Write([]byte(`{"data":{}}`))
	}))
	defer ts.Close()
	clients := []accessClient{{key: "k", queries: []string{"{ a }"}}, {key: "k", queries: []string{"{ b }"}}}
	run := openLoop(context.Background(), ts.Client(), accessSide{url: ts.URL, auth: true}, clients, 20, time.Second)
	if run.sent != 20 || run.errs != 0 || len(run.lat) != 20 {
		t.Fatalf("sent %d, errors %d (%s), answered %d; want 20, 0, 20", run.sent, run.errs, run.firstErr, len(run.lat))
	}
	// Client 0 is due at 0, 100, 200 … ms but free only every 250 ms: its
	// tenth request (due at 900 ms) goes at 2.25 s.
	if p := percentile(run.lat, 100); p < time.Second {
		t.Errorf("slowest latency %s: the waits for a busy client were not counted", p)
	}
	if p := percentile(run.lat, 1); p < 250*time.Millisecond {
		t.Errorf("fastest latency %s, below the server's 250 ms", p)
	}
	// Without the key the same loop counts errors, not latencies.
	run = openLoop(context.Background(), ts.Client(), accessSide{url: ts.URL, auth: false}, clients, 20, 200*time.Millisecond)
	if run.errs != run.sent || len(run.lat) != 0 || run.sent == 0 {
		t.Fatalf("unauthenticated: sent %d, errors %d, answered %d", run.sent, run.errs, len(run.lat))
	}
}
