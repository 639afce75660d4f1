package dashboards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The dashboards are tested as a reader uses them: the production handler
// (internal/server, which mounts them) over real HTTP, on a real ClickHouse
// holding the Utah seed, logged in through /login; the figures are checked
// against the GraphQL API of the same server.

func TestMain(m *testing.M) { whtest.Main(m) }

// site is a served camino.
type site struct {
	t   *testing.T
	url string
	db  *warehouse.DB
}

// newSite serves db with the front-end assets of web/node_modules (make
// assets installs them; the browser tests need ECharts).
func newSite(t *testing.T, db *warehouse.DB) *site {
	t.Helper()
	ts := httptest.NewServer(server.New(server.Options{DB: db, AssetsDir: assetsDir(t),
		Limits: server.Limits{RatePerKey: 1000, Burst: 1000, FailedAuthRate: 1000, FailedAuthBurst: 1000, InFlightPerKey: -1, TimePerKey: -1},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(ts.Close)
	return &site{t: t, url: ts.URL, db: db}
}

func assetsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "web", "node_modules"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "echarts", "dist", "echarts.min.js")); err != nil {
		t.Fatalf("ECharts is not installed in %s: run `make assets` (make test does)", dir)
	}
	return dir
}

// key creates a key of role (partner keys bound to districts).
func (s *site) key(role string, districts ...string) string {
	s.t.Helper()
	nk, err := access.Create(context.Background(), s.db, access.CreateOptions{Role: role, Districts: districts, Name: "test " + role}, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return nk.Secret
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects (the tests look at them).
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs a new browser in with key and returns it.
func (s *site) login(key string) *http.Client {
	s.t.Helper()
	c := s.browser()
	resp, err := c.PostForm(s.url+"/login", url.Values{"key": {key}})
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login: status %d, want 303", resp.StatusCode)
	}
	return c
}

// get fetches a path with a browser and returns the response and its body.
func (s *site) get(c *http.Client, path string, header ...string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// graphql runs a query with key over HTTP and decodes data into out.
func (s *site) graphql(key, query string, vars map[string]any, out any) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		s.t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		msgs := make([]string, len(r.Errors))
		for i, e := range r.Errors {
			msgs[i] = e.Message
		}
		s.t.Fatalf("graphql: %s\n%s", strings.Join(msgs, "; "), query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		s.t.Fatal(err)
	}
}
