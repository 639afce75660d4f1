package server_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/warehouse"
)

// granite is the real NCES id of Granite School District, in the Utah seed.
const granite = "4900360"

// graniteQuery asks for Granite's leadership series, and its representation
// and pipeline in every year of the seed (aliases yYEAR and pYEAR).
func graniteQuery(years []int64) string {
	var b strings.Builder
	b.WriteString(`{ district(id: "` + granite + `") {
	  leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders latinoLeaderShare unknownEthnicityShare suppressed { field reason } }`)
	for _, y := range years {
		fmt.Fprintf(&b, `
	  y%d: representation(year: %d) { leaders latinoLeaders latinoLeaderShare unknownEthnicityShare students latinoStudents
	    latinoStudentShare representationIndex representationGap latinoStudentsPerLatinoLeader suppressed { field reason } }
	  p%d: pipeline(year: %d) { ranks { role people latino latinoShare unknownEthnicityShare ratioToRankBelow parity suppressed { field reason } } }`,
			y, y, y, y)
	}
	b.WriteString("\n} }")
	return b.String()
}

// pipelineSQL counts each person once a year at their highest post in the
// district (rank from the role ladder), by that post: people and Latino.
const pipelineSQL = `
	SELECT toInt64(school_year), role, toInt64(count()), toInt64(countIf(eth = 'hispanic_latino'))
	FROM (
		SELECT school_year, staff_key, argMax(role_code, (r, fte, school_id)) AS role, argMax(toString(ethnicity), (r, fte, school_id)) AS eth
		FROM (SELECT school_year, staff_key, role_code, ethnicity, fte, school_id,
		        transform(role_code, ['teacher_leader', 'assistant_principal', 'principal', 'district_leader',
		          'assistant_superintendent', 'superintendent', 'state_leader'], [1, 2, 3, 4, 5, 6, 7], 0) AS r
		      FROM {db}.staff_assignments WHERE lea_id = ?)
		GROUP BY school_year, staff_key
	) GROUP BY school_year, role ORDER BY school_year, role`

// TestGranitePartnerReadsPlainSQL: a partner key for Granite reads every
// year of its leadership, representation and pipeline exactly as plain SQL
// over the fact tables counts them — small counts and one-holder posts
// included, nothing listed as suppressed.
func TestGranitePartnerReadsPlainSQL(t *testing.T) {
	db := utah(t)
	admin := newAPI(t, db)
	partner := admin.as(access.RolePartner, granite)
	leaders := sqlInt64s(t, db, fmt.Sprintf(replaceDB(leadersSQL, db), "lea_id = '"+granite+"'"))
	students := map[int64][2]int64{}
	for _, r := range sqlInt64s(t, db, replaceDB(`SELECT toInt64(school_year), toInt64(sum(students)),
		toInt64(sumIf(students, ethnicity = 'hispanic_latino')) FROM {db}.enrollment WHERE lea_id = ? GROUP BY school_year`, db), granite) {
		students[r[0]] = [2]int64{r[1], r[2]}
	}
	var years []int64
	for _, r := range leaders {
		years = append(years, r[0])
	}
	if len(years) != 12 {
		t.Fatalf("plain SQL: Granite has %d years of leaders, want 12", len(years))
	}
	var d struct{ District map[string]any }
	partner.must(graniteQuery(years), nil, &d)

	small := 0
	points := d.District["leadership"].([]any)
	if len(points) != len(leaders) {
		t.Fatalf("%d leadership points, plain SQL %d years", len(points), len(leaders))
	}
	for i, w := range leaders {
		p := points[i].(map[string]any)
		got := []any{p["schoolYear"], p["leaders"], p["latinoLeaders"], p["knownEthnicityLeaders"]}
		if fmt.Sprint(got) != fmt.Sprint([]any{float64(w[0]), float64(w[1]), float64(w[2]), float64(w[3])}) {
			t.Errorf("leadership %d: API %v, plain SQL %v", w[0], got, w)
		}
		if w[2] > 0 && w[2] < 10 {
			small++
		}
		if share, _ := p["latinoLeaderShare"].(float64); w[3] > 0 && math.Abs(share-float64(w[2])/float64(w[3])) > 1e-9 {
			t.Errorf("leadership %d: share %v, plain SQL %d/%d", w[0], p["latinoLeaderShare"], w[2], w[3])
		}
		if u, _ := p["unknownEthnicityShare"].(float64); w[1] > 0 && math.Abs(u-float64(w[1]-w[3])/float64(w[1])) > 1e-9 {
			t.Errorf("leadership %d: unknown share %v, plain SQL (%d − %d)/%d", w[0], p["unknownEthnicityShare"], w[1], w[3], w[1])
		}
		r := d.District[fmt.Sprintf("y%d", w[0])].(map[string]any)
		st := students[w[0]]
		got = []any{r["leaders"], r["latinoLeaders"], r["students"], r["latinoStudents"]}
		if fmt.Sprint(got) != fmt.Sprint([]any{float64(w[1]), float64(w[2]), float64(st[0]), float64(st[1])}) {
			t.Errorf("representation %d: API %v, plain SQL leaders %d, Latino %d, students %v", w[0], got, w[1], w[2], st)
		}
	}
	if small == 0 {
		t.Error("no year of Granite has fewer than 10 Latino leaders: the test would not show a partner reads small counts")
	}
	pipe := map[string][2]int64{}
	for _, r := range sqlInt64sRole(t, db, replaceDB(pipelineSQL, db), granite) {
		pipe[r.key] = r.v
	}
	for _, y := range years {
		for _, rk := range d.District[fmt.Sprintf("p%d", y)].(map[string]any)["ranks"].([]any) {
			r := rk.(map[string]any)
			w := pipe[fmt.Sprintf("%d %s", y, r["role"])]
			if got := fmt.Sprint(r["people"], r["latino"]); got != fmt.Sprint(float64(w[0]), float64(w[1])) {
				t.Errorf("pipeline %d %s: API people, Latino %s, plain SQL %v", y, r["role"], got, w)
			}
		}
	}
	// Nothing of its own is suppressed.
	walkSuppressed(d.District, func(path string, s []any) {
		if len(s) > 0 {
			t.Errorf("%s: the partner's own figures list suppressed %v", path, s)
		}
	})

	// The same request published: suppressed, every hidden field listed,
	// nothing built on a hidden cell visible, every shown value true.
	var pub struct{ District map[string]any }
	partner.with("X-Camino-Public", "true").must(graniteQuery(years), nil, &pub)
	hidden := comparePublished(t, "district", d.District, pub.District)
	if hidden == 0 {
		t.Error("the published Granite request hides nothing")
	}
}

type roleRow struct {
	key string
	v   [2]int64
}

// sqlInt64sRole runs pipelineSQL: rows of (year, role, people, Latino),
// keyed "YEAR role".
func sqlInt64sRole(t *testing.T, db *warehouse.DB, sql string, lea string) []roleRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.Conn().Query(ctx, sql, lea)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out []roleRow
	for rows.Next() {
		var y, people, latino int64
		var role string
		if err := rows.Scan(&y, &role, &people, &latino); err != nil {
			t.Fatal(err)
		}
		out = append(out, roleRow{fmt.Sprintf("%d %s", y, role), [2]int64{people, latino}})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// derivedOf are the fields built on a Latino count: hidden with it.
var derivedOf = map[string][]string{
	"latinoLeaders": {"latinoLeaderShare", "knownEthnicityLeaders", "representationIndex", "representationGap", "latinoStudentsPerLatinoLeader"},
	"latino":        {"latinoShare", "parity"},
}

// comparePublished walks a published answer beside the full one: a value
// the full answer has and the published one nulls must be listed in its
// object's suppressed; a value shown unlisted must equal the full one; a
// field built on a hidden Latino count must be null. It returns how many
// values were hidden.
func comparePublished(t *testing.T, path string, full, pub any) int {
	t.Helper()
	hidden := 0
	switch f := full.(type) {
	case []any:
		p := pub.([]any)
		if len(p) != len(f) {
			t.Errorf("%s: %d published items, %d in full", path, len(p), len(f))
			return 0
		}
		for i := range f {
			hidden += comparePublished(t, fmt.Sprintf("%s[%d]", path, i), f[i], p[i])
		}
	case map[string]any:
		p := pub.(map[string]any)
		listed := map[string]string{}
		if s, ok := p["suppressed"].([]any); ok {
			for _, x := range s {
				m := x.(map[string]any)
				listed[m["field"].(string)] = m["reason"].(string)
			}
		}
		for k, fv := range f {
			pv := p[k]
			switch fv.(type) {
			case map[string]any, []any:
				if k != "suppressed" {
					hidden += comparePublished(t, path+"."+k, fv, pv)
				}
				continue
			}
			why, isListed := listed[k]
			switch {
			case pv == nil && fv != nil:
				hidden++
				if !isListed {
					t.Errorf("%s.%s: null in published output (full %v) and not listed in suppressed %v", path, k, fv, listed)
				}
			case pv != nil && !isListed && fmt.Sprint(pv) != fmt.Sprint(fv):
				t.Errorf("%s.%s: published %v, full %v, not listed as coded", path, k, pv, fv)
			case pv != nil && isListed && why != "AT_MOST" && why != "AT_LEAST":
				t.Errorf("%s.%s: listed as %s yet shown as %v", path, k, why, pv)
			}
		}
		for count, derived := range derivedOf {
			if _, ok := f[count]; !ok || p[count] != nil {
				continue
			}
			for _, k := range derived {
				if v, ok := p[k]; ok && v != nil {
					t.Errorf("%s.%s = %v is shown while %s is hidden", path, k, v, count)
				}
			}
		}
	}
	return hidden
}

// walkSuppressed calls fn with every suppressed list in v.
func walkSuppressed(v any, fn func(path string, s []any)) {
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case map[string]any:
			for k, e := range x {
				if s, ok := e.([]any); ok && k == "suppressed" {
					fn(path, s)
					continue
				}
				walk(path+"."+k, e)
			}
		}
	}
	walk("", v)
}
