package seed_test

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/seed"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

func TestMain(m *testing.M) { whtest.Main(m) }

// Every expected figure below is computed by SQL written here, from the
// rows in the warehouse — never by the seed's own code.

// strs runs sql (with {db} replaced by the test database) whose single
// column is a String.
func strs(t testing.TB, db *warehouse.DB, sql string, args ...any) []string {
	t.Helper()
	sql = strings.ReplaceAll(sql, "{db}", db.Database())
	rows, err := db.Conn().Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// num runs sql returning one number (any numeric type; converted here).
func num(t testing.TB, db *warehouse.DB, sql string, args ...any) float64 {
	t.Helper()
	out := strs(t, db, "SELECT toString(toFloat64(("+sql+")))", args...)
	if len(out) != 1 {
		t.Fatalf("%s: %d rows", sql, len(out))
	}
	f, err := strconv.ParseFloat(out[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// byYear runs sql returning (school_year, value) rows as a map.
func byYear(t testing.TB, db *warehouse.DB, sql string) map[int]float64 {
	t.Helper()
	out := map[int]float64{}
	for _, r := range strs(t, db, "SELECT concat(toString(y), ' ', toString(toFloat64(v))) FROM ("+sql+")") {
		f := strings.Fields(r)
		y, _ := strconv.Atoi(f[0])
		v, _ := strconv.ParseFloat(f[1], 64)
		out[y] = v
	}
	return out
}

// rankOf maps a role code to its place on the ladder (1 = teacher … 8 =
// state leader), written here rather than read from the roles table.
const rankOf = "indexOf(['teacher', 'teacher_leader', 'assistant_principal', 'principal', 'district_leader', " +
	"'assistant_superintendent', 'superintendent', 'state_leader'], role_code)"

// personYear is a table the tests fill with one row per person and year at
// the highest post (rk), from staff_assignments (see personYears).
const personYear = "{db}.test_person_year"

// personYears materialises personYear once per database (a Memory table in
// the test database, dropped with it).
func personYears(t testing.TB, db *warehouse.DB) {
	t.Helper()
	sql := strings.ReplaceAll("CREATE TABLE {db}.test_person_year ENGINE = Memory AS "+
		"SELECT school_year, staff_key, max("+rankOf+") AS rk, any(ethnicity) AS eth, argMax(lea_id, "+rankOf+") AS lea "+
		"FROM {db}.staff_assignments GROUP BY school_year, staff_key", "{db}", db.Database())
	if err := db.Conn().Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func run(t testing.TB, db *warehouse.DB, opt seed.Options) seed.Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sum, err := seed.Run(ctx, db, opt)
	if err != nil {
		t.Fatalf("seed.Run(%+v): %v", opt, err)
	}
	return sum
}

// fingerprint sums a hash of every column of every row, per table: equal
// fingerprints mean equal rows (whatever their order).
func fingerprint(t *testing.T, db *warehouse.DB) []string {
	t.Helper()
	qs := []string{
		"SELECT concat('states ', toString(count()), ' ', toString(sum(cityHash64(state_code, fips, name, synthetic)))) FROM {db}.states",
		"SELECT concat('districts ', toString(count()), ' ', toString(sum(cityHash64(lea_id, state_code, name, toString(lea_type), toString(locale), synthetic)))) FROM {db}.districts",
		"SELECT concat('schools ', toString(count()), ' ', toString(sum(cityHash64(school_id, lea_id, name, toString(level), charter, title1, synthetic)))) FROM {db}.schools",
		"SELECT concat('staff ', toString(count()), ' ', toString(sum(staff_key % 1000003)), ' ', toString(round(sum(fte), 1)), ' ', " +
			"toString(sum(cityHash64(school_year, state_code, lea_id, school_id, staff_key, role_code, toString(ethnicity), toString(gender), " +
			"toString(fte), toString(hispanic_answer), arrayStringConcat(race_answers, ','), title, batch_id, toString(loaded_at))))) FROM {db}.staff_assignments",
		"SELECT concat('enrollment ', toString(count()), ' ', toString(sum(students)), ' ', " +
			"toString(sum(cityHash64(school_year, school_id, toString(ethnicity), ell, students, batch_id, toString(loaded_at))))) FROM {db}.enrollment",
		"SELECT concat('members ', toString(count()), ' ', toString(sum(staff_key % 1000003)), ' ', " +
			"toString(sum(cityHash64(member_id, staff_key, lea_id, toString(joined_on), ifNull(toString(left_on), ''))))) FROM {db}.members",
		"SELECT concat('events ', toString(count()), ' ', " +
			"toString(sum(cityHash64(member_id, toString(event_date), toString(event_type), role_code, lea_id, detail)))) FROM {db}.member_events",
		"SELECT concat('goals ', toString(count()), ' ', " +
			"toString(sum(cityHash64(goal_id, title, measure, tier, baseline_year, toString(baseline_value), target_year, toString(target_value))))) FROM {db}.goals",
		"SELECT concat('rollup ', toString(count()), ' ', toString(sum(people))) FROM {db}.leadership_rollup",
	}
	var out []string
	for _, q := range qs {
		out = append(out, strs(t, db, q)...)
	}
	return out
}

func TestSameSeedSameRowsOtherSeedOtherRows(t *testing.T) {
	a, b, c := whtest.NewDB(t), whtest.NewDB(t), whtest.NewDB(t)
	// The three loads run at once: they share nothing but the server.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, x := range []struct {
		db   *warehouse.DB
		seed int64
	}{{a, 7}, {b, 7}, {c, 8}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = seed.Run(context.Background(), x.db, seed.Options{Profile: "utah", Seed: x.seed})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	fa, fb, fc := fingerprint(t, a), fingerprint(t, b), fingerprint(t, c)
	t.Logf("fingerprints in %v", time.Since(start).Round(time.Millisecond))
	if !slices.Equal(fa, fb) {
		t.Fatalf("seed 7 twice differs:\n%q\n%q", fa, fb)
	}
	for i := range fa {
		name := strings.Fields(fa[i])[0]
		switch name {
		case "states", "districts", "goals":
			continue // the same real geography and goal wording for every seed
		}
		if fa[i] == fc[i] {
			t.Errorf("seed 8 gives the same %s as seed 7: %s", name, fa[i])
		}
	}
}

func TestUtahIsCalibrated(t *testing.T) {
	db := whtest.NewDB(t)
	var mu sync.Mutex
	done := map[string]int64{}
	calls := 0
	sum := run(t, db, seed.Options{Seed: 1, Progress: func(p seed.Progress) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if p.Done {
			done[p.Table] = p.Rows
		}
	}})
	personYears(t, db)
	t.Logf("utah seed 1: %v (rollups included), rows %v", sum.Elapsed.Round(time.Millisecond), sum.Rows)

	t.Run("summary and loads match the tables", func(t *testing.T) {
		for _, table := range []string{warehouse.TableStates, warehouse.TableDistricts, warehouse.TableSchools,
			warehouse.TableStaffAssignments, warehouse.TableEnrollment, warehouse.TableMembers,
			warehouse.TableMemberEvents, warehouse.TableGoals} {
			n := int64(num(t, db, "SELECT count() FROM {db}."+table))
			if n == 0 || sum.Rows[table] != n || done[table] != n {
				t.Errorf("%s: %d rows in the table, summary says %d, progress done %d", table, n, sum.Rows[table], done[table])
			}
			if got := num(t, db, "SELECT sum(rows) FROM {db}.loads FINAL WHERE batch_id = 'seed-utah-1' AND table_name = ?", table); int64(got) != n {
				t.Errorf("loads log for %s says %v rows, want %d", table, got, n)
			}
		}
		if calls <= len(done) {
			t.Errorf("progress called %d times, want a call per chunk before the %d done calls", calls, len(done))
		}
		if n := num(t, db, "SELECT count() FROM {db}.staff_assignments WHERE batch_id != 'seed-utah-1'"); n != 0 {
			t.Errorf("%v staff rows with another batch id", n)
		}
	})

	t.Run("geography", func(t *testing.T) {
		if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE lea_type = 'regular'"); n != 41 {
			t.Errorf("regular districts = %v, want 41", n)
		}
		for _, name := range []string{"Alpine School District", "Salt Lake City School District", "Daggett School District",
			"Box Elder School District", "Ogden City School District", "Granite School District"} {
			if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE name = ? AND lea_type = 'regular'", name); n != 1 {
				t.Errorf("district %q: %v rows", name, n)
			}
		}
		if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE lea_type = 'charter'"); n < 100 || n > 130 {
			t.Errorf("charter LEAs = %v, want 100–130", n)
		}
		if got := strs(t, db, "SELECT concat(name, ' ', lea_id) FROM {db}.districts FINAL WHERE lea_type = 'state_agency'"); len(got) != 1 {
			t.Errorf("state agencies: %q", got)
		}
		if n := num(t, db, "SELECT uniqExact(school_id) FROM {db}.enrollment WHERE school_year = 2023"); n < 1000 || n > 1100 {
			t.Errorf("schools with students in 2023 = %v, want 1,000–1,100", n)
		}
		top := strs(t, db, "SELECT name FROM (SELECT lea_id, sum(students) AS n FROM {db}.enrollment WHERE school_year = 2023 GROUP BY lea_id) "+
			"ANY INNER JOIN (SELECT lea_id, name FROM {db}.districts FINAL) USING lea_id ORDER BY n DESC LIMIT 5")
		if len(top) != 5 || top[0] != "Alpine School District" {
			t.Fatalf("largest districts 2023 = %q, want Alpine first", top)
		}
		slices.Sort(top)
		want := []string{"Alpine School District", "Davis School District", "Granite School District", "Jordan School District", "Nebo School District"}
		if !slices.Equal(top, want) {
			t.Errorf("five largest districts = %q, want %q", top, want)
		}
		levels := strs(t, db, "SELECT toString(level) FROM {db}.schools FINAL GROUP BY level HAVING count() >= 40 ORDER BY level")
		if len(levels) != 4 {
			t.Errorf("school levels with 40+ schools: %q, want all four", levels)
		}
	})

	t.Run("ids", func(t *testing.T) {
		if got := strs(t, db, "SELECT concat(lea_id, ' ', toString(synthetic)) FROM {db}.districts FINAL WHERE name = 'Salt Lake City School District'"); len(got) != 1 || got[0] != "4900870 0" {
			t.Errorf("Salt Lake City: %q, want 4900870 synthetic=0", got)
		}
		if got := strs(t, db, "SELECT concat(lea_id, ' ', toString(synthetic)) FROM {db}.districts FINAL WHERE name = 'Granite School District'"); len(got) != 1 || got[0] != "4900360 0" {
			t.Errorf("Granite: %q, want 4900360 synthetic=0", got)
		}
		if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE lea_id NOT IN ('4900870', '4900360') AND (synthetic != 1 OR substring(lea_id, 1, 3) != '499' OR length(lea_id) != 7)"); n != 0 {
			t.Errorf("%v made-up district ids not flagged synthetic or outside 499xxxx", n)
		}
		if n := num(t, db, "SELECT count() FROM {db}.schools FINAL WHERE synthetic != 1 OR length(school_id) != 12 OR substring(school_id, 1, 7) != lea_id OR substring(school_id, 8, 1) != '9'"); n != 0 {
			t.Errorf("%v school ids not lea_id + 9xxxx or not flagged synthetic", n)
		}
		if got := strs(t, db, "SELECT concat(state_code, ' ', fips, ' ', name, ' ', toString(synthetic)) FROM {db}.states FINAL"); len(got) != 1 || got[0] != "UT 49 Utah 0" {
			t.Errorf("states = %q", got)
		}
		if n := num(t, db, "SELECT count() FROM {db}.staff_assignments WHERE staff_key = 0"); n != 0 {
			t.Errorf("%v staff rows with staff_key 0", n)
		}
		if n := num(t, db, "SELECT count() FROM {db}.staff_assignments ANY LEFT JOIN (SELECT school_id, 1 AS known FROM {db}.schools FINAL) USING school_id WHERE school_id != '' AND known = 0"); n != 0 {
			t.Errorf("%v staff rows at an unknown school", n)
		}
	})

	t.Run("years", func(t *testing.T) {
		for _, table := range []string{"staff_assignments", "enrollment"} {
			got := strs(t, db, "SELECT toString(school_year) FROM {db}."+table+" GROUP BY school_year ORDER BY school_year")
			if len(got) != 12 || got[0] != "2014" || got[11] != "2025" {
				t.Errorf("%s years = %q, want 2014..2025", table, got)
			}
		}
	})

	latinoStudents := byYear(t, db, "SELECT school_year AS y, sumIf(students, ethnicity = 'hispanic_latino') / sum(students) AS v FROM {db}.enrollment GROUP BY y")
	t.Run("students", func(t *testing.T) {
		for _, c := range []struct {
			year   int
			lo, hi float64
		}{{2014, 0.15, 0.175}, {2023, 0.185, 0.21}, {2025, 0.20, 0.225}} {
			if v := latinoStudents[c.year]; v < c.lo || v > c.hi {
				t.Errorf("Latino student share %d = %.4f, want %.3f–%.3f", c.year, v, c.lo, c.hi)
			}
		}
		n := num(t, db, "SELECT sum(students) FROM {db}.enrollment WHERE school_year = 2023")
		if n < 640_000 || n > 700_000 {
			t.Errorf("students 2023 = %v, want ≈672,662", n)
		}
		slc := num(t, db, "SELECT sumIf(students, ethnicity = 'hispanic_latino') / sum(students) FROM {db}.enrollment WHERE school_year = 2023 AND lea_id = '4900870'")
		if slc < 0.35 || slc > 0.43 {
			t.Errorf("Salt Lake City Latino share 2023 = %.4f, want 0.35–0.43", slc)
		}
		ell := num(t, db, "SELECT sumIf(students, ell = 1) / sum(students) FROM {db}.enrollment WHERE school_year = 2023")
		if ell < 0.07 || ell > 0.11 {
			t.Errorf("English learners 2023 = %.4f, want ≈0.088", ell)
		}
		charter := num(t, db, "SELECT sumIf(students, lea_id IN (SELECT lea_id FROM {db}.districts FINAL WHERE lea_type = 'charter')) / sum(students) FROM {db}.enrollment WHERE school_year = 2023")
		if charter < 0.10 || charter > 0.14 {
			t.Errorf("charter share of students 2023 = %.4f, want ≈0.12", charter)
		}
		t.Logf("students 2023 %v; Latino share 2014 %.4f, 2023 %.4f, 2025 %.4f; Salt Lake City %.4f; ELL %.4f; charter %.4f",
			n, latinoStudents[2014], latinoStudents[2023], latinoStudents[2025], slc, ell, charter)
	})

	t.Run("staff", func(t *testing.T) {
		teachers := byYear(t, db, "SELECT school_year AS y, count() AS v FROM "+personYear+" WHERE rk = 1 GROUP BY y")
		if n := teachers[2023]; n < 26_000 || n > 30_000 {
			t.Errorf("teachers 2023 = %v, want 26,000–30,000", n)
		}
		share := byYear(t, db, "SELECT school_year AS y, countIf(eth = 'hispanic_latino') / countIf(eth != 'unknown') AS v FROM "+personYear+" WHERE rk = 1 GROUP BY y")
		for y := 2014; y <= 2025; y++ {
			if v := share[y]; v < 0.02 || v > 0.06 {
				t.Errorf("Latino teacher share %d = %.4f, want 0.02–0.06", y, v)
			}
		}
		if share[2025] <= share[2014] {
			t.Errorf("Latino teacher share 2025 %.4f is not above 2014 %.4f", share[2025], share[2014])
		}
		leaders := byYear(t, db, "SELECT school_year AS y, countIf(eth = 'hispanic_latino') AS v FROM "+personYear+" WHERE rk >= 3 GROUP BY y")
		leaderShare := byYear(t, db, "SELECT school_year AS y, countIf(eth = 'hispanic_latino') / countIf(eth != 'unknown') AS v FROM "+personYear+" WHERE rk >= 3 GROUP BY y")
		for y := 2014; y <= 2025; y++ {
			if leaderShare[y] >= latinoStudents[y] || leaderShare[y] == 0 {
				t.Errorf("Latino leader share %d = %.4f, want above 0 and below the student share %.4f", y, leaderShare[y], latinoStudents[y])
			}
		}
		if leaders[2025] <= leaders[2015] {
			t.Errorf("Latino leaders 2025 = %v, not more than 2015 = %v", leaders[2025], leaders[2015])
		}
		unknown := num(t, db, "SELECT countIf(eth = 'unknown') / count() FROM "+personYear)
		if unknown < 0.03 || unknown > 0.05 {
			t.Errorf("unknown ethnicity share = %.4f, want 0.03–0.05", unknown)
		}
		supers := byYear(t, db, "SELECT school_year AS y, countIf(rk = 7) AS v FROM "+personYear+" GROUP BY y")
		state := byYear(t, db, "SELECT school_year AS y, countIf(rk = 8) AS v FROM "+personYear+" GROUP BY y")
		principals := byYear(t, db, "SELECT school_year AS y, countIf(rk = 4) AS v FROM "+personYear+" GROUP BY y")
		for y := 2014; y <= 2025; y++ {
			if supers[y] != 41 || state[y] < 20 || state[y] > 40 || principals[y] < 950 || principals[y] > 1100 {
				t.Errorf("%d: %v superintendents (want 41), %v state leaders (want 20–40), %v principals (want ≈ one a school)", y, supers[y], state[y], principals[y])
			}
		}
		t.Logf("teachers 2014 %v, 2023 %v, 2025 %v; Latino teacher share 2014 %.4f, 2025 %.4f; Latino leaders 2015 %v (%.4f), 2025 %v (%.4f); unknown %.4f",
			teachers[2014], teachers[2023], teachers[2025], share[2014], share[2025], leaders[2015], leaderShare[2015], leaders[2025], leaderShare[2025], unknown)
		// The README's calibration table.
		t.Logf("Latino share of teachers 2014 %.2f%%, 2023 %.2f%%, 2025 %.2f%%; of leaders 2014 %.2f%%, 2023 %.2f%%, 2025 %.2f%%",
			100*share[2014], 100*share[2023], 100*share[2025], 100*leaderShare[2014], 100*leaderShare[2023], 100*leaderShare[2025])
	})

	t.Run("raw answers agree with the category", func(t *testing.T) {
		n := num(t, db, "SELECT count() FROM {db}.staff_assignments WHERE "+
			"(ethnicity = 'hispanic_latino') != (hispanic_answer = 'yes') OR "+
			"(ethnicity = 'unknown') != (hispanic_answer = 'unknown') OR "+
			"(ethnicity = 'unknown' AND length(race_answers) != 0) OR "+
			"(ethnicity = 'two_or_more' AND length(race_answers) < 2) OR "+
			"(ethnicity NOT IN ('hispanic_latino', 'unknown', 'two_or_more') AND arrayStringConcat(race_answers, ',') != toString(ethnicity))")
		if n != 0 {
			t.Errorf("%v staff rows whose raw answers contradict their category", n)
		}
	})

	t.Run("careers", func(t *testing.T) {
		promoted := num(t, db, "SELECT count() FROM (SELECT toUInt16(school_year + 1) AS yr, staff_key FROM {db}.staff_assignments WHERE role_code = 'teacher') "+
			"ANY INNER JOIN (SELECT school_year AS yr, staff_key, role_code AS next_role FROM {db}.staff_assignments WHERE role_code = 'assistant_principal') "+
			"USING (staff_key, yr)")
		if promoted == 0 {
			t.Error("no teacher became an assistant principal the next year")
		}
		// Two posts in one year: a teacher leader who also teaches half time.
		dual := num(t, db, "SELECT count() FROM (SELECT school_year, staff_key, count() AS n, sum(fte) AS f, "+
			"has(groupArray(role_code), 'teacher') AND has(groupArray(role_code), 'teacher_leader') AS both "+
			"FROM {db}.staff_assignments GROUP BY school_year, staff_key) WHERE n = 2 AND both AND f = 1")
		persons := num(t, db, "SELECT count() FROM "+personYear)
		if dual == 0 || dual/persons > 0.04 {
			t.Errorf("%v person-years with two posts of %v, want a few percent", dual, persons)
		}
		// Principals' next year (facts: 76.5% stay, 8.4% move school, 13.6% leave the role).
		stay := num(t, db, "SELECT avg(next_role = 'principal' AND next_school = school_id) FROM "+
			"(SELECT toUInt16(school_year + 1) AS yr, staff_key, school_id FROM {db}.staff_assignments WHERE role_code = 'principal' AND school_year < 2025) "+
			"ANY LEFT JOIN (SELECT school_year AS yr, staff_key, argMax(role_code, "+rankOf+") AS next_role, "+
			"argMax(school_id, "+rankOf+") AS next_school FROM {db}.staff_assignments GROUP BY yr, staff_key) USING (staff_key, yr)")
		if stay < 0.70 || stay > 0.85 {
			t.Errorf("principals staying at their school = %.4f, want ≈0.765", stay)
		}
		t.Logf("teacher → assistant principal promotions %v; dual-post person-years %v; principals staying %.4f", promoted, dual, stay)
	})

	t.Run("members", func(t *testing.T) {
		n := num(t, db, "SELECT count() FROM {db}.members FINAL")
		if n < 500 || n > 700 {
			t.Errorf("members = %v, want 500–700", n)
		}
		if u := num(t, db, "SELECT uniqExact(member_id) FROM {db}.members"); u != n {
			t.Errorf("%v member ids for %v members", u, n)
		}
		if bad := num(t, db, "SELECT count() FROM {db}.members WHERE staff_key NOT IN (SELECT staff_key FROM {db}.staff_assignments)"); bad != 0 {
			t.Errorf("%v members are nobody on staff", bad)
		}
		if bad := num(t, db, "SELECT count() FROM {db}.members WHERE joined_on < toDate('2015-09-01') OR left_on < joined_on"); bad != 0 {
			t.Errorf("%v members joined before the association or left before joining", bad)
		}
		latino := num(t, db, "SELECT avg(staff_key IN (SELECT staff_key FROM {db}.staff_assignments WHERE ethnicity = 'hispanic_latino')) FROM {db}.members")
		if latino < 0.7 {
			t.Errorf("Latino share of members = %.4f, want most", latino)
		}
		types := strs(t, db, "SELECT toString(event_type) FROM {db}.member_events GROUP BY event_type ORDER BY event_type")
		if len(types) != 9 {
			t.Errorf("event types = %q, want all nine", types)
		}
		if bad := num(t, db, "SELECT count() FROM {db}.member_events WHERE event_date > toDate('2025-11-01') OR member_id NOT IN (SELECT member_id FROM {db}.members)"); bad != 0 {
			t.Errorf("%v events after loading or of no member", bad)
		}
		// Members are promoted more often than Latino colleagues who are not.
		rate := func(member bool) float64 {
			in := "IN"
			if !member {
				in = "NOT IN"
			}
			return num(t, db, "SELECT avg(next > rk) FROM (SELECT toUInt16(school_year + 1) AS yr, staff_key, rk FROM "+personYear+
				" WHERE rk <= 4 AND eth = 'hispanic_latino' AND staff_key "+in+" (SELECT staff_key FROM {db}.members)) "+
				"ANY INNER JOIN (SELECT school_year AS yr, staff_key, rk AS next FROM "+personYear+") USING (yr, staff_key)")
		}
		m, other := rate(true), rate(false)
		if m <= 1.5*other {
			t.Errorf("promotion rate of Latino members %.4f is not clearly above non-members' %.4f", m, other)
		}
		t.Logf("members %v (Latino %.2f); promotion rate members %.4f vs Latino non-members %.4f", n, latino, m, other)
	})

	t.Run("goals", func(t *testing.T) {
		got := strs(t, db, "SELECT concat(goal_id, ' ', measure, ' ', tier, ' ', toString(baseline_year), ' ', toString(baseline_value), ' ', "+
			"toString(target_year), ' ', toString(target_value)) FROM {db}.goals FINAL ORDER BY goal_id")
		if len(got) != 4 {
			t.Fatalf("goals = %q", got)
		}
		for tier, rk := range map[string]string{"school": "rk IN (3, 4)", "district": "rk IN (5, 6, 7)", "state": "rk = 8"} {
			want := num(t, db, "SELECT countIf(eth = 'hispanic_latino') FROM "+personYear+" WHERE school_year = 2015 AND "+rk)
			base := num(t, db, "SELECT baseline_value FROM {db}.goals FINAL WHERE measure = 'latino_leaders' AND tier = ?", tier)
			if base != want {
				t.Errorf("%s goal baseline %v, but the 2015 data have %v Latino %s leaders", tier, base, want, tier)
			}
			if target := num(t, db, "SELECT target_value FROM {db}.goals FINAL WHERE measure = 'latino_leaders' AND tier = ?", tier); target <= 2*math.Max(base, 1) {
				t.Errorf("%s goal target %v is not ambitious against %v", tier, target, base)
			}
		}
		t.Logf("goals %q", got)
	})
}

func TestOptionsAreValidated(t *testing.T) {
	db := whtest.NewDB(t)
	for _, c := range []struct {
		opt  seed.Options
		name string
	}{
		{seed.Options{Profile: "texas"}, "profile"},
		{seed.Options{Profile: "national", Scale: 0}, "scale"},
		{seed.Options{Profile: "national", Scale: -1}, "scale"},
		{seed.Options{Profile: "national", Scale: 100}, "scale"},
		{seed.Options{Profile: "national", Scale: math.NaN()}, "scale"},
		{seed.Options{Profile: "utah", Scale: 5}, "scale"},
	} {
		_, err := seed.Run(context.Background(), db, c.opt)
		if err == nil {
			t.Errorf("%+v: no error", c.opt)
			continue
		}
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(apperr.MessageOf(err), c.name) {
			t.Errorf("%+v: %v (code %s), want an invalid error naming %q", c.opt, err, apperr.CodeOf(err), c.name)
		}
	}
	if n := num(t, db, "SELECT count() FROM {db}.staff_assignments"); n != 0 {
		t.Errorf("refused options wrote %v rows", n)
	}
	if got := seed.Profiles(); len(got) != 2 || got[0] != "utah" || got[1] != "national" {
		t.Errorf("Profiles() = %q", got)
	}
}

func TestNationalAtTinyScale(t *testing.T) {
	db := whtest.NewDB(t)
	start := time.Now()
	sum := run(t, db, seed.Options{Profile: "national", Seed: 3, Scale: 0.002})
	t.Logf("national 0.002: %v, rows %v", time.Since(start).Round(time.Millisecond), sum.Rows)
	personYears(t, db)
	if n := num(t, db, "SELECT count() FROM {db}.states FINAL"); n != 51 {
		t.Errorf("states = %v, want 51 (50 and DC)", n)
	}
	if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE lea_type IN ('regular', 'charter')"); n < 22 || n > 30 {
		t.Errorf("districts = %v, want ≈26", n)
	}
	if n := num(t, db, "SELECT count() FROM {db}.districts FINAL WHERE lea_type = 'state_agency'"); n != 51 {
		t.Errorf("state agencies = %v, want 51", n)
	}
	if n := num(t, db, "SELECT uniqExact(school_id) FROM {db}.enrollment WHERE school_year = 2023"); n < 180 || n > 220 {
		t.Errorf("schools = %v, want ≈200", n)
	}
	staff := byYear(t, db, "SELECT school_year AS y, count() AS v FROM "+personYear+" GROUP BY y")
	if len(staff) != 10 {
		t.Errorf("years = %v, want 2016..2025", staff)
	}
	for y := 2016; y <= 2025; y++ {
		if staff[y] < 7000 || staff[y] > 9500 {
			t.Errorf("staff %d = %v, want ≈8,000", y, staff[y])
		}
	}
	if n := num(t, db, "SELECT count() FROM {db}.districts ANY INNER JOIN (SELECT state_code, fips FROM {db}.states) USING state_code WHERE substring(lea_id, 1, 2) != fips OR synthetic != 1"); n != 0 {
		t.Errorf("%v districts whose id does not start with their state's FIPS or not flagged synthetic", n)
	}
	if n := num(t, db, "SELECT count() FROM {db}.staff_assignments WHERE staff_key = 0"); n != 0 {
		t.Errorf("%v staff rows with staff_key 0", n)
	}
	latino := num(t, db, "SELECT sumIf(students, ethnicity = 'hispanic_latino') / sum(students) FROM {db}.enrollment WHERE school_year = 2023")
	if latino < 0.15 || latino > 0.45 {
		t.Errorf("Latino students 2023 = %.4f, want roughly 0.29", latino)
	}
}

// BenchmarkSeedNational seeds the national profile at scale 0.01 (≈130
// LEAs, 1,000 schools, 40,000 staff a year over ten years) into a fresh
// database per iteration; it reports rows written per second (rollups
// included) and the peak heap in use.
func BenchmarkSeedNational(b *testing.B) {
	var rows int64
	var peak uint64
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := whtest.NewDB(b)
		stop := make(chan struct{})
		sampled := make(chan uint64)
		go func() {
			var ms runtime.MemStats
			var hi uint64
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > hi {
					hi = ms.HeapInuse
				}
				select {
				case <-stop:
					sampled <- hi
					return
				case <-tick.C:
				}
			}
		}()
		b.StartTimer()
		start := time.Now()
		sum, err := seed.Run(context.Background(), db, seed.Options{Profile: "national", Seed: 1, Scale: 0.01})
		elapsed += time.Since(start)
		b.StopTimer()
		close(stop)
		if m := <-sampled; m > peak {
			peak = m
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range sum.Rows {
			rows += n
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
