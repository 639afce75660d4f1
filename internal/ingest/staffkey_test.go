package ingest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestStaffKeyGolden pins the key of a staff id to values computed apart
// (Python's hmac over the same message): a change to the key's recipe would
// break the following of people across years already loaded.
func TestStaffKeyGolden(t *testing.T) {
	if got := StaffKey(testKey, "UT", "4900030", "E1001"); got != 17259101705356276303 {
		t.Errorf("StaffKey(E1001) = %d", got)
	}
	if got := StaffKey(testKey, "UT", "4900030", strings.Repeat("x", 200)); got != 18218634755293059602 {
		t.Errorf("StaffKey(x*200) = %d", got)
	}
}

// TestStaffKeysAcrossFiles checks that the same staff id in two files (two
// school years) gets the same key, and that another secret or another
// district gives another key.
func TestStaffKeysAcrossFiles(t *testing.T) {
	keyOf := func(data string, secret []byte) uint64 {
		t.Helper()
		rows, rejects, err := readStaffing(t, data, StaffingOptions{Key: secret})
		if err != nil || len(rejects) > 0 || len(rows) != 1 {
			t.Fatalf("rows %v, rejects %v, err %v", rows, rejects, err)
		}
		return rows[0].StaffKey
	}
	other := []byte("another secret, at least sixteen bytes")
	y2022 := keyOf(file(staffHeader, "2022,4900030,490003000001,E1001,Teacher,1,F,N,white"), testKey)
	y2023 := keyOf(file(staffHeader, "2023-24,4900030,490003000002,E1001,Assistant Principal,1,F,N,white"), testKey)
	otherSecret := keyOf(file(staffHeader, "2022,4900030,490003000001,E1001,Teacher,1,F,N,white"), other)
	otherDistrict := keyOf(file(staffHeader, "2022,4900060,490006000010,E1001,Teacher,1,F,N,white"), testKey)
	otherState := keyOf(file(staffHeader, "2022,0400001,040000100001,E1001,Teacher,1,F,N,white"), testKey)
	if y2022 != y2023 || y2022 != 17259101705356276303 {
		t.Errorf("the same id in two years: keys %d and %d", y2022, y2023)
	}
	for name, k := range map[string]uint64{"another secret": otherSecret, "another district": otherDistrict, "another state": otherState} {
		if k == y2022 {
			t.Errorf("%s gives the same key", name)
		}
	}
}

// TestStaffKeyColumn checks a staffing file that carries staff_key (an
// export): the key is taken as given, no secret is needed, and duplicates
// are found the same way.
func TestStaffKeyColumn(t *testing.T) {
	data := file("school_year,lea_id,school_id,staff_key,title,hispanic_latino,race",
		"2023,4900030,490003000001,17259101705356276303,Teacher,N,white",
		"2023,4900030,490003000001,0042,Teacher,N,white",
		"2023,4900030,490003000001,0,Teacher,N,white",
		"2023,4900030,490003000001,-7,Teacher,N,white",
		"2023,4900030,490003000001,18446744073709551616,Teacher,N,white",
		"2023,4900030,490003000001,E1001,Teacher,N,white",
		"2023,4900030,490003000001,,Teacher,N,white",
		"2023,4900030,490003000001,42,Teacher,N,white",
		"2023,4900030,490003000002,42,Assistant Principal,N,white",
	)
	for _, key := range [][]byte{{}, []byte("short")} {
		rows, rejects, err := readStaffing(t, data, StaffingOptions{Key: key})
		checkErr(t, err)
		row := func(k uint64, school, title, role string) StaffRow {
			r := staff(school, "", title, role)
			r.StaffKey, r.Gender = k, "unknown"
			return r
		}
		checkRows(t, rows, []StaffRow{row(17259101705356276303, "490003000001", "Teacher", "teacher"),
			row(42, "490003000001", "Teacher", "teacher"),
			row(42, "490003000002", "Assistant Principal", "assistant_principal")})
		const why = "staff_key must be a whole number from 1 to 18446744073709551615"
		checkRejects(t, rejects, []want{
			{4, "staff_key", why, ""}, {5, "staff_key", why, ""}, {6, "staff_key", why, ""}, {7, "staff_key", why, ""},
			{8, "staff_key", "staff_key is required", ""},
			{9, "staff_key", "duplicate row: an earlier line has the same school_year, staff_key, school_id and role", ""},
		})
		for _, r := range rejects {
			if r.Value != "" {
				t.Errorf("a reject shows a staff_key value: %v", r)
			}
		}
	}
}

// TestStaffIDsNeverLeak checks that no raw staff id appears in a row (all
// its fields, formatted) or anywhere in a Reject, whatever is wrong with the
// record.
func TestStaffIDsNeverLeak(t *testing.T) {
	const id = "SECRET7781"
	long := "SECRET7781" + strings.Repeat("9", 60)
	data := file(staffHeader+",full_name,email",
		"2023,4900030,490003000001,SECRET7781,Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,SECRET7781,Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,"+long+",Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,\"SECRET7781\x01\",Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,SECRET7781\xFF,Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,SECRET7781,Lunch Lady,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,SECRET7781,Teacher,1,F,N,white,Ana Ruiz",
		"2023,4900030,490003000001,\"SECRET7781\"x,Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
		"2023,4900030,490003000001,\"SECRET7781,Teacher,1,F,N,white,Ana Ruiz,ana@example.org",
	)
	rows, rejects, err := readStaffing(t, data, StaffingOptions{})
	checkErr(t, err)
	if len(rows) != 1 || len(rejects) != 8 {
		t.Fatalf("%d rows and %d rejects, want 1 and 8: %v", len(rows), len(rejects), rejects)
	}
	for _, r := range rows {
		if s := fmt.Sprintf("%+v %#v", r, r.Values("batch", testTime)); strings.Contains(s, "SECRET") ||
			strings.Contains(s, "Ana") || strings.Contains(s, "example.org") {
			t.Errorf("a row keeps a staff id or a name: %s", s)
		}
		walkStrings(reflect.ValueOf(r), func(s string) {
			if strings.Contains(s, "SECRET") {
				t.Errorf("a StaffRow field holds %q", s)
			}
		})
	}
	for _, r := range rejects {
		if s := fmt.Sprintf("%+v", r); strings.Contains(s, "SECRET") || strings.Contains(s, "Ana") {
			t.Errorf("a reject shows a staff id or a name: %s", s)
		}
	}
}

// walkStrings calls f with every string v holds.
func walkStrings(v reflect.Value, f func(string)) {
	switch v.Kind() {
	case reflect.String:
		f(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), f)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	}
}

// TestExportLoadsBack checks that a staffing export (StaffExportHeader,
// ExportRecord through encoding/csv, as camino export writes it) loads back
// to the same rows, with no secret and with a title table that does not know
// the titles the first load mapped.
func TestExportLoadsBack(t *testing.T) {
	titles, err := ReadTitleMap(strings.NewReader(file("title,role_code", "Dean of Students,assistant_principal",
		`"Teacher, ""Dual"" =Language",teacher`)))
	checkErr(t, err)
	first, rejects, err := readStaffing(t, file(
		"school_year,lea_id,school_id,staff_id,title,fte,gender,ethnicity_2024",
		"2023,4900030,490003000001,E1,Teacher,0.8,F,Hispanic;White",
		"2023,4900030,490003000002,E2,Dean of Students,1,M,Middle Eastern or North African",
		"2023,4900030,,E3,\"Director of  Curriculum\",0.33,X,",
		"2023,4900030,490003000001,E4,\"Teacher, \"\"Dual\"\" =Language\",1,,asian;black;MENA",
	), StaffingOptions{Titles: titles})
	checkErr(t, err)
	if len(first) != 4 || len(rejects) != 0 || first[2].Title != "Director of Curriculum" {
		t.Fatalf("first load: %+v, %v", first, rejects)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(StaffExportHeader()); err != nil {
		t.Fatal(err)
	}
	for _, r := range first {
		if err := w.Write(r.ExportRecord()); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	again, rejects, err := readStaffing(t, buf.String(), StaffingOptions{Key: []byte{}})
	checkErr(t, err)
	checkRejects(t, rejects, nil)
	checkRows(t, again, first)
}
