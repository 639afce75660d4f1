package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/camino-edu/camino/internal/ingest"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// fingerprints are, per table, the row count and an order-independent hash
// of every column but batch_id and loaded_at, by plain SQL.
var fingerprints = map[string]string{
	"staff_assignments": "SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(school_year, state_code, lea_id, school_id, " +
		"staff_key, role_code, toString(ethnicity), toString(gender), fte, toString(hispanic_answer), arrayStringConcat(race_answers, ';'), title)))) FROM {db}.staff_assignments WHERE {live:staff_assignments}",
	"enrollment": "SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(school_year, state_code, lea_id, school_id, " +
		"toString(ethnicity), ell, students)))) FROM {db}.enrollment WHERE {live:enrollment}",
	"members": "SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(member_id, staff_key, state_code, lea_id, joined_on, " +
		"ifNull(toString(left_on), ''))))) FROM {db}.members FINAL WHERE {live:members}",
	"member_events": "SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(member_id, event_date, toString(event_type), " +
		"role_code, lea_id, detail)))) FROM {db}.member_events WHERE {live:member_events}",
	"leadership_rollup": "SELECT concat(toString(count()), ' ', toString(groupBitXor(cityHash64(school_year, state_code, lea_id, school_id, " +
		"role_code, rank, toString(tier), is_leader, toString(ethnicity), toString(gender), people)))) FROM (SELECT school_year, state_code, lea_id, " +
		"school_id, role_code, rank, tier, is_leader, ethnicity, gender, sum(people) AS people FROM {db}.leadership_rollup WHERE {live:leadership_rollup} " +
		"GROUP BY school_year, state_code, lea_id, school_id, role_code, rank, tier, is_leader, ethnicity, gender)",
}

// The Utah seed, exported and loaded into an empty warehouse (with the
// same districts and schools), gives the same rows and the same rollups.
func TestUtahSeedExportedAndLoadedBackIsTheSameWarehouse(t *testing.T) {
	src := &loadEnv{t: t, db: whtest.NewDB(t), dir: t.TempDir()}
	src.env = map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": src.db.Database()}
	if code, out, errOut := src.run("seed"); code != 0 {
		t.Fatalf("seed: %d %s %s", code, out, errOut)
	}
	dst := &loadEnv{t: t, db: whtest.NewDB(t), dir: src.dir}
	dst.env = map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": dst.db.Database()}
	for _, table := range []string{"states", "districts", "schools"} {
		dst.exec("INSERT INTO " + dst.db.Database() + "." + table + " SELECT * FROM " + src.db.Database() + "." + table)
	}
	for _, kind := range []string{"staffing", "enrollment", "members", "events"} {
		path := filepath.Join(src.dir, kind+".csv")
		if code, out, errOut := src.run("export", kind, "-o", path); code != 0 {
			t.Fatalf("export %s: %d %s %s", kind, code, out, errOut)
		}
		if code, out, errOut := dst.run("load", kind, path, "--progress", "none"); code != 0 {
			rejects, _ := os.ReadFile(path + ".rejects.csv")
			t.Fatalf("load %s: %d %s %s\n%.2000s", kind, code, out, errOut, rejects)
		}
	}
	for table, sql := range fingerprints {
		want, got := src.q(sql), dst.q(sql)
		if want[0] == "0 0" {
			t.Fatalf("%s is empty in the seed", table)
		}
		if got[0] != want[0] {
			t.Errorf("%s: loaded %s, seeded %s (count and hash)", table, got[0], want[0])
			for _, c := range []string{"school_year", "state_code", "lea_id", "school_id", "staff_key", "role_code", "toString(ethnicity)", "toString(gender)", "fte", "toString(hispanic_answer)", "arrayStringConcat(race_answers, ';')", "title"} {
				q := "SELECT toString(groupBitXor(cityHash64(" + c + "))) FROM {db}.staff_assignments WHERE {live:staff_assignments}"
				if a, b := src.q(q), dst.q(q); a[0] != b[0] {
					t.Logf("column %s differs; sample seed %q loaded %q", c, src.q("SELECT toString("+c+") FROM {db}.staff_assignments WHERE {live:staff_assignments} ORDER BY school_year, lea_id, school_id, role_code, staff_key LIMIT 3"), dst.q("SELECT toString("+c+") FROM {db}.staff_assignments WHERE {live:staff_assignments} ORDER BY school_year, lea_id, school_id, role_code, staff_key LIMIT 3"))
				}
			}
		}
	}
	// A district's export for one year holds that district-year only.
	path := filepath.Join(src.dir, "slc-2023.csv")
	if code, _, errOut := src.run("export", "staffing", "--district", "4900870", "--school-year", "2023", "-o", path); code != 0 {
		t.Fatalf("export one district-year: %d %s", code, errOut)
	}
	if code, out, errOut := dst.run("load", "staffing", path, "--progress", "none", "--replace-district", "4900870"); code != 0 {
		t.Fatalf("reload one district-year: %d %s %s", code, out, errOut)
	}
	want := src.q("SELECT toString(count()) FROM {db}.staff_assignments WHERE {live:staff_assignments} AND lea_id = '4900870' AND school_year = 2023")
	if got := dst.q("SELECT toString(uniqExact(batch_id)) FROM {db}.staff_assignments WHERE {live:staff_assignments} AND lea_id = '4900870' AND school_year = 2023"); got[0] != "1" || want[0] == "0" {
		t.Fatalf("the district-year holds %s batches (%s rows seeded)", got[0], want[0])
	}
	if got := dst.q(fingerprints["staff_assignments"]); got[0] != src.q(fingerprints["staff_assignments"])[0] {
		t.Errorf("after reloading one district-year: %s", got[0])
	}
}

// camino export writes warehouse.ExportHeader; ingest documents and tests
// the same format as StaffExportHeader. The two must not drift apart.
func TestExportHeaderIsTheIngestExportFormat(t *testing.T) {
	got, err := warehouse.ExportHeader(warehouse.TableStaffAssignments)
	if err != nil {
		t.Fatal(err)
	}
	if want := ingest.StaffExportHeader(); !equalStrings(got, want) {
		t.Fatalf("camino export writes %q, ingest's export format is %q", got, want)
	}
}
