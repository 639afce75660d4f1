package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/warehouse"
)

// The kill tests (docs/loads.md): a load of new rows over old ones is
// killed (kill -9 of the load, or of ClickHouse) at a step of its commit or
// in the seconds after it, and then SQL written here checks that the
// warehouse holds the old rows or the new ones, whole (every district-year
// of the load, facts and every derived table, as a load that was not
// disturbed leaves them), that a serve running beside it answers the same
// without any other command, and that once the janitor has run one version
// is all there is on disk. A load run again afterwards completes.
//
// `make test` runs a few steps; `make test-faults` (CAMINO_FAULT_POINTS=all)
// every step, both kills, more moments after the load, and kills at random
// moments.

// fault is one way to disturb the load: at a failpoint, at a random
// moment, or after it (wait, or the janitor first), kill the load or crash
// ClickHouse.
type fault struct {
	name      string
	failpoint string // stop the load there (warehouse.failpoint)
	random    bool   // kill at a random moment of the load
	after     bool   // let the load finish, then
	wait      time.Duration
	janitor   bool // run the janitor (it drops the replaced parts)
	crash     bool // crash ClickHouse (else kill the load)
}

// ciFaults run in make test; allFaults in make test-faults.
var ciFaults = []fault{
	{name: "kill the load while staging", failpoint: "stage"},
	{name: "kill the load while rebuilding the rollups", failpoint: "rollups"},
	{name: "crash ClickHouse while rebuilding the rollups", failpoint: "rollups", crash: true},
	{name: "crash ClickHouse just after the commit", failpoint: "published", crash: true},
	{name: "crash ClickHouse just after the janitor dropped the replaced parts", after: true, janitor: true, crash: true},
}

func allFaults() []fault {
	var out []fault
	for _, fp := range []string{"stage", "locked", "kept", "rollups", "published"} {
		out = append(out, fault{name: "kill the load at " + fp, failpoint: fp},
			fault{name: "crash ClickHouse at " + fp, failpoint: fp, crash: true})
	}
	for _, d := range []time.Duration{0, time.Second, 4 * time.Second, 30 * time.Second} {
		out = append(out, fault{name: fmt.Sprintf("crash ClickHouse %s after the load", d), after: true, wait: d, crash: true})
	}
	out = append(out, fault{name: "crash ClickHouse just after the janitor", after: true, janitor: true, crash: true})
	for i := range 6 {
		out = append(out, fault{name: fmt.Sprintf("kill the load at a random moment %d", i), random: true},
			fault{name: fmt.Sprintf("crash ClickHouse at a random moment %d", i), random: true, crash: true})
	}
	return out
}

// faultEnv is a ClickHouse of the test's own (it is crashed), on fixed
// ports so that a restart keeps its address, and one database.
type faultEnv struct {
	t     *testing.T
	dir   string
	srv   *chlocal.Server
	ports []int
	db    *warehouse.DB
	name  string
	env   map[string]string
}

func newFaultEnv(t *testing.T, name string) *faultEnv {
	t.Helper()
	f := &faultEnv{t: t, dir: t.TempDir(), name: name}
	ctx := context.Background()
	var err error
	if f.srv, err = chlocal.Start(ctx, chlocal.Options{Dir: filepath.Join(f.dir, "ch")}); err != nil {
		t.Fatal(err)
	}
	f.ports = f.srv.Ports()
	t.Cleanup(func() { f.srv.Stop() })
	f.open()
	f.env = map[string]string{"CAMINO_CLICKHOUSE_ADDR": f.srv.Addr(), "CAMINO_DATABASE": name, "CAMINO_STAFF_KEY_SECRET": testSecret}
	return f
}

func (f *faultEnv) open() {
	f.t.Helper()
	if f.db != nil {
		f.db.Close()
	}
	db, err := warehouse.Open(context.Background(), warehouse.Config{Addr: f.srv.Addr(), Database: f.name})
	if err != nil {
		f.t.Fatal(err)
	}
	f.db = db
	f.t.Cleanup(func() { db.Close() })
}

// crash kills ClickHouse with SIGKILL and starts it again on its data.
func (f *faultEnv) crash() {
	f.t.Helper()
	f.srv.Crash()
	var err error
	for range 5 { // the ports may take a moment to be free again
		if f.srv, err = chlocal.Start(context.Background(), chlocal.Options{Dir: filepath.Join(f.dir, "ch"), Ports: f.ports}); err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

func (f *faultEnv) le() *loadEnv { return &loadEnv{t: f.t, db: f.db, env: f.env, dir: f.dir} }

func (f *faultEnv) q(sql string) []string { return f.le().q(sql) }

// camino runs a camino command to its end and fails the test unless it
// exits with want.
func (f *faultEnv) camino(want int, args ...string) string {
	f.t.Helper()
	code, out := runCamino(f.t, f.env, args...)
	if code != want {
		f.t.Fatalf("camino %v: exit %d, want %d\n%s", args, code, want, out)
	}
	return out
}

// staffFile writes a staffing file: n people a district-year, for each of
// the (year, district, first school) given; people keep their ids from
// year to year, one in twenty is a principal, one in ten assistant
// principal, the rest teachers.
func staffFile(t *testing.T, dir, name string, n int, dys [][3]string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	w.WriteString("school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race\n")
	for _, dy := range dys {
		for i := range n {
			title := "Teacher"
			switch {
			case i%20 == 0:
				title = "Principal"
			case i%10 == 0:
				title = "Assistant Principal"
			}
			hisp := "no"
			if i%4 == 0 {
				hisp = "yes"
			}
			fmt.Fprintf(w, "%s,%s,%s,E%s-%d,%s,1,F,%s,white\n", dy[0], dy[1], dy[2], dy[1], i, title, hisp)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	return path
}

// factsFingerprint is, per district-year of the live facts, its rows and
// an order-independent hash of them (with the batch that wrote them).
const factsFingerprint = "SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(count()), ' ', " +
	"toString(groupBitXor(cityHash64(staff_key, role_code, school_id, fte, batch_id)))) FROM {db}.staff_assignments " +
	"WHERE {live:staff_assignments} GROUP BY school_year, lea_id ORDER BY school_year, lea_id"

// rollupFingerprints are, per derived table, its live rows and a hash of
// every column but gen.
var rollupFingerprints = map[string]string{
	"staff_person_year": "school_year, state_code, lea_id, school_id, staff_key, role_code, rank, toString(tier), is_leader, toString(ethnicity), toString(gender), fte",
	"leadership_rollup": "school_year, state_code, lea_id, school_id, role_code, rank, toString(tier), is_leader, toString(ethnicity), toString(gender), people",
	"place_rollup":      "school_year, state_code, lea_id, school_id, arrayStringConcat(arrayMap(x -> toString(x), people), ','), arrayStringConcat(arrayMap(x -> toString(x), latino), ','), students, schools, schools_with_latino_leader",
	"district_rollup":   "school_year, state_code, lea_id, arrayStringConcat(arrayMap(x -> toString(x), people), ','), arrayStringConcat(arrayMap(x -> toString(x), latino), ','), students, schools, schools_with_latino_leader",
	"moves_rollup":      "school_year, state_code, lea_id, school_id, role_code, toString(ethnicity), toString(gender), people, nx, up, nl, pv, pl",
	"spell_rollup":      "state_code, lea_id, school_id, role_code, start_year, toString(ethnicity), toString(gender), d, e, people",
}

// state is what a warehouse holds, by the fingerprints.
type state struct {
	facts   []string
	rollups map[string]string
}

func (f *faultEnv) state() state {
	s := state{facts: f.q(factsFingerprint), rollups: map[string]string{}}
	for t, cols := range rollupFingerprints {
		s.rollups[t] = f.q("SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(" + cols + ")))) FROM {db}." + t +
			" WHERE {live:" + t + "}")[0]
	}
	return s
}

func (s state) equal(o state) bool {
	if !equalStrings(s.facts, o.facts) {
		return false
	}
	for t, v := range s.rollups {
		if o.rollups[t] != v {
			return false
		}
	}
	return true
}

// rollupsFollowFacts checks with SQL written here that the derived tables
// count what the live facts hold (each person has one post a year in these
// files): people by district-year and role, by school, by district, and
// people of a year present the next year.
func (f *faultEnv) rollupsFollowFacts() {
	f.t.Helper()
	facts := "(SELECT school_year, lea_id, school_id, role_code, staff_key FROM {db}.staff_assignments WHERE {live:staff_assignments})"
	checks := []struct{ what, got, want string }{
		{"person-years", "SELECT concat(toString(school_year), lea_id, toString(count())) FROM {db}.staff_person_year WHERE {live:staff_person_year} GROUP BY school_year, lea_id",
			"SELECT concat(toString(school_year), lea_id, toString(count())) FROM " + facts + " GROUP BY school_year, lea_id"},
		{"leadership_rollup", "SELECT concat(toString(school_year), lea_id, role_code, toString(sum(people))) FROM {db}.leadership_rollup WHERE {live:leadership_rollup} GROUP BY school_year, lea_id, role_code",
			"SELECT concat(toString(school_year), lea_id, role_code, toString(count())) FROM " + facts + " GROUP BY school_year, lea_id, role_code"},
		{"place_rollup", "SELECT concat(toString(school_year), school_id, toString(arraySum(people))) FROM {db}.place_rollup WHERE {live:place_rollup} AND arraySum(people) > 0",
			"SELECT concat(toString(school_year), school_id, toString(count())) FROM " + facts + " GROUP BY school_year, school_id"},
		{"district_rollup", "SELECT concat(toString(school_year), lea_id, toString(arraySum(people))) FROM {db}.district_rollup WHERE {live:district_rollup}",
			"SELECT concat(toString(school_year), lea_id, toString(count())) FROM " + facts + " GROUP BY school_year, lea_id"},
		{"moves_rollup", "SELECT concat(toString(school_year), toString(sum(people)), ' ', toString(sum(nx))) FROM {db}.moves_rollup WHERE {live:moves_rollup} GROUP BY school_year",
			"SELECT concat(toString(school_year), toString(count()), ' ', toString(countIf((staff_key, toUInt16(school_year + 1)) IN (SELECT staff_key, school_year FROM " +
				facts + ")))) FROM " + facts + " GROUP BY school_year"},
	}
	for _, c := range checks {
		got, want := f.q(c.got), f.q(c.want)
		sort.Strings(got)
		sort.Strings(want)
		if !equalStrings(got, want) {
			f.t.Errorf("%s disagrees with the facts:\n got %q\nwant %q", c.what, got, want)
		}
	}
}

// oneVersionOnDisk checks, after the janitor, that every partition on disk
// of the versioned tables is live: one version is all there is.
func (f *faultEnv) oneVersionOnDisk() {
	f.t.Helper()
	out := f.camino(0, "warehouse", "clean", "--grace", "0s")
	hidden := f.q("SELECT concat(table, ' ', partition) FROM system.parts WHERE database = '{db}' AND active AND has(['staff_assignments', " +
		"'staff_person_year', 'leadership_rollup', 'place_rollup', 'district_rollup', 'moves_rollup', 'spell_rollup'], table) AND " +
		"toUInt64OrZero(replaceRegexpAll(partition, '^.*[,(]|[)]$', '')) NOT IN (SELECT argMax(gen, version) FROM {db}.load_journal GROUP BY table_name, part)")
	if len(hidden) > 0 {
		f.t.Errorf("after the janitor (%s), partitions of other versions are still on disk: %q\njournal: %q", out, hidden,
			f.q("SELECT concat(toString(version), ' ', table_name, ' ', part, ' ', toString(gen)) FROM {db}.load_journal ORDER BY version"))
	}
}

// serveAgrees checks that a serve running beside the loads answers what the
// live facts hold (leaders by year in one district), without any other
// command having run since the fault. Right after a ClickHouse restart its
// first requests may fail; they are retried.
func serveAgrees(t *testing.T, f *faultEnv, base, key string) {
	t.Helper()
	want := f.q("SELECT concat('{\"schoolYear\":', toString(school_year), ',\"leaders\":', toString(count()), '}') FROM {db}.staff_assignments " +
		"WHERE {live:staff_assignments} AND lea_id = '4900001' AND role_code IN ('assistant_principal', 'principal') GROUP BY school_year ORDER BY school_year")
	wantJSON := `{"data":{"district":{"leadership":[` + strings.Join(want, ",") + `]}}}`
	var body string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var status int
		status, body = graphql(t, base, key, `{ district(id: "4900001") { leadership { schoolYear leaders } } }`)
		if status == 200 && !strings.Contains(body, `"errors"`) {
			break
		}
	}
	var got struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || `{"data":`+string(got.Data)+`}` != wantJSON {
		t.Errorf("serve answers %s\nthe live facts say %s", body, wantJSON)
	}
}

var failpointRE = regexp.MustCompile(`failpoint (\w+) reached`)

func TestKillsDuringAndAfterALoadLeaveOneVersion(t *testing.T) {
	faults := ciFaults
	if os.Getenv("CAMINO_FAULT_POINTS") == "all" {
		faults = allFaults()
	}
	f := newFaultEnv(t, "faults")
	f.camino(0, "migrate")
	f.le().directory()
	d := f.dir
	oldFile := staffFile(t, d, "old.csv", 400, [][3]string{{"2022", "4900001", "490000100001"}, {"2023", "4900001", "490000100001"},
		{"2023", "4900002", "490000200001"}})
	// The same district-years (so the old file, loaded again, gives the old
	// warehouse back), other schools and many more people.
	newFile := staffFile(t, d, "new.csv", 60_000, [][3]string{{"2022", "4900001", "490000100002"}, {"2023", "4900001", "490000100002"},
		{"2023", "4900002", "490000200001"}})
	loadOld := func() { f.camino(0, "load", "staffing", oldFile, "--batch-id", "old", "--force", "--progress", "none") }
	newArgs := []string{"load", "staffing", newFile, "--batch-id", "new", "--force", "--progress", "none"}

	// What an undisturbed load leaves, before and after.
	loadOld()
	old := f.state()
	f.camino(0, newArgs...)
	fresh := f.state()
	if old.equal(fresh) || len(fresh.facts) != 3 {
		t.Fatalf("the new load changes nothing: old %v, new %v", old.facts, fresh.facts)
	}
	f.rollupsFollowFacts()

	keyOut := f.camino(0, "keys", "create", "--role", "admin")
	key := keyRE.FindString(keyOut)
	serve := camino(t, f.env, "serve", "--listen", "127.0.0.1:0", "--no-migrate")
	base := serve.waitFor(servingRE)[1]

	for _, flt := range faults {
		t.Run(flt.name, func(t *testing.T) {
			f.t = t
			loadOld()
			if !f.state().equal(old) {
				t.Fatal("reloading the old file did not give the old warehouse")
			}
			resume := filepath.Join(t.TempDir(), "resume")
			env := map[string]string{"CAMINO_FAILPOINT": flt.failpoint, "CAMINO_FAILPOINT_RESUME": resume}
			for k, v := range f.env {
				env[k] = v
			}
			start := time.Now()
			p := camino(t, env, newArgs...)
			switch {
			case flt.failpoint != "":
				if m := p.waitFor(failpointRE); m[1] != flt.failpoint {
					t.Fatalf("stopped at %s", m[1])
				}
			case flt.random:
				// The undisturbed load took this long: somewhere in it.
				time.Sleep(time.Duration(rand.Int64N(int64(4 * time.Second))))
			default:
				if code := p.wait(5 * time.Minute); code != 0 {
					t.Fatalf("the load failed: %d\n%s", code, p.out.String())
				}
				if flt.janitor {
					f.camino(0, "warehouse", "clean", "--grace", "0s")
				}
				time.Sleep(flt.wait)
			}
			if flt.crash {
				f.crash()
				if flt.janitor {
					// 18.16 brings back parts dropped just before a crash: here
					// they are, and they stay hidden.
					t.Logf("%s partitions of the replaced version back on disk after the crash",
						f.q("SELECT toString(count()) FROM system.parts WHERE database = '{db}' AND active AND table = 'staff_assignments' AND " +
							"toUInt64OrZero(replaceRegexpAll(partition, '^.*[,(]|[)]$', '')) NOT IN (SELECT argMax(gen, version) FROM {db}.load_journal GROUP BY table_name, part)")[0])
				}
				os.WriteFile(resume, nil, 0o644)
				p.wait(5 * time.Minute) // it may fail, or finish on the restarted server
			} else if p.cmd.ProcessState == nil {
				p.cmd.Process.Signal(syscall.SIGKILL)
				p.wait(time.Minute)
			}
			t.Logf("fault after %s", time.Since(start).Round(time.Millisecond))

			// Old or new, whole: facts and every derived table.
			now := f.state()
			switch {
			case now.equal(old):
			case now.equal(fresh):
			default:
				t.Fatalf("the warehouse holds neither the old nor the new version:\nfacts %q\n old  %q\n new  %q\nrollups %v\n old %v\n new %v",
					now.facts, old.facts, fresh.facts, now.rollups, old.rollups, fresh.rollups)
			}
			f.rollupsFollowFacts()
			serveAgrees(t, f, base, key)
			if flt.failpoint == "published" || flt.after {
				if !now.equal(fresh) {
					t.Errorf("a committed load was lost")
				}
			}
			f.oneVersionOnDisk()
			if !now.equal(fresh) { // it died before its commit: the janitor said so
				if got := f.q("SELECT toString(argMax(status, finished_at)) FROM {db}.loads WHERE batch_id = 'new'"); got[0] != "killed" && got[0] != "failed" {
					t.Errorf("the loads log says %q for a load that died", got)
				}
			}
			// Loaded again, it completes.
			f.camino(0, newArgs...)
			if !f.state().equal(fresh) {
				t.Fatal("the load run again did not give the new warehouse")
			}
			f.rollupsFollowFacts()
		})
		if t.Failed() {
			break
		}
	}
	f.t = t
	serve.cmd.Process.Signal(os.Interrupt)
	if code := serve.wait(time.Minute); code != 0 {
		t.Errorf("serve exited %d:\n%s", code, serve.out.String())
	}
}
