package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The small-cell warehouse: one Utah district, Alpha (4900001), in 2023,
// with ranks sized so that each rule shows, and a second district, Beta
// (4900002), so that Utah's figures are not Alpha's.
//
//	Alpha, school 490000100001   people  Latino
//	  teacher                        40      22
//	  teacher_leader                 12       3
//	  assistant_principal            15      11
//	  principal                      11       4
//	Alpha office
//	  superintendent                  1       0
//	Beta, school 490000200001
//	  teacher                        30       5
//	  principal                      20       8
//
// Alpha's leaders: 15 + 11 + 1 = 27, 15 Latino; Utah's: 47, 23 Latino.
func smallCellDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates[:1])
	insertRows(t, db, warehouse.TableDistricts, fixtureDistricts[:2])
	insertRows(t, db, warehouse.TableSchools, [][]any{fixtureSchools[0], fixtureSchools[2]})
	var people []person
	key := uint64(1)
	add := func(lea, sch, role string, n, latino int) {
		for i := 0; i < n; i++ {
			eth := "white"
			if i < latino {
				eth = "hispanic_latino"
			}
			people = append(people, person{2023, "UT", lea, sch, key, role, eth, 1})
			key++
		}
	}
	add("4900001", "490000100001", "teacher", 40, 22)
	add("4900001", "490000100001", "teacher_leader", 12, 3)
	add("4900001", "490000100001", "assistant_principal", 15, 11)
	add("4900001", "490000100001", "principal", 11, 4)
	add("4900001", "", "superintendent", 1, 0)
	add("4900002", "490000200001", "teacher", 30, 5)
	add("4900002", "490000200001", "principal", 20, 8)
	insertPeople(t, db, people)
	if err := db.RebuildRollups(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

type suppressedJSON struct{ Field, Reason string }

type rankJSON struct {
	Role        string
	People      *int
	Latino      *int
	LatinoShare *float64
	Suppressed  []suppressedJSON
}

type reprJSON struct {
	Leaders           *int
	LatinoLeaders     *int
	LatinoLeaderShare *float64
	Suppressed        []suppressedJSON
}

const smallCellQuery = `query($id: ID!) {
  me { role audience suppressed suppressBelow }
  district(id: $id) {
    representation(year: 2023) { leaders latinoLeaders latinoLeaderShare suppressed { field reason } }
    pipeline(year: 2023) { ranks { role people latino latinoShare suppressed { field reason } } }
  }
  state(code: "UT") { representation(year: 2023) { leaders latinoLeaders latinoLeaderShare suppressed { field reason } } }
}`

type smallCellResp struct {
	Me struct {
		Role          string
		Audience      string
		Suppressed    bool
		SuppressBelow int
	}
	District struct {
		Representation reprJSON
		Pipeline       struct{ Ranks []rankJSON }
	}
	State struct{ Representation reprJSON }
}

func show(n *int) string {
	if n == nil {
		return "null"
	}
	return fmt.Sprint(*n)
}

// reasons maps the suppressed fields the test asked for to their reasons.
func reasons(s []suppressedJSON) map[string]string {
	out := map[string]string{}
	for _, x := range s {
		switch x.Field {
		case "people", "latino", "latinoShare", "leaders", "latinoLeaders", "latinoLeaderShare":
			out[x.Field] = x.Reason
		}
	}
	return out
}

// TestPartnerReadsItsOwnDistrictInFull: the district's own records are
// its own: every rank's count, Latino count and share, the one-holder
// superintendent included, exactly as counted by hand from the table
// above, nothing listed as suppressed; the state comparison is suppressed
// output (here every figure is large enough to show).
func TestPartnerReadsItsOwnDistrictInFull(t *testing.T) {
	admin := newAPI(t, smallCellDB(t))
	partner := admin.as(access.RolePartner, "4900001")
	var d smallCellResp
	partner.must(smallCellQuery, map[string]any{"id": "4900001"}, &d)
	if d.Me.Role != "PARTNER" || d.Me.Audience != "OWN" || !d.Me.Suppressed || d.Me.SuppressBelow != 10 {
		t.Fatalf("me: %+v", d.Me)
	}
	want := map[string][2]string{
		"teacher":             {"40", "22"},
		"teacher_leader":      {"12", "3"},
		"assistant_principal": {"15", "11"},
		"principal":           {"11", "4"},
		"superintendent":      {"1", "0"},
	}
	for _, r := range d.District.Pipeline.Ranks {
		w, ok := want[r.Role]
		if !ok {
			continue
		}
		if got := [2]string{show(r.People), show(r.Latino)}; got != w || len(r.Suppressed) != 0 {
			t.Errorf("%s: people, Latino = %v, suppressed %v; want %v in full", r.Role, got, r.Suppressed, w)
		}
		if r.Role == "teacher_leader" && (r.LatinoShare == nil || *r.LatinoShare != 3.0/12) {
			t.Errorf("teacher leader Latino share %v, want 0.25", r.LatinoShare)
		}
		delete(want, r.Role)
	}
	if len(want) != 0 {
		t.Errorf("ranks missing from the pipeline: %v", want)
	}
	rep := d.District.Representation
	if show(rep.Leaders) != "27" || show(rep.LatinoLeaders) != "15" || len(rep.Suppressed) != 0 {
		t.Errorf("district representation: %s leaders, %s Latino, suppressed %v", show(rep.Leaders), show(rep.LatinoLeaders), rep.Suppressed)
	}
	st := d.State.Representation
	if show(st.Leaders) != "47" || show(st.LatinoLeaders) != "23" || len(reasons(st.Suppressed)) != 0 {
		t.Errorf("Utah: %s leaders, %s Latino, suppressed %v", show(st.Leaders), show(st.LatinoLeaders), st.Suppressed)
	}
}

// TestPublicOutputHidesSmallCells: the same request as published output
// (X-Camino-Public), whoever asks, is suppressed.
func TestPublicOutputHidesSmallCells(t *testing.T) {
	admin := newAPI(t, smallCellDB(t))
	partner := admin.as(access.RolePartner, "4900001").with("X-Camino-Public", "true")
	var d smallCellResp
	partner.must(smallCellQuery, map[string]any{"id": "4900001"}, &d)
	if d.Me.Role != "PARTNER" || d.Me.Audience != "PUBLIC" || !d.Me.Suppressed || d.Me.SuppressBelow != 10 {
		t.Fatalf("me: %+v", d.Me)
	}
	// By rank, as published (counted by hand from the table above):
	// people — one small rank (the superintendent, 1) and so the next
	// smallest (principals, 11) hidden with it; Latino — 3 and 4 are
	// small, and a superintendent's ethnicity is never shown; shares on a
	// hidden count hidden, 22 of 40 shown (group of 40, 18 left), 11 of 15
	// hidden (only 4 left of a group under 40).
	want := map[string][2]string{
		"teacher":             {"40", "22"},
		"teacher_leader":      {"12", "null"},
		"assistant_principal": {"15", "11"},
		"principal":           {"null", "null"},
		"superintendent":      {"null", "null"},
	}
	wantReasons := map[string]map[string]string{
		"teacher":             {},
		"teacher_leader":      {"latino": "SMALL_COUNT", "latinoShare": "SMALL_CELL"},
		"assistant_principal": {"latinoShare": "SMALL_CELL"},
		"principal":           {"people": "COMPLEMENTARY", "latino": "SMALL_COUNT", "latinoShare": "SMALL_CELL"},
		"superintendent":      {"people": "SMALL_COUNT", "latino": "ONE_HOLDER", "latinoShare": "ONE_HOLDER"},
	}
	visibleLeaders := 0
	for _, r := range d.District.Pipeline.Ranks {
		w, ok := want[r.Role]
		if !ok {
			if r.People == nil || *r.People != 0 {
				t.Errorf("%s: nobody holds it, want 0 people, got %s", r.Role, show(r.People))
			}
			continue
		}
		if got := [2]string{show(r.People), show(r.Latino)}; got != w {
			t.Errorf("%s: people, Latino = %v, want %v", r.Role, got, w)
		}
		if got := reasons(r.Suppressed); fmt.Sprint(got) != fmt.Sprint(wantReasons[r.Role]) {
			t.Errorf("%s: suppressed %v, want %v", r.Role, got, wantReasons[r.Role])
		}
		if r.Role == "teacher" && (r.LatinoShare == nil || *r.LatinoShare != 22.0/40) {
			t.Errorf("teacher Latino share %v, want 0.55", r.LatinoShare)
		}
		if (r.Role == "assistant_principal" || r.Role == "principal" || r.Role == "superintendent") && r.People != nil {
			visibleLeaders += *r.People
		}
	}
	// The whole district's leaders: 27 of them, 15 Latino (group 27, 12
	// left): shown. Total minus the shown leader ranks leaves 12, the
	// principals and the superintendent together — not one hidden cell.
	rep := d.District.Representation
	if show(rep.Leaders) != "27" || show(rep.LatinoLeaders) != "15" || rep.LatinoLeaderShare == nil || *rep.LatinoLeaderShare != 15.0/27 {
		t.Fatalf("district representation: %s leaders, %s Latino, share %v", show(rep.Leaders), show(rep.LatinoLeaders), rep.LatinoLeaderShare)
	}
	if left := *rep.Leaders - visibleLeaders; left != 12 {
		t.Fatalf("total minus shown parts = %d, want 12 (principals 11 + superintendent 1, both hidden)", left)
	}
	// Utah: 47 leaders, 23 Latino.
	st := d.State.Representation
	if show(st.Leaders) != "47" || show(st.LatinoLeaders) != "23" || len(reasons(st.Suppressed)) != 0 {
		t.Errorf("Utah: %s leaders, %s Latino, suppressed %v", show(st.Leaders), show(st.LatinoLeaders), st.Suppressed)
	}

	// An admin sees every figure; the same admin asking for public output
	// sees what the partner sees.
	var full smallCellResp
	admin.must(smallCellQuery, map[string]any{"id": "4900001"}, &full)
	for _, r := range full.District.Pipeline.Ranks {
		if r.Role == "superintendent" && (show(r.People) != "1" || show(r.Latino) != "0" || len(r.Suppressed) != 0) {
			t.Errorf("admin superintendent: %s people, %s Latino, %v", show(r.People), show(r.Latino), r.Suppressed)
		}
	}
	var public smallCellResp
	admin.with("X-Camino-Public", "true").must(smallCellQuery, map[string]any{"id": "4900001"}, &public)
	pub, _ := json.Marshal(public.District)
	part, _ := json.Marshal(d.District)
	if public.Me.Audience != "PUBLIC" || string(pub) != string(part) {
		t.Errorf("public output for the admin differs from the partner's:\n%s\n%s", pub, part)
	}
}

func TestOneHolderPostsNeverShowEthnicity(t *testing.T) {
	// With a threshold of 2 no count above is small: the school's
	// principals (11 here, a stand-in for the one principal of a real
	// school) and the district's superintendent still never show Latino
	// figures below state level.
	admin := newAPIWith(t, smallCellDB(t), server.Options{SuppressBelow: 2})
	partner := admin.as(access.RolePartner, "4900001").with("X-Camino-Public", "true")
	var d struct {
		School struct {
			Pipeline struct{ Ranks []rankJSON }
		}
		District struct {
			Pipeline struct{ Ranks []rankJSON }
		}
	}
	partner.must(`{
	  school(id: "490000100001") { pipeline(year: 2023) { ranks { role people latino latinoShare suppressed { field reason } } } }
	  district(id: "4900001") { pipeline(year: 2023) { ranks { role people latino latinoShare suppressed { field reason } } } }
	}`, nil, &d)
	for _, c := range []struct {
		level string
		ranks []rankJSON
		role  string
	}{{"school", d.School.Pipeline.Ranks, "principal"}, {"district", d.District.Pipeline.Ranks, "superintendent"}} {
		for _, r := range c.ranks {
			if r.Role != c.role {
				continue
			}
			if r.Latino != nil || r.LatinoShare != nil || reasons(r.Suppressed)["latino"] != "ONE_HOLDER" {
				t.Errorf("%s %s: Latino %s, share %v, suppressed %v; want hidden as ONE_HOLDER", c.level, r.Role, show(r.Latino), r.LatinoShare, r.Suppressed)
			}
		}
	}
	for _, r := range d.School.Pipeline.Ranks {
		if r.Role == "assistant_principal" && show(r.Latino) != "11" {
			t.Errorf("school assistant principals: Latino %s, want 11 (not a one-holder post)", show(r.Latino))
		}
	}
}

// TestPublicKeyIsSuppressedWhoeverHoldsIt: a key created public (`camino
// keys create --public`) reads as published output without any header: a
// public partner key sees its own district suppressed exactly as
// X-Camino-Public output is, and me says so.
func TestPublicKeyIsSuppressedWhoeverHoldsIt(t *testing.T) {
	admin := newAPI(t, smallCellDB(t))
	nk, err := access.Create(t.Context(), admin.db, access.CreateOptions{Role: access.RolePartner, Districts: []string{"4900001"},
		Name: "embed", Public: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pubKey := &api{t: t, url: admin.url, db: admin.db, key: nk.Secret}
	var d struct {
		smallCellResp
		Me struct {
			Audience  string
			PublicKey bool
		}
	}
	pubKey.must(strings.Replace(smallCellQuery, "me { role audience suppressed suppressBelow }", "me { audience publicKey }", 1),
		map[string]any{"id": "4900001"}, &d)
	if d.Me.Audience != "PUBLIC" || !d.Me.PublicKey {
		t.Fatalf("me of a public key: %+v", d.Me)
	}
	var header smallCellResp
	admin.as(access.RolePartner, "4900001").with("X-Camino-Public", "true").must(smallCellQuery, map[string]any{"id": "4900001"}, &header)
	got, _ := json.Marshal(d.District)
	want, _ := json.Marshal(header.District)
	if string(got) != string(want) {
		t.Errorf("public key output differs from X-Camino-Public output:\n%s\n%s", got, want)
	}
	if !strings.Contains(string(got), "SMALL_COUNT") {
		t.Errorf("public key output hides nothing: %s", got)
	}
	if _, err := access.Create(t.Context(), admin.db, access.CreateOptions{Role: access.RoleAdmin, Public: true}, time.Now()); err == nil {
		t.Error("a public admin key was created")
	}
}
