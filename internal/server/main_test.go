package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

func TestMain(m *testing.M) { whtest.Main(m) }

// api is a GraphQL client over real HTTP against the production handler,
// authenticating with a key of one role.
type api struct {
	t   *testing.T
	url string
	db  *warehouse.DB
	key string
	// header is sent with every request (e.g. X-Camino-Public).
	header http.Header
}

// with returns the client sending one more header.
func (a *api) with(name, value string) *api {
	c := *a
	c.header = a.header.Clone()
	if c.header == nil {
		c.header = http.Header{}
	}
	c.header.Set(name, value)
	return &c
}

// newAPI serves db and returns an admin client of it.
func newAPI(t *testing.T, db *warehouse.DB) *api {
	t.Helper()
	return newAPIWith(t, db, server.Options{})
}

// newAPIWith serves db with these options and returns an admin client.
func newAPIWith(t *testing.T, db *warehouse.DB, opt server.Options) *api {
	t.Helper()
	opt.DB = db
	if opt.Limits.RatePerKey == 0 {
		// Tests send requests back to back, faster than the clients the
		// default per-key rate is for; the rate-limit tests set their own.
		opt.Limits.RatePerKey, opt.Limits.Burst = 1000, 1000
	}
	if opt.Limits.InFlightPerKey == 0 {
		opt.Limits.InFlightPerKey = 1000 // the tests that send many at once; the budget tests set their own
	}
	if opt.Limits.TimePerKey == 0 {
		opt.Limits.TimePerKey = -1
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.AssetsDir == "" {
		opt.AssetsDir = t.TempDir()
	}
	ts := httptest.NewServer(server.New(opt))
	t.Cleanup(ts.Close)
	a := &api{t: t, url: ts.URL, db: db}
	return a.as(access.RoleAdmin)
}

// as returns a client of the same server with a new key of role, bound
// to districts (partner keys).
func (a *api) as(role string, districts ...string) *api {
	a.t.Helper()
	nk, err := access.Create(context.Background(), a.db, access.CreateOptions{Role: role, Districts: districts, Name: "test " + role},
		time.Now())
	if err != nil {
		a.t.Fatal(err)
	}
	c := &api{t: a.t, url: a.url, db: a.db, key: nk.Secret}
	// Authenticate once: the server remembers the key for a while, so the
	// query counts of the tests are the resolvers' own.
	c.must(`{ me { role } }`, nil, nil)
	return c
}

// get fetches a path with the client's key.
func (a *api) get(path string) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.url+path, nil)
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do posts a query with a request id and decodes the response into data.
func (a *api) do(requestID, query string, vars map[string]any, data any) []gqlError {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	for k, v := range a.header {
		req.Header[k] = v
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		a.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	if data != nil && len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, data); err != nil {
			a.t.Fatalf("decoding %s: %v", r.Data, err)
		}
	}
	return r.Errors
}

// must is do that fails the test on any GraphQL error.
func (a *api) must(query string, vars map[string]any, data any) {
	a.t.Helper()
	if errs := a.do("", query, vars, data); len(errs) > 0 {
		a.t.Fatalf("query failed: %+v", errs)
	}
}

// sqlInt64s runs plain SQL written in a test and returns its Int64 columns.
func sqlInt64s(t *testing.T, db *warehouse.DB, sql string, args ...any) [][]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.Conn().Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]int64
	n := len(rows.Columns())
	for rows.Next() {
		vals := make([]int64, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
