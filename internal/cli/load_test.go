package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

const testSecret = "a test secret of enough bytes"

// loadEnv is a migrated test database holding a small directory: Utah
// districts 4900001 (schools …100001, …100002) and 4900002 (…200001),
// and the state agency 4990000.
type loadEnv struct {
	t   *testing.T
	db  *warehouse.DB
	env map[string]string
	dir string
}

func newLoadEnv(t *testing.T) *loadEnv {
	t.Helper()
	db := whtest.NewDB(t)
	le := &loadEnv{t: t, db: db, dir: t.TempDir(), env: map[string]string{
		"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": db.Database(), "CAMINO_STAFF_KEY_SECRET": testSecret}}
	le.directory()
	return le
}

// directory inserts the fixture's state, districts and schools.
func (le *loadEnv) directory() {
	d := le.db.Database()
	le.exec("INSERT INTO " + d + ".states (state_code, fips, name, synthetic) SELECT 'UT', '49', 'Utah', 1")
	le.exec("INSERT INTO " + d + ".districts (lea_id, state_code, name, lea_type, locale, synthetic) SELECT lea, 'UT', name, t, 'city', 1 " +
		"FROM (SELECT arrayJoin([('4900001', 'North', 'regular'), ('4900002', 'South', 'regular'), ('4990000', 'Utah State Board', 'state_agency')]) AS x, " +
		"x.1 AS lea, x.2 AS name, x.3 AS t)")
	le.exec("INSERT INTO " + d + ".schools (school_id, lea_id, state_code, name, level, charter, title1, synthetic) SELECT s, l, 'UT', s, 'high', 0, 0, 1 " +
		"FROM (SELECT arrayJoin([('490000100001', '4900001'), ('490000100002', '4900001'), ('490000200001', '4900002')]) AS x, x.1 AS s, x.2 AS l)")
}

func (le *loadEnv) exec(sql string) {
	le.t.Helper()
	if err := le.db.Conn().Exec(context.Background(), sql); err != nil {
		le.t.Fatalf("%s: %v", sql, err)
	}
}

// q runs plain SQL written in the test whose single column is a String.
func (le *loadEnv) q(sql string) []string {
	le.t.Helper()
	rows, err := le.db.Conn().Query(context.Background(), strings.ReplaceAll(expandLive(sql), "{db}", le.db.Database()))
	if err != nil {
		le.t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			le.t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		le.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

var liveRE = regexp.MustCompile(`\{live:([a-z_]+)\}`)

// expandLive writes {live:TABLE} as the condition selecting the table's live
// rows, from the journal's definition (docs/loads.md): for every part, the
// generation of its entry with the highest version.
func expandLive(sql string) string {
	return liveRE.ReplaceAllString(sql, "gen IN (SELECT argMax(gen, version) FROM {db}.load_journal WHERE table_name = '$1' GROUP BY part)")
}

// file writes a file in the test's directory and returns its path.
func (le *loadEnv) file(name, content string) string {
	le.t.Helper()
	p := filepath.Join(le.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		le.t.Fatal(err)
	}
	return p
}

func (le *loadEnv) run(args ...string) (int, string, string) {
	return run(context.Background(), le.env, args...)
}

// staffRows lists staff_assignments as "year lea school role ethnicity fte", by plain SQL.
func (le *loadEnv) staffRows() []string {
	return le.q("SELECT concat(toString(school_year), ' ', lea_id, ' ', school_id, ' ', role_code, ' ', toString(ethnicity), ' ', toString(fte)) " +
		"FROM {db}.staff_assignments WHERE {live:staff_assignments} ORDER BY school_year, lea_id, school_id, role_code, ethnicity, fte")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

const staffHeader = "school_year,lea_id,school_id,staff_id,first_name,last_name,title,fte,gender,hispanic_latino,race\n"

func TestLoadStaffingReportsEveryRejectAndLoadsTheRest(t *testing.T) {
	le := newLoadEnv(t)
	path := le.file("staff.csv", staffHeader+
		"2023,4900001,490000100001,E-1001,Ana,Pérez,Principal,1,F,yes,white\n"+ // 2
		"2023,4900001,490000100001,E-1002,Bo,Li,Teacher,1,M,no,asian\n"+ // 3
		"2023,4900001,490000100001,E-1003,Cy,Ro,Chief Wizard,1,M,no,white\n"+ // 4: unknown title
		"2023,4909999,490000100001,E-1004,Di,Su,Teacher,1,F,no,white\n"+ // 5: unknown district
		"2023,4900001,490000100001,E-1002,Bo,Li,Teacher,1,M,no,asian\n"+ // 6: duplicate of 3
		"2023,4900001,490000100002,E-1005,Ed,Wu,Teacher,2.5,M,no,white\n"+ // 7: fte
		"2023,4900001,,E-1006,Flo,Ng,Superintendent,1,F,no,black;white\n"+ // 8
		"2023,4900002,490000200001,E-2001,Gil,Ox,Assistant Principal,1,M,no\n") // 9: ragged
	code, out, errOut := le.run("load", "staffing", path, "--progress", "none", "--partial")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (loaded with rejects)\nstdout %s\nstderr %s", code, out, errOut)
	}
	if !strings.Contains(out, "loaded 3 rows into staff_assignments") || !strings.Contains(out, "rejected 5") {
		t.Errorf("summary = %q", out)
	}
	want := []string{"2023 4900001  superintendent two_or_more 1", "2023 4900001 490000100001 principal hispanic_latino 1",
		"2023 4900001 490000100001 teacher asian 1"}
	if got := le.staffRows(); !equalStrings(got, want) {
		t.Fatalf("loaded rows %q\nwant %q", got, want)
	}
	report, err := os.ReadFile(path + ".rejects.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(report)), "\n")
	wantLines := []struct{ prefix, reason string }{
		{"line,column,value,reason", ""},
		{"4,title,Chief Wizard,", "unknown"},
		{"5,lea_id,4909999,", "unknown district"},
		{"6,staff_id,,", "duplicate"},
		{"7,fte,2.5,", "fte"},
		{"9,", "values"},
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("reject report:\n%s", report)
	}
	for i, w := range wantLines {
		if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.reason) {
			t.Errorf("report line %d = %q, want prefix %q and %q", i+1, lines[i], w.prefix, w.reason)
		}
	}
	// The quarantine holds the same rejects.
	if got := le.q("SELECT concat(toString(line), ' ', column_name) FROM {db}.load_rejects ORDER BY line"); !equalStrings(got,
		[]string{"4 title", "5 lea_id", "6 staff_id", "7 fte", "9 race"}) && !equalStrings(got, []string{"4 title", "5 lea_id", "6 staff_id", "7 fte", "9 field 11"}) {
		t.Errorf("quarantine = %q", got)
	}
	// Neither staff ids nor names reach the warehouse, anywhere.
	for _, secret := range []string{"E-1001", "E-1002", "Pérez", "Ana"} {
		if n := le.q("SELECT toString(count()) FROM {db}.staff_assignments WHERE {live:staff_assignments} AND position(concat(title, lea_id, school_id, batch_id, toString(staff_key)), '" + secret + "') > 0"); n[0] != "0" {
			t.Errorf("%q stored in staff_assignments", secret)
		}
		if n := le.q("SELECT toString(count()) FROM {db}.load_rejects WHERE position(concat(value, reason), '" + secret + "') > 0"); n[0] != "0" {
			t.Errorf("%q stored in the quarantine", secret)
		}
		if strings.Contains(string(report), secret) {
			t.Errorf("%q written to the reject report", secret)
		}
	}
	if got := le.q("SELECT concat(toString(status), ' ', toString(rows), ' ', toString(rejected)) FROM {db}.loads FINAL WHERE table_name = 'staff_assignments'"); !equalStrings(got, []string{"done 3 5"}) {
		t.Errorf("loads log = %q", got)
	}
}

func TestLoadTwiceIsLoadOnceAndACorrectionReplacesOnlyItsDistrictYear(t *testing.T) {
	le := newLoadEnv(t)
	first := le.file("first.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n"+
		"2023,4900001,490000100002,E2,B,B,Teacher,1,M,no,white\n"+
		"2023,4900002,490000200001,E3,C,C,Principal,1,F,no,asian\n"+
		"2022,4900001,490000100001,E1,A,A,Assistant Principal,1,F,yes,white\n")
	for i := range 2 {
		if code, out, errOut := le.run("load", "staffing", first, "--progress", "none", "--replace-district", "4900001",
			"--replace-district", "4900002"); code != 0 {
			t.Fatalf("load %d: exit %d\n%s\n%s", i+1, code, out, errOut)
		}
	}
	want := []string{"2022 4900001 490000100001 assistant_principal hispanic_latino 1", "2023 4900001 490000100001 principal hispanic_latino 1",
		"2023 4900001 490000100002 teacher white 1", "2023 4900002 490000200001 principal asian 1"}
	if got := le.staffRows(); !equalStrings(got, want) {
		t.Fatalf("after loading twice %q\nwant %q", got, want)
	}
	// The same person keeps the same staff key from one year to the next.
	if got := le.q("SELECT toString(uniqExact(staff_key)) FROM {db}.staff_assignments WHERE {live:staff_assignments} AND lea_id = '4900001' AND school_id = '490000100001'"); got[0] != "1" {
		t.Errorf("E1 has %s staff keys over two years, want 1", got[0])
	}
	// A corrected 2023 file for district 4900001 only.
	fix := le.file("fix.csv", "school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race\n"+
		"2023,4900001,490000100001,E1,Principal,0.5,F,yes,white\n")
	if code, out, errOut := le.run("load", "staffing", fix, "--progress", "none", "--replace-district", "4900001"); code != 0 {
		t.Fatalf("correction: exit %d\n%s\n%s", code, out, errOut)
	}
	want = []string{"2022 4900001 490000100001 assistant_principal hispanic_latino 1", "2023 4900001 490000100001 principal hispanic_latino 0.5",
		"2023 4900002 490000200001 principal asian 1"}
	if got := le.staffRows(); !equalStrings(got, want) {
		t.Fatalf("after the correction %q\nwant %q", got, want)
	}
	// The rollups follow the facts: leaders per district-year by plain SQL.
	rollup := le.q("SELECT concat(toString(school_year), ' ', lea_id, ' ', toString(sum(people))) FROM {db}.leadership_rollup WHERE {live:leadership_rollup} AND is_leader = 1 GROUP BY school_year, lea_id ORDER BY school_year, lea_id")
	if !equalStrings(rollup, []string{"2022 4900001 1", "2023 4900001 1", "2023 4900002 1"}) {
		t.Errorf("leadership rollup %q", rollup)
	}
}

func TestBrokenFilesAreRefusedAndChangeNothing(t *testing.T) {
	le := newLoadEnv(t)
	good := le.file("good.csv", staffHeader+"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n")
	if code, _, errOut := le.run("load", "staffing", good, "--progress", "none"); code != 0 {
		t.Fatalf("good file: exit %d %s", code, errOut)
	}
	before := le.staffRows()
	long := "2023,4900001,490000100001,E2,B,B,\"" + strings.Repeat("x", 70<<10) + "\",1,F,no,white\n"
	cases := []struct{ name, content, want string }{
		{"wrong header", "year,district,person\n2023,4900001,E1\n", "school_year"},
		{"semicolons", strings.ReplaceAll(staffHeader, ",", ";") + "2023;4900001;490000100001;E1;A;A;Principal;1;F;yes;white\n", "';'"},
		{"empty", "", "empty"},
		{"unclosed quote over 64 KiB", staffHeader + long, "64 KiB"},
	}
	for _, c := range cases {
		path := le.file(strings.ReplaceAll(c.name, " ", "_")+".csv", c.content)
		code, _, errOut := le.run("load", "staffing", path, "--progress", "none")
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.name, code, errOut, c.want)
		}
		if got := le.staffRows(); !equalStrings(got, before) {
			t.Errorf("%s changed the warehouse: %q", c.name, got)
		}
	}
	if n := le.q("SELECT toString(count()) FROM system.tables WHERE database = '{db}' AND name LIKE 'stage%'"); n[0] != "0" {
		t.Errorf("%s stage tables left", n[0])
	}

	// Usage errors name what is wrong.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"load", "payroll", good}, "unknown file kind"},
		{[]string{"load", "staffing"}, "FILE.csv"},
		{[]string{"load", "staffing", good, "--school-year", "1066"}, "--school-year"},
		{[]string{"load", "staffing", good, "--batch-id", "x; DROP TABLE"}, "--batch-id"},
		{[]string{"load", "staffing", filepath.Join(le.dir, "missing.csv")}, "cannot read"},
	} {
		code, _, errOut := le.run(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("camino %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	// Without a secret, staff ids cannot be keyed: refused, not stored raw.
	noKey := map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": le.db.Database()}
	if code, _, errOut := run(context.Background(), noKey, "load", "staffing", good, "--progress", "none"); code != 2 || !strings.Contains(errOut, "secret") {
		t.Errorf("without a secret: exit %d %q", code, errOut)
	}
}

func TestDryRunChangesNothingAndStdinLoads(t *testing.T) {
	le := newLoadEnv(t)
	content := staffHeader + "2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n" +
		"2023,4900001,490000100001,E2,A,A,Wizard,1,F,yes,white\n"
	path := le.file("dry.csv", content)
	code, out, errOut := le.run("load", "staffing", path, "--dry-run", "--progress", "none", "--partial")
	if code != 3 || !strings.Contains(out, "would load 1 rows") || !strings.Contains(out, "nothing was written") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := le.staffRows(); len(got) != 0 {
		t.Fatalf("dry run wrote %q", got)
	}
	if got := le.q("SELECT toString(count()) FROM {db}.load_rejects"); got[0] != "0" {
		t.Fatalf("dry run quarantined %s rows", got[0])
	}
	var stdout, stderr syncBuffer
	rejects := filepath.Join(le.dir, "stdin.rejects.csv")
	code = mainIO(context.Background(), strings.NewReader(content), []string{"load", "staffing", "-", "--rejects", rejects, "--progress", "lines", "--partial"},
		&stdout, &stderr, func(k string) string { return le.env[k] })
	if code != 3 || !strings.Contains(stdout.String(), "loaded 1 rows") {
		t.Fatalf("stdin: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if b, err := os.ReadFile(rejects); err != nil || !strings.Contains(string(b), "3,title,Wizard") {
		t.Fatalf("stdin reject report %q %v", b, err)
	}
}

// A load says what it will replace, and refuses what it was not told to
// replace; a refused file leaves nothing behind, not even its rejects.
func TestLoadPlanAndRefusals(t *testing.T) {
	le := newLoadEnv(t)
	// South (4900002) holds 200 rows for 2023, North (4900001) 300.
	base := staffFile(t, le.dir, "base.csv", 300, [][3]string{{"2023", "4900001", "490000100001"}})
	if code, out, errOut := le.run("load", "staffing", base, "--progress", "none"); code != 0 {
		t.Fatalf("base: %d %s %s", code, out, errOut)
	}
	south := staffFile(t, le.dir, "south.csv", 200, [][3]string{{"2023", "4900002", "490000200001"}})
	if code, out, errOut := le.run("load", "staffing", south, "--progress", "none"); code != 0 {
		t.Fatalf("south: %d %s %s", code, out, errOut)
	}
	before := le.staffRows()
	version := func() string { return le.q("SELECT toString(max(version)) FROM {db}.load_journal")[0] }
	v0 := version()
	unchanged := func(what string) {
		t.Helper()
		if got := le.staffRows(); !equalStrings(got, before) || version() != v0 {
			t.Fatalf("%s changed the warehouse", what)
		}
		if n := le.q("SELECT toString(count()) FROM {db}.load_rejects"); n[0] != "0" {
			t.Fatalf("%s left %s rows in load_rejects", what, n[0])
		}
		if n := le.q("SELECT toString(count()) FROM system.tables WHERE database = '{db}' AND name LIKE 'stage%'"); n[0] != "0" {
			t.Fatalf("%s left %s stage tables", what, n[0])
		}
		if n := le.q("SELECT toString(count()) FROM system.parts WHERE database = '{db}' AND active AND table = 'staff_assignments' AND " +
			"toUInt64OrZero(replaceRegexpAll(partition, '^.*[,(]|[)]$', '')) NOT IN (SELECT gen FROM {db}.load_journal)"); n[0] != "0" {
			t.Fatalf("%s left %s partitions of rows never published", what, n[0])
		}
	}

	// A South file with one stray North row, and 30 rows rejected: told to
	// replace South only, it refuses North's district-year whole.
	var b strings.Builder
	b.WriteString(staffHeader)
	for i := range 150 {
		fmt.Fprintf(&b, "2023,4900002,490000200001,S%d,A,B,Teacher,1,F,no,white\n", i)
	}
	b.WriteString("2023,4900001,490000100001,X1,A,B,Teacher,1,F,no,white\n")
	for i := range 30 {
		fmt.Fprintf(&b, "2023,4909999,490000200001,R%d,A,B,Teacher,1,F,no,white\n", i) // unknown district
	}
	stray := le.file("stray.csv", b.String())
	code, out, errOut := le.run("load", "staffing", stray, "--replace-district", "4900002", "--progress", "none")
	if code != 2 || !strings.Contains(out, "2023 4900001 North") || !strings.Contains(out, "300 → 1") ||
		!strings.Contains(errOut, "4900001 2023") || !strings.Contains(errOut, "not named") || !strings.Contains(out, "nothing was changed") {
		t.Fatalf("stray row: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	unchanged("a refused load")

	// --dry-run prints the plan (rows now and after) and changes nothing.
	code, out, errOut = le.run("load", "staffing", stray, "--replace-district", "4900002", "--replace-district", "4900001", "--dry-run",
		"--progress", "none")
	if code != 2 || !strings.Contains(out, "would replace") || !regexp.MustCompile(`2023 4900002 South\s+200 → 150\s+replace`).MatchString(out) ||
		!regexp.MustCompile(`2023 4900001 North\s+300 → 1\s+refuse: it would lose most of its rows`).MatchString(out) {
		t.Fatalf("dry run: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	unchanged("a dry run")

	// --force replaces both; the plan says so.
	code, out, errOut = le.run("load", "staffing", stray, "--force", "--progress", "none")
	if code != 3 || !regexp.MustCompile(`2023 4900001 North\s+300 → 1\s+replace`).MatchString(out) || !strings.Contains(out, "2 replaced") {
		t.Fatalf("forced: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if got := le.q("SELECT concat(lea_id, ' ', toString(count())) FROM {db}.staff_assignments WHERE {live:staff_assignments} GROUP BY lea_id ORDER BY lea_id"); !equalStrings(got, []string{"4900001 1", "4900002 150"}) {
		t.Fatalf("after --force: %q", got)
	}
	if n := le.q("SELECT toString(count()) FROM {db}.load_rejects"); n[0] != "30" {
		t.Fatalf("a committed load's rejects: %s rows in load_rejects, want 30", n[0])
	}
}

// Rows rejected from a corrected file do not delete the people they
// describe: the district-year keeps its old rows unless --partial.
func TestRejectedRowsKeepTheirDistrictYear(t *testing.T) {
	le := newLoadEnv(t)
	first := le.file("first.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n"+
		"2023,4900001,490000100001,E2,B,B,Teacher,1,M,no,white\n"+
		"2023,4900002,490000200001,E3,C,C,Teacher,1,F,no,asian\n")
	if code, out, errOut := le.run("load", "staffing", first, "--progress", "none"); code != 0 {
		t.Fatalf("first: %d %s %s", code, out, errOut)
	}
	// The correction: E1 becomes an assistant principal, E2's row is broken.
	fix := le.file("fix.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Assistant Principal,1,F,yes,white\n"+
		"2023,4900001,490000100001,E2,B,B,Teacher,7,M,no,white\n"+
		"2023,4900002,490000200001,E3,C,C,Principal,1,F,no,asian\n")
	code, out, errOut := le.run("load", "staffing", fix, "--force", "--progress", "none")
	if code != 3 || !strings.Contains(out, "keep the old rows: 1 rejected") || !strings.Contains(out, "1 valid rows were not loaded") {
		t.Fatalf("correction with a rejected row: exit %d\n%s\n%s", code, out, errOut)
	}
	want := []string{"2023 4900001 490000100001 principal hispanic_latino 1", "2023 4900001 490000100001 teacher white 1",
		"2023 4900002 490000200001 principal asian 1"}
	if got := le.staffRows(); !equalStrings(got, want) {
		t.Fatalf("after the correction: %q\nwant %q (4900001 kept whole, 4900002 replaced)", got, want)
	}
	// With --partial the valid rows replace the district-year.
	if code, out, errOut := le.run("load", "staffing", fix, "--force", "--partial", "--progress", "none"); code != 3 {
		t.Fatalf("--partial: exit %d\n%s\n%s", code, out, errOut)
	}
	want = []string{"2023 4900001 490000100001 assistant_principal hispanic_latino 1", "2023 4900002 490000200001 principal asian 1"}
	if got := le.staffRows(); !equalStrings(got, want) {
		t.Fatalf("after --partial: %q\nwant %q", got, want)
	}
	rollup := le.q("SELECT concat(lea_id, ' ', toString(sum(people))) FROM {db}.leadership_rollup WHERE {live:leadership_rollup} AND is_leader = 1 GROUP BY lea_id ORDER BY lea_id")
	if !equalStrings(rollup, []string{"4900001 1", "4900002 1"}) {
		t.Fatalf("leadership rollup %q", rollup)
	}
}

// An unclosed quote rejects its own line; the rows after it load.
func TestAnUnclosedQuoteRejectsItsLineOnly(t *testing.T) {
	le := newLoadEnv(t)
	path := le.file("quote.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n"+
		"2023,4900001,490000100001,E2,B,B,\"Teacher,1,M,no,white\n"+
		"2023,4900001,490000100001,E3,C,C,Teacher,1,M,no,asian\n"+
		"2023,4900001,490000100002,E4,D,D,Teacher,1,F,no,white\n")
	code, out, errOut := le.run("load", "staffing", path, "--partial", "--progress", "none")
	if code != 3 || !strings.Contains(out, "loaded 3 rows") || !strings.Contains(out, "rejected 1") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	report, _ := os.ReadFile(path + ".rejects.csv")
	if !strings.Contains(string(report), "3,title,") || !strings.Contains(string(report), "not closed on its line") {
		t.Fatalf("reject report:\n%s", report)
	}
}
