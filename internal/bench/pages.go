package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// The dashboards section: the board page and a district page as a board
// member reads them, on the Utah seed.
//   - page ÷ slowest query: the page's server time (Server-Timing total,
//     cache off) against the slowest of the statements the page sent, each
//     sent alone, directly (target ≤ 1.5: the charts are fetched in
//     parallel, so a page costs about its slowest query, not their sum).
//   - cached repeat ÷ first load: a fresh server's first load of the page
//     against the same browser loading it again (the catalog results come
//     from the cache; names and goals are still read).

// pagesDistrict is Granite School District in the Utah seed.
const pagesDistrict = "4900360"

type benchPage struct{ name, path string }

var benchPages = []benchPage{
	{"board page", "/dashboards/board?state=UT"},
	{"district page", "/dashboards/district/" + pagesDistrict},
}

// pageBrowser is a logged-in client of a served camino.
type pageBrowser struct {
	url string
	c   *http.Client
}

func newPageBrowser(ctx context.Context, db *warehouse.DB, cacheTTL time.Duration, key string) (*pageBrowser, func(), error) {
	ts := httptest.NewServer(server.New(server.Options{DB: db, DashboardCacheTTL: cacheTTL,
		Limits: server.Limits{RatePerKey: -1, InFlightPerKey: -1, TimePerKey: -1}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	jar, _ := cookiejar.New(nil)
	b := &pageBrowser{url: ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/login", strings.NewReader(url.Values{"key": {key}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		ts.Close()
		return nil, nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		ts.Close()
		return nil, nil, fmt.Errorf("dashboard login: status %d", resp.StatusCode)
	}
	return b, ts.Close, nil
}

var totalTiming = regexp.MustCompile(`total;dur=([0-9.]+)`)

// load fetches a page and returns its server time (Server-Timing total).
func (b *pageBrowser) load(ctx context.Context, path, reqID string) (time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.url+path, nil)
	if reqID != "" {
		req.Header.Set("X-Request-Id", reqID)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	m := totalTiming.FindStringSubmatch(resp.Header.Get("Server-Timing"))
	if m == nil {
		return 0, fmt.Errorf("%s: no Server-Timing total in %q", path, resp.Header.Get("Server-Timing"))
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond)), nil
}

func pagesSection(ctx context.Context, db *warehouse.DB, runs int, say func(string, ...any)) ([]Result, error) {
	key, err := benchKey(ctx, db, "board")
	if err != nil {
		return nil, err
	}
	runs = max(5, min(runs, 30))
	uncached, stop, err := newPageBrowser(ctx, db, -1, key)
	if err != nil {
		return nil, err
	}
	defer stop()
	var out []Result
	for _, p := range benchPages {
		say("dashboards: %s, %d loads against its statements sent alone…", p.name, runs)
		for i := 0; i < 3; i++ { // warm up
			if _, err := uncached.load(ctx, p.path, ""); err != nil {
				return nil, err
			}
		}
		id := "benchpage" + warehouse.NewID()
		if _, err := uncached.load(ctx, p.path, id); err != nil {
			return nil, err
		}
		sqls, err := capturedSQL(ctx, db, id)
		if err != nil {
			return nil, err
		}
		// Each statement alone, runs times (median); the slowest of them.
		var slowest, sum time.Duration
		for _, q := range sqls {
			ds := make([]time.Duration, runs)
			for i := range ds {
				start := time.Now()
				if err := sendDirect(ctx, db, []string{q}); err != nil {
					return nil, err
				}
				ds[i] = time.Since(start)
			}
			m := median(ds)
			slowest, sum = max(slowest, m), sum+m
			say("  %8s  %.90s", m.Round(100*time.Microsecond), strings.Join(strings.Fields(q), " "))
		}
		pages := make([]time.Duration, runs)
		for i := range pages {
			if pages[i], err = uncached.load(ctx, p.path, ""); err != nil {
				return nil, err
			}
		}
		page := median(pages)
		ratio := float64(page) / float64(slowest)
		verdict := "target ≤ 1.5 met"
		if ratio > 1.5 {
			verdict = "target ≤ 1.5 MISSED"
		}
		out = append(out, Result{"Dashboards: " + p.name + " server time ÷ slowest single query", fmt.Sprintf("%.2f", ratio),
			fmt.Sprintf("page %s (cache off, median of %d) vs slowest of its %d statements alone %s (all of them one after the other: %s); %s",
				page.Round(100*time.Microsecond), runs, len(sqls), slowest.Round(100*time.Microsecond), sum.Round(100*time.Microsecond), verdict)})

		// Cached repeat ÷ first load: a fresh server (empty cache) per round.
		firsts, repeats := make([]time.Duration, 0, runs), make([]time.Duration, 0, runs)
		for i := 0; i < min(runs, 10); i++ {
			b, stop, err := newPageBrowser(ctx, db, time.Minute, key)
			if err != nil {
				return nil, err
			}
			first, err := b.load(ctx, p.path, "")
			if err == nil {
				var again time.Duration
				again, err = b.load(ctx, p.path, "")
				firsts, repeats = append(firsts, first), append(repeats, again)
			}
			stop()
			if err != nil {
				return nil, err
			}
		}
		f, r := median(firsts), median(repeats)
		out = append(out, Result{"Dashboards: " + p.name + " cached repeat ÷ first load", fmt.Sprintf("%.2f", float64(r)/float64(f)),
			fmt.Sprintf("first %s, repeat %s (medians of %d fresh servers; the repeat still reads names and goals)",
				f.Round(100*time.Microsecond), r.Round(100*time.Microsecond), len(firsts))})
	}
	return out, nil
}
