package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The hand-built fixture. Every expected figure in the tests is counted by
// hand from these rows.
//
// Utah (UT): Alpha District 4900001 (regular, suburb; schools Alpha
// Elementary 490000100001 and Alpha High 490000100002), Beta Charter 4900002
// (charter, city; Beta Academy 490000200001), Gamma District 4900003
// (regular, rural; no schools), Utah State Board 4999999 (state agency).
// New Mexico (NM): Delta District 3500001 (Delta Middle 350000100001).
var (
	fixtureStates = [][]any{
		{"UT", "49", "Utah", uint8(0)},
		{"NM", "35", "New Mexico", uint8(0)},
	}
	fixtureDistricts = [][]any{
		{"4900001", "UT", "Alpha District", "regular", "suburb", uint8(1)},
		{"4900002", "UT", "Beta Charter", "charter", "city", uint8(1)},
		{"4900003", "UT", "Gamma District", "regular", "rural", uint8(1)},
		{"4999999", "UT", "Utah State Board", "state_agency", "city", uint8(1)},
		{"3500001", "NM", "Delta District", "regular", "town", uint8(1)},
	}
	fixtureSchools = [][]any{
		{"490000100001", "4900001", "UT", "Alpha Elementary", "elementary", uint8(0), uint8(1), uint8(1)},
		{"490000100002", "4900001", "UT", "Alpha High", "high", uint8(0), uint8(0), uint8(1)},
		{"490000200001", "4900002", "UT", "Beta Academy", "middle", uint8(1), uint8(0), uint8(1)},
		{"350000100001", "3500001", "NM", "Delta Middle", "middle", uint8(0), uint8(1), uint8(1)},
	}
)

type person struct {
	year     uint16
	state    string
	lea, sch string
	key      uint64
	role     string
	eth      string
	fte      float32
}

// Leaders by year (rank >= 2, each person once at the highest post):
//
//	2022 Alpha Elementary: AP 11 (latino), principal 12 (white)
//	     Alpha High: principal 13 (unknown)
//	     Alpha office: superintendent 14 (white)
//	     Beta Academy: principal 21 (latino)
//	     state board: state leader 31 (latino)
//	     Delta Middle: principal 41 (latino), AP 42 (latino)
//	2023 Alpha Elementary: principal 11 (latino, promoted), teacher+AP 15 (latino, counts once as AP)
//	     Alpha High: principal 13 (unknown)
//	     Alpha office: superintendent 14 (white), district leader 12 (white, promoted)
//	     Beta Academy: (principal left) teacher 22 only
//	     state board: state leader 31 (latino), state leader 32 (white)
//	     Delta Middle: principal 41 (latino)
//
// Teachers (not leaders): 2022: 15, 16 at Alpha Elementary; 22 at Beta.
var fixtureStaff = []person{
	{2022, "UT", "4900001", "490000100001", 11, "assistant_principal", "hispanic_latino", 1},
	{2022, "UT", "4900001", "490000100001", 12, "principal", "white", 1},
	{2022, "UT", "4900001", "490000100002", 13, "principal", "unknown", 1},
	{2022, "UT", "4900001", "", 14, "superintendent", "white", 1},
	{2022, "UT", "4900001", "490000100001", 15, "teacher", "hispanic_latino", 1},
	{2022, "UT", "4900001", "490000100001", 16, "teacher", "white", 1},
	{2022, "UT", "4900002", "490000200001", 21, "principal", "hispanic_latino", 1},
	{2022, "UT", "4900002", "490000200001", 22, "teacher", "white", 1},
	{2022, "UT", "4999999", "", 31, "state_leader", "hispanic_latino", 1},
	{2022, "NM", "3500001", "350000100001", 41, "principal", "hispanic_latino", 1},
	{2022, "NM", "3500001", "350000100001", 42, "assistant_principal", "hispanic_latino", 1},

	{2023, "UT", "4900001", "490000100001", 11, "principal", "hispanic_latino", 1},
	{2023, "UT", "4900001", "490000100001", 15, "teacher", "hispanic_latino", 0.5},
	{2023, "UT", "4900001", "490000100001", 15, "assistant_principal", "hispanic_latino", 0.5},
	{2023, "UT", "4900001", "490000100001", 16, "teacher", "white", 1},
	{2023, "UT", "4900001", "490000100002", 13, "principal", "unknown", 1},
	{2023, "UT", "4900001", "", 14, "superintendent", "white", 1},
	{2023, "UT", "4900001", "", 12, "district_leader", "white", 1},
	{2023, "UT", "4900002", "490000200001", 22, "teacher", "white", 1},
	{2023, "UT", "4999999", "", 31, "state_leader", "hispanic_latino", 1},
	{2023, "UT", "4999999", "", 32, "state_leader", "white", 1},
	{2023, "NM", "3500001", "350000100001", 41, "principal", "hispanic_latino", 1},
}

func insertRows(t testing.TB, db *warehouse.DB, table string, rows [][]any) {
	t.Helper()
	_, err := db.Insert(context.Background(), table, func(add warehouse.AppendFunc) error {
		for _, r := range rows {
			if err := add(r...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert %s: %v", table, err)
	}
}

func insertPeople(t testing.TB, db *warehouse.DB, people []person) {
	t.Helper()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, len(people))
	for i, p := range people {
		hisp := "no"
		switch p.eth {
		case "hispanic_latino":
			hisp = "yes"
		case "unknown":
			hisp = "unknown"
		}
		rows[i] = []any{p.year, p.state, p.lea, p.sch, p.key, p.role, p.eth, "female", p.fte, hisp, []string{}, p.role, "fixture", at}
	}
	insertRows(t, db, warehouse.TableStaffAssignments, rows)
}

// fixtureDB is a migrated database holding the hand-built fixture.
func fixtureDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates)
	insertRows(t, db, warehouse.TableDistricts, fixtureDistricts)
	insertRows(t, db, warehouse.TableSchools, fixtureSchools)
	insertPeople(t, db, fixtureStaff)
	if err := db.RebuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

// scaledDB holds nDistricts Utah districts of nSchools schools each, every
// school with a principal and an assistant principal in 2022 and 2023 (the
// principal Latino in even-numbered schools), for counting queries.
func scaledDB(t *testing.T, nDistricts, nSchools int) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates[:1])
	var districts, schools [][]any
	var people []person
	key := uint64(1)
	for d := 0; d < nDistricts; d++ {
		lea := fmt.Sprintf("49%05d", d+1)
		districts = append(districts, []any{lea, "UT", fmt.Sprintf("District %03d", d), "regular", "town", uint8(1)})
		for s := 0; s < nSchools; s++ {
			sch := fmt.Sprintf("%s%05d", lea, s+1)
			schools = append(schools, []any{sch, lea, "UT", fmt.Sprintf("School %03d-%03d", d, s), "elementary", uint8(0), uint8(0), uint8(1)})
			eth := "white"
			if s%2 == 0 {
				eth = "hispanic_latino"
			}
			for _, y := range []uint16{2022, 2023} {
				people = append(people, person{y, "UT", lea, sch, key, "principal", eth, 1},
					person{y, "UT", lea, sch, key + 1, "assistant_principal", "white", 1})
			}
			key += 2
		}
	}
	insertRows(t, db, warehouse.TableDistricts, districts)
	insertRows(t, db, warehouse.TableSchools, schools)
	insertPeople(t, db, people)
	if err := db.RebuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}
