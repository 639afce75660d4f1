package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// slowAnalystQuery is a legitimate analyst query that is slow on the Utah
// seed when computed from the fact tables alone (no rollups): five
// promotion-type measures by school, role, school year and gender over every
// year. Its one catalog statement ran 3.3-4.3 s on the 2-core test machine
// (read 1.8M rows, ~220 MB of memory); with the rollups it takes ~0.7 s.
var slowAnalystQuery = map[string]any{
	"measures":   []string{"PROMOTION_RATE", "RETENTION_RATE", "NEW_LEADER_SHARE", "PROMOTION_RATE_RATIO", "YOY_GROWTH"},
	"dimensions": []string{"SCHOOL", "ROLE", "SCHOOL_YEAR", "GENDER"},
	"limit":      100000,
}

// postCtx posts a GraphQL request under ctx with a request id, and returns
// the status and body (err when the client gave up).
func (a *api) postCtx(ctx context.Context, requestID, query string, vars map[string]any) (int, []byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// runningQueries counts the request's queries in system.processes; with
// catalog set, only its catalog (internal/metrics) statements.
func runningQueries(t *testing.T, db *warehouse.DB, requestID string, catalog bool) int64 {
	t.Helper()
	sql := "SELECT toInt64(count()) FROM system.processes WHERE query_id LIKE ?"
	if catalog {
		sql += " AND query LIKE '/* camino metrics %'"
	}
	return sqlInt64s(t, db, sql, requestID+"-%")[0][0]
}

// waitGone polls system.processes until no query of the request is left, and
// returns how long that took; the test fails past limit.
func waitGone(t *testing.T, db *warehouse.DB, requestID string, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		n := runningQueries(t, db, requestID, false)
		if n == 0 {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("%d queries of request %s still in system.processes %s after the request ended", n, requestID, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// catalogQueryEnd is how the request's catalog statement ended, from
// system.query_log: finished (a QueryFinish row) or the exception it ended
// with ("" for neither: never logged).
func catalogQueryEnd(t *testing.T, db *warehouse.DB, requestID string) (finished bool, exception string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// The end row is written after the query stops: retry a few seconds.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := db.Conn().Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		// type: 1 start, 2 finish, 3 exception before start, 4 exception
		// while processing (UInt8 on 18.16, Enum8 on current servers).
		rows, err := db.Conn().Query(ctx, "SELECT toUInt8(type), exception FROM system.query_log "+
			"WHERE event_date >= yesterday() AND query_id LIKE ? AND query LIKE '/* camino metrics %' AND toUInt8(type) != 1", requestID+"-%")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var typ uint8
			var exc string
			if err := rows.Scan(&typ, &exc); err != nil {
				t.Fatal(err)
			}
			finished = finished || typ == 2
			if exc != "" {
				exception = exc
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if finished || exception != "" || time.Now().After(deadline) {
			return finished, exception
		}
	}
}

// A client that disconnects mid-query: within two seconds no query of it is
// left in system.processes, and the server keeps answering.
func TestDisconnectedClientLeavesNoQueryRunning(t *testing.T) {
	db := utah(t)
	a := newAPIWith(t, db, server.Options{Metrics: metrics.NewEngine(db).FactsOnly()}).as(access.RoleAnalyst)
	reqID := "disconnect" + warehouse.NewID()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		status, _, err := a.postCtx(ctx, reqID, analystQuery, map[string]any{"q": slowAnalystQuery})
		done <- result{status, err}
	}()

	// Wait for the catalog statement (the slow one) to be running.
	for deadline := time.Now().Add(30 * time.Second); runningQueries(t, db, reqID, true) == 0; time.Sleep(10 * time.Millisecond) {
		select {
		case r := <-done:
			t.Fatalf("the request ended (%d, %v) before its catalog query showed up in system.processes", r.status, r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the catalog query never showed up in system.processes")
		}
	}
	time.Sleep(200 * time.Millisecond) // well into the query, which takes seconds
	cancel()
	gone := waitGone(t, db, reqID, 2*time.Second)
	r := <-done
	if r.err == nil {
		t.Fatalf("the cancelled client got an answer (%d): the query finished before the disconnect", r.status)
	}
	// Killed, not finished: the statement ended with an exception.
	finished, exc := catalogQueryEnd(t, db, reqID)
	if finished || exc == "" {
		t.Fatalf("catalog query finished=%v exception=%.200q; want it killed", finished, exc)
	}
	t.Logf("no query left %s after the disconnect; ClickHouse: %.120s", gone.Round(time.Millisecond), exc)

	var d struct{ States []stateJSON }
	a.must(`{ states { code } }`, nil, &d)
	if len(d.States) == 0 {
		t.Fatal("no states after the disconnect")
	}
}

// A request over its time limit fails with a clear error, and leaves no query
// running either.
func TestTimedOutRequestLeavesNoQueryRunning(t *testing.T) {
	db := utah(t)
	a := newAPIWith(t, db, server.Options{Metrics: metrics.NewEngine(db).FactsOnly(),
		Limits: server.Limits{RequestTime: 300 * time.Millisecond}}).as(access.RoleAnalyst)
	reqID := "timeout" + warehouse.NewID()
	start := time.Now()
	status, raw, err := a.postCtx(context.Background(), reqID, analystQuery, map[string]any{"q": slowAnalystQuery})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	var resp gqlResponse
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("response is not JSON (%d): %s", status, raw)
	}
	if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "unavailable" || !strings.Contains(resp.Errors[0].Message, "took too long") {
		t.Fatalf("status %d, errors %+v; want an unavailable error saying it took too long", status, resp.Errors)
	}
	gone := waitGone(t, db, reqID, 2*time.Second)
	finished, exc := catalogQueryEnd(t, db, reqID)
	if finished || exc == "" {
		t.Fatalf("catalog query finished=%v exception=%.200q; want it stopped", finished, exc)
	}
	t.Logf("answered in %s (%q); no query left %s later; ClickHouse: %.120s", took.Round(time.Millisecond),
		resp.Errors[0].Message, gone.Round(time.Millisecond), exc)

	var d struct{ States []stateJSON }
	a.must(`{ states { code } }`, nil, &d)
	if len(d.States) == 0 {
		t.Fatal("no states after the timeout")
	}
}
