package ingest

import (
	"strings"
	"testing"
	"time"
)

func readMembers(t *testing.T, data string, opt MembersOptions) ([]MemberRow, []Reject, error) {
	t.Helper()
	if opt.Directory == nil {
		opt.Directory = testDir{}
	}
	m, err := NewMembersReader(strings.NewReader(data), opt)
	if err != nil {
		return nil, nil, err
	}
	return collect(t, m.Next)
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayPtr(s string) *time.Time {
	d := day(s)
	return &d
}

// TestMembersFiles is the catalogue of members files.
func TestMembersFiles(t *testing.T) {
	const header = "member_id,lea_id,joined_on,left_on,staff_id,first_name,last_name"
	tests := []struct {
		name    string
		data    string
		opt     MembersOptions
		err     []string
		rows    []MemberRow
		rejects []want
	}{
		{
			name: "staff ids become staff keys of the member's district",
			data: file(header,
				"M-001,4900030,2021-09-01,,E1001,Ana,Pe\xF1a",
				"m.002,0400001,2020-01-15,2023-06-30,E1001,Luis,Ruiz",
				"M_003,4900060,2022-02-02,2022-02-02,,Eva,Cruz"),
			opt: MembersOptions{Key: testKey},
			rows: []MemberRow{
				{MemberID: "M-001", StaffKey: 17259101705356276303, StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")},
				{MemberID: "m.002", StaffKey: StaffKey(testKey, "AZ", "0400001", "E1001"), StateCode: "AZ", LeaID: "0400001",
					JoinedOn: day("2020-01-15"), LeftOn: dayPtr("2023-06-30")},
				{MemberID: "M_003", StateCode: "UT", LeaID: "4900060", JoinedOn: day("2022-02-02"), LeftOn: dayPtr("2022-02-02")},
			},
		},
		{
			name: "staff keys as given",
			data: file("member_id,lea_id,joined_on,staff_key", "M1,4900030,2021-09-01,42", "M2,4900030,2021-09-01,0",
				"M3,4900030,2021-09-01,", "M4,4900030,2021-09-01,x42"),
			rows: []MemberRow{
				{MemberID: "M1", StaffKey: 42, StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")},
				{MemberID: "M2", StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")},
				{MemberID: "M3", StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")},
			},
			rejects: []want{{5, "staff_key", "staff_key must be a whole number", ""}},
		},
		{
			name: "not linked to staff: no secret needed",
			data: file("member_id,lea_id,joined_on", "M1,4900030,2021-09-01"),
			rows: []MemberRow{{MemberID: "M1", StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")}},
		},
		{
			name: "staff ids need the secret",
			data: file(header),
			err:  []string{"members file has staff_id: the staff-key secret (CAMINO_STAFF_KEY_SECRET) must be at least 16 bytes"},
		},
		{
			name: "staff_id and staff_key",
			data: file("member_id,lea_id,joined_on,staff_id,staff_key"),
			opt:  MembersOptions{Key: testKey},
			err:  []string{"members file: give either staff_id", "not both"},
		},
		{
			name: "missing columns",
			data: file("member_id,joined_on,staff_id"),
			opt:  MembersOptions{Key: testKey},
			err:  []string{"members file: missing column(s) in the header: lea_id"},
		},
		{
			name: "unknown column",
			data: file("member_id,lea_id,joined_on,chapter"),
			err:  []string{"members file: unknown column(s) in the header: chapter"},
		},
		{
			name: "bad rows",
			data: file(header,
				"M1,4900030,2021-09-01,,,,",
				"M 2,4900030,2021-09-01,,,,",
				","+"4900030,2021-09-01,,,,",
				strings.Repeat("m", 65)+",4900030,2021-09-01,,,,",
				"Peña,4900030,2021-09-01,,,,",
				"M6,,2021-09-01,,,,",
				"M7,4900099,2021-09-01,,,,",
				"M8,4900030,,,,,",
				"M9,4900030,2021-02-30,,,,",
				"M10,4900030,09/01/2021,,,,",
				"M11,4900030,1989-12-31,,,,",
				"M12,4900030,2101-01-01,,,,",
				"M13,4900030,2021-09-01,2021-08-31,,,",
				"M14,4900030,2021-09-01,2021-9-30,,,",
				"M15,4900030,2021-09-01,,"+strings.Repeat("9", 65)+",,",
				"M1,4900060,2022-09-01,,,,",
				"M17,4900030,2100-12-31,,E17,,"),
			opt: MembersOptions{Key: testKey},
			rows: []MemberRow{
				{MemberID: "M1", StateCode: "UT", LeaID: "4900030", JoinedOn: day("2021-09-01")},
				{MemberID: "M17", StaffKey: StaffKey(testKey, "UT", "4900030", "E17"), StateCode: "UT", LeaID: "4900030",
					JoinedOn: day("2100-12-31")},
			},
			rejects: []want{
				{3, "member_id", "member_id must be 1 to 64 of the characters A-Z a-z 0-9 _ . -", "M 2"},
				{4, "member_id", "member_id must be 1 to 64", ""},
				{5, "member_id", "member_id must be 1 to 64", strings.Repeat("m", 65)},
				{6, "member_id", "member_id must be 1 to 64", "Peña"},
				{7, "lea_id", "lea_id must be a 7-digit NCES district (LEA) id", ""},
				{8, "lea_id", "unknown district", "4900099"},
				{9, "joined_on", "joined_on must be a date YYYY-MM-DD from 1990-01-01 to 2100-12-31", ""},
				{10, "joined_on", "joined_on must be a date YYYY-MM-DD", "2021-02-30"},
				{11, "joined_on", "joined_on must be a date YYYY-MM-DD", "09/01/2021"},
				{12, "joined_on", "joined_on must be a date YYYY-MM-DD", "1989-12-31"},
				{13, "joined_on", "joined_on must be a date YYYY-MM-DD", "2101-01-01"},
				{14, "left_on", "left_on is before joined_on", "2021-08-31"},
				{15, "left_on", "left_on must be a date YYYY-MM-DD", "2021-9-30"},
				{16, "staff_id", "staff_id is longer than 64 bytes", ""},
				{17, "member_id", "duplicate row: an earlier line has the same member_id", "M1"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, rejects, err := readMembers(t, tc.data, tc.opt)
			checkErr(t, err, tc.err...)
			checkRows(t, rows, tc.rows)
			checkRejects(t, rejects, tc.rejects)
		})
	}
}
