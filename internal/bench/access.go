package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// AccessOptions say how to run the access section: 64 clients of mixed
// roles at a fixed arrival rate against a server with keys and scopes, and
// the same requests against one without (Options.Unauthenticated).
type AccessOptions struct {
	// Clients sending at once (default 64).
	Clients int
	// Rate is the arrival rate of each side, requests per second (0: a share
	// of the capacity measured first, see Load).
	Rate float64
	// Load is the share of the measured capacity offered when Rate is 0
	// (default 0.6).
	Load float64
	// Round is how long one side runs in one round (default 6 s).
	Round time.Duration
	// Rounds of each side, interleaved (default 6; negative skips the
	// section).
	Rounds int
	// Capacity is how long each side runs closed-loop to measure its
	// capacity (default 6 s).
	Capacity time.Duration
}

func (o *AccessOptions) defaults() {
	if o.Clients <= 0 {
		o.Clients = 64
	}
	if o.Load <= 0 || o.Load > 1 {
		o.Load = 0.6
	}
	if o.Round <= 0 {
		o.Round = 6 * time.Second
	}
	if o.Rounds == 0 {
		o.Rounds = 6
	}
	if o.Capacity <= 0 {
		o.Capacity = 6 * time.Second
	}
}

// accessClient is one simulated client: a role, its key on the server with
// keys, and the dashboard requests it sends in turn.
type accessClient struct {
	role    string
	key     string
	queries []string
}

// accessQueries are the dashboard requests of each role. A partner's are
// about its district (and its state, for comparison); the same text goes to
// both servers, so the unauthenticated equivalent of a partner's request
// is the same question about the same district.
func accessQueries(state, district string, lastYear int) map[string][]string {
	repr := `{ schoolYear leaders latinoLeaders latinoLeaderShare unknownEthnicityShare students latinoStudents
  latinoStudentShare representationIndex representationGap schoolsWithLatinoLeader schoolsWithLatinoLeaderShare }`
	return map[string][]string{
		access.RolePartner: {
			fmt.Sprintf(`query PartnerDistrictRepresentation { district(id: %q) { id name representation %s } }`, district, repr),
			fmt.Sprintf(`query PartnerDistrictPipeline { district(id: %q) { id pipeline { schoolYear
  ranks { role rank tier people latino latinoShare parity } } } }`, district),
			fmt.Sprintf(`query PartnerDistrictGrowth { district(id: %q) { id growth { from to latinoLeadersFrom latinoLeadersTo
  change cagr latinoLeaders { schoolYear value } yearOnYear { schoolYear value } } } }`, district),
			fmt.Sprintf(`query PartnerStateRepresentation { state(code: %q) { code representation %s } }`, state, repr),
		},
		access.RoleBoard: {
			fmt.Sprintf(`query BoardStateRepresentation { state(code: %q) { code name representation %s } }`, state, repr),
			fmt.Sprintf(`query BoardDistrictsRepresentation { state(code: %q) { districts(first: 200) { totalCount
  nodes { id name representation %s } } } }`, state, repr),
		},
		access.RoleAnalyst: {
			fmt.Sprintf(`query AnalystShareByTier { metrics(query: { measures: [LATINO_LEADER_SHARE], dimensions: [TIER, SCHOOL_YEAR],
  filters: [{ dimension: STATE, in: [%q] }] }) { dimensions measures totalCount rows { dimensions values } } }`, state),
			fmt.Sprintf(`query AnalystTopDistricts { metrics(query: { measures: [REPRESENTATION_INDEX], dimensions: [DISTRICT],
  filters: [{ dimension: STATE, in: [%q] }], from: %d, to: %d, orderBy: [{ measure: REPRESENTATION_INDEX, desc: true }],
  limit: 20 }) { dimensions measures totalCount rows { dimensions values } } }`, state, lastYear, lastYear),
		},
		access.RoleAdmin: {
			`query AdminGoals { goals { id title measure scope scopeId targetYear targetValue
  progress { latestYear latestValue percentOfWay projectedValue onTrack } } }`,
			fmt.Sprintf(`query AdminStateGrowth { state(code: %q) { growth { from to latinoLeadersFrom latinoLeadersTo change cagr
  latinoLeaders { schoolYear value } } } }`, state),
		},
	}
}

// analystFallback stands in for the analyst's catalog queries when the
// server without keys refuses them (see accessSection): state figures
// through the typed fields instead.
func analystFallback(state string) []string {
	return []string{
		fmt.Sprintf(`query AnalystStatePipeline { state(code: %q) { pipeline { schoolYear
  ranks { role rank tier people latino latinoShare parity } } } }`, state),
		fmt.Sprintf(`query AnalystStateGrowth { state(code: %q) { growth { from to cagr latinoLeaders { schoolYear value }
  yearOnYear { schoolYear value } } } }`, state),
	}
}

// accessSide is one of the two servers.
type accessSide struct {
	name string
	url  string
	auth bool // send each client's key
}

// accessRun is what one side measured, over every round.
type accessRun struct {
	lat      []time.Duration // from each request's scheduled start to its answer, answered requests only
	sent     int
	errs     int
	firstErr string
	busy     time.Duration   // time the side ran, first scheduled start to last answer, summed over rounds
	p50s     []time.Duration // the median of each round
}

func (r *accessRun) add(o accessRun) {
	r.lat = append(r.lat, o.lat...)
	r.sent += o.sent
	r.errs += o.errs
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
	r.busy += o.busy
	r.p50s = append(r.p50s, o.p50s...)
}

// accessPost sends one request and reports whether it was answered without
// error (HTTP 200 and no GraphQL error).
func accessPost(ctx context.Context, hc *http.Client, side accessSide, key, query string) error {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, side.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if side.auth {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		return fmt.Errorf("%d %.300s", resp.StatusCode, out)
	}
	return nil
}

// openLoop runs one side for d at a fixed arrival rate: request k of client
// c is due at start + (c + k·clients) ÷ rate whatever happened before, and
// its latency counts from when it was due (a client still waiting on its
// previous answer sends late, and the wait counts).
func openLoop(ctx context.Context, hc *http.Client, side accessSide, clients []accessClient, rate float64, d time.Duration) accessRun {
	n := len(clients)
	runs := make([]accessRun, n)
	start := time.Now().Add(50 * time.Millisecond)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, r := clients[c], &runs[c]
			for k := 0; ; k++ {
				due := start.Add(time.Duration(float64(c+k*n) / rate * float64(time.Second)))
				if due.Sub(start) >= d || ctx.Err() != nil {
					return
				}
				time.Sleep(time.Until(due))
				r.sent++
				err := accessPost(ctx, hc, side, cl.key, cl.queries[(c+k)%len(cl.queries)])
				if err != nil {
					r.errs++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.lat = append(r.lat, time.Since(due))
			}
		}()
	}
	wg.Wait()
	var out accessRun
	for _, r := range runs {
		out.add(r)
	}
	out.busy = time.Since(start)
	out.p50s = []time.Duration{percentile(out.lat, 50)}
	return out
}

// closedLoop has every client send its requests back to back for d and
// returns the answers per second, from the start to the last answer: the
// side's capacity under this mix (caches are warm: every request was sent
// once before). Under 64 clients one request takes seconds, so counting
// only the answers inside a window would miss the first wave.
func closedLoop(ctx context.Context, hc *http.Client, side accessSide, clients []accessClient, d time.Duration) (perSecond float64, errs int, firstErr string) {
	var mu sync.Mutex
	done := 0
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clients[c]
			for k := 0; time.Now().Before(end) && ctx.Err() == nil; k++ {
				err := accessPost(ctx, hc, side, cl.key, cl.queries[(c+k)%len(cl.queries)])
				mu.Lock()
				if err != nil {
					if errs++; firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					done++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(done) / time.Since(start).Seconds(), errs, firstErr
}

// percentile returns the p-th percentile (0 < p ≤ 100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// accessSection measures what keys and scopes cost a loaded server: the
// Utah warehouse served twice, once with keys (board, analyst, admin, and
// partner keys bound to one of four districts, a key per four clients) and once
// with Options.Unauthenticated (no keys, no scopes), to opt.Clients clients
// of mixed roles at a fixed arrival rate, the two sides alternating round
// by round. db must hold the Utah seed.
func accessSection(ctx context.Context, addr string, db *warehouse.DB, opt AccessOptions, say func(string, ...any)) ([]Result, error) {
	opt.defaults()
	_, last, ok, err := db.DataYears(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s holds no data", db.Database())
	}
	const state = "UT"
	// The partners' districts: the four with the most staff in the last year.
	var districts []string
	rows, err := db.Conn().Query(ctx, "SELECT lea_id FROM "+db.Database()+".staff_assignments WHERE state_code = ? AND school_year = ? "+
		"GROUP BY lea_id ORDER BY count() DESC, lea_id LIMIT 4", state, uint16(last))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			rows.Close()
			return nil, err
		}
		districts = append(districts, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(districts) == 0 {
		return nil, fmt.Errorf("no district of %s has staff in %d", state, last)
	}

	// Two servers, each with its own connection pool on the same warehouse.
	serve := func(unauthenticated bool) (*httptest.Server, func(), error) {
		h, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: db.Database()})
		if err != nil {
			return nil, nil, err
		}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		// Many clients share a few keys: the per-key shares (in flight, time) would
		// measure themselves, not authentication and scoping.
		ts := httptest.NewServer(server.New(server.Options{DB: h, Log: log, Unauthenticated: unauthenticated,
			Limits: server.Limits{InFlightPerKey: -1, TimePerKey: -1}}))
		return ts, func() { ts.Close(); h.Close() }, nil
	}
	authTS, closeAuth, err := serve(false)
	if err != nil {
		return nil, err
	}
	defer closeAuth()
	openTS, closeOpen, err := serve(true)
	if err != nil {
		return nil, err
	}
	defer closeOpen()
	sides := [2]accessSide{{"authenticated and scoped", authTS.URL, true}, {"unauthenticated", openTS.URL, false}}

	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 4 * opt.Clients,
		MaxIdleConnsPerHost: 2 * opt.Clients, IdleConnTimeout: time.Minute}}
	defer hc.CloseIdleConnections()

	// Every request of the mix once on each side: any error stops the
	// section, except the analyst's catalog queries on the server without
	// keys, which are replaced (on both sides) when it refuses them.
	mixes := map[string][][]string{}
	for i, d := range districts {
		q := accessQueries(state, d, last)
		if i == 0 {
			for _, role := range []string{access.RoleBoard, access.RoleAnalyst, access.RoleAdmin} {
				mixes[role] = [][]string{q[role]}
			}
		}
		mixes[access.RolePartner] = append(mixes[access.RolePartner], q[access.RolePartner])
	}
	note := ""
	check := func(role string, i int, key string) error {
		for _, q := range mixes[role][i] {
			var took [2]time.Duration
			for j, side := range sides {
				start := time.Now()
				if err := accessPost(ctx, hc, side, key, q); err != nil {
					return fmt.Errorf("%s, %s side: %w", strings.SplitN(q, " {", 2)[0], side.name, err)
				}
				took[j] = time.Since(start)
			}
			say("access: %s alone: %s with keys, %s without", strings.SplitN(q, " {", 2)[0],
				took[0].Round(10*time.Microsecond), took[1].Round(10*time.Microsecond))
		}
		return nil
	}

	// The clients: half partners (spread over the districts), a quarter
	// board, an eighth analysts, an eighth admins. Clients of a role (and
	// district) share a key four at a time, as the users of one dashboard
	// deployment would: a few keys each sending several requests a second,
	// under the server's per-key rate limit, which stays on.
	const clientsPerKey = 4
	clients := make([]accessClient, opt.Clients)
	checked := map[string]bool{}
	keyOf := map[string]string{} // role and district → its current key
	keyUsers := map[string]int{} // … and how many clients have it
	for c := range clients {
		var role string
		switch c % 8 {
		case 0, 2, 4, 6:
			role = access.RolePartner
		case 1, 5:
			role = access.RoleBoard
		case 3:
			role = access.RoleAnalyst
		default:
			role = access.RoleAdmin
		}
		cl, mi, districtsOf := accessClient{role: role}, 0, []string(nil)
		if role == access.RolePartner {
			mi = (c / 2) % len(districts)
			districtsOf = districts[mi : mi+1]
		}
		group := fmt.Sprint(role, mi)
		if keyUsers[group]%clientsPerKey == 0 {
			if keyOf[group], err = benchKey(ctx, db, role, districtsOf...); err != nil {
				return nil, err
			}
		}
		keyUsers[group]++
		cl.key = keyOf[group]
		if !checked[group] {
			checked[group] = true
			if err := check(role, mi, cl.key); err != nil {
				if role != access.RoleAnalyst || accessPost(ctx, hc, sides[0], cl.key, mixes[role][0][0]) != nil {
					return nil, err
				}
				note = "analysts send the state pipeline and growth instead of catalog queries (metrics), which the server " +
					"without keys refuses (its @allow needs a key)"
				say("access: %s: %v", note, err)
				mixes[role] = [][]string{analystFallback(state)}
				if err := check(role, 0, cl.key); err != nil {
					return nil, err
				}
			}
		}
		cl.queries = mixes[role][mi]
		clients[c] = cl
	}
	keys := map[string]bool{}
	for _, c := range clients {
		keys[c.key] = true
	}
	mix := fmt.Sprintf("%d clients: %d partner (districts %s), %d board, %d analyst, %d admin; %d keys, one per %d clients of a role (and district)",
		opt.Clients, countRole(clients, access.RolePartner), strings.Join(districts, ", "), countRole(clients, access.RoleBoard),
		countRole(clients, access.RoleAnalyst), countRole(clients, access.RoleAdmin), len(keys), clientsPerKey)
	say("access: %s", mix)

	// Capacity, closed-loop, then the open-loop rounds at a share of it.
	loadBefore := loadAverage()
	var capacity [2]float64
	for i, side := range sides {
		var errs int
		var firstErr string
		capacity[i], errs, firstErr = closedLoop(ctx, hc, side, clients, opt.Capacity)
		say("access: %s side, closed loop: %.1f requests/s (%d errors)", side.name, capacity[i], errs)
		if errs > 0 {
			return nil, fmt.Errorf("access, %s side: %d errors at full load (first: %.300s)", side.name, errs, firstErr)
		}
	}
	rate, rateNote := opt.Rate, "set with --access-rate"
	if rate <= 0 {
		rate = opt.Load * min(capacity[0], capacity[1])
		rateNote = fmt.Sprintf("%.0f%% of the lower closed-loop capacity", opt.Load*100)
	}
	if !(rate > 0) {
		return nil, fmt.Errorf("access: no request answered in the closed-loop runs; nothing to offer")
	}
	var runs [2]accessRun
	loopStart := time.Now()
	for r := 0; r < opt.Rounds; r++ {
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			run := openLoop(ctx, hc, sides[i], clients, rate, opt.Round)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			say("access: round %d, %s: %d sent, %d errors, p50 %s, p99 %s", r+1, sides[i].name, run.sent, run.errs,
				percentile(run.lat, 50).Round(10*time.Microsecond), percentile(run.lat, 99).Round(10*time.Microsecond))
			runs[i].add(run)
			time.Sleep(500 * time.Millisecond) // let the last answers' queries settle
		}
	}

	results := []Result{{fmt.Sprintf("Access: closed-loop capacity of the mix, %d clients (with keys / without)", opt.Clients),
		fmt.Sprintf("%.1f / %.1f requests/s", capacity[0], capacity[1]), mix}}
	for i, r := range runs {
		errNote := ""
		if r.errs > 0 {
			errNote = fmt.Sprintf(" (first: %.200s)", strings.ReplaceAll(r.firstErr, "|", "/"))
		}
		results = append(results, Result{fmt.Sprintf("Access, %s: p50 / p99 latency at %.1f requests/s offered", sides[i].name, rate),
			fmt.Sprintf("%s / %s", percentile(r.lat, 50).Round(10*time.Microsecond), percentile(r.lat, 99).Round(10*time.Microsecond)),
			fmt.Sprintf("%d requests, %.1f answered/s, %d errors%s; %d rounds of %s, interleaved (round medians %s to %s); "+
				"open loop (%s), latency from each request's due time", r.sent, float64(len(r.lat))/r.busy.Seconds(), r.errs, errNote,
				opt.Rounds, opt.Round, slices.Min(r.p50s).Round(time.Millisecond), slices.Max(r.p50s).Round(time.Millisecond), rateNote)})
	}
	// What authentication cost in the warehouse meanwhile: each client's
	// key is looked up again once the server's cache of it (10 s) ends.
	if err := db.Conn().Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
		return nil, err
	}
	var lookups uint64
	var lookupMS float64
	if err := db.Conn().QueryRow(ctx, "SELECT count(), avg(query_duration_ms) FROM system.query_log WHERE event_date >= yesterday() "+
		"AND event_time >= ? AND toUInt8(type) = 2 AND query LIKE '/* camino keys.get%'", loopStart.Add(-time.Second).Truncate(time.Second)).
		Scan(&lookups, &lookupMS); err != nil {
		return nil, err
	}
	results = append(results, Result{"Access: key lookups in the warehouse during the open-loop rounds", fmt.Sprintf("%d for %d requests",
		lookups, runs[0].sent), fmt.Sprintf("%.1f ms each on average; the server remembers a key 10 s, and each side rests while the other runs",
		lookupMS)})
	ratio := func(p float64) float64 {
		return float64(percentile(runs[0].lat, p)) / float64(max(1, percentile(runs[1].lat, p)))
	}
	target := func(x float64) string {
		if x <= 1.05 {
			return "target ≤ 1.05"
		}
		return "target ≤ 1.05 (missed)"
	}
	r50, r99 := ratio(50), ratio(99)
	// Rounds r of the two sides ran one after the other: the ratio of their
	// medians, round by round, is less exposed to drift across the run.
	var paired []float64
	for r := range runs[0].p50s {
		paired = append(paired, float64(runs[0].p50s[r])/float64(max(1, runs[1].p50s[r])))
	}
	slices.Sort(paired)
	results = append(results,
		Result{"Ratio p50 with keys and scopes ÷ without", fmt.Sprintf("%.2f", r50), fmt.Sprintf("%s; round by round %.2f to %.2f, median %.2f",
			target(r50), paired[0], paired[len(paired)-1], paired[len(paired)/2])},
		Result{"Ratio p99 with keys and scopes ÷ without", fmt.Sprintf("%.2f", r99), target(r99)})
	results[0].Note += fmt.Sprintf("; machine load average (1 min) %s before, %s after", loadBefore, loadAverage())
	if note != "" {
		results[0].Note += "; " + note
	}
	return results, nil
}

func countRole(cs []accessClient, role string) int {
	n := 0
	for _, c := range cs {
		if c.role == role {
			n++
		}
	}
	return n
}

// loadAverage is the machine's one-minute load average, as /proc/loadavg
// says ("?" when it cannot be read): other work on the machine moves the
// latencies of both sides, and this says whether there was any.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
