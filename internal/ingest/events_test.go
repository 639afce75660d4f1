package ingest

import (
	"strings"
	"testing"
)

func readEvents(t *testing.T, data string, opt EventsOptions) ([]EventRow, []Reject, error) {
	t.Helper()
	if opt.Directory == nil {
		opt.Directory = testDir{}
	}
	e, err := NewEventsReader(strings.NewReader(data), opt)
	if err != nil {
		return nil, nil, err
	}
	return collect(t, e.Next)
}

// TestEventsFiles is the catalogue of member events files.
func TestEventsFiles(t *testing.T) {
	const header = "member_id,event_date,event_type,role_code,lea_id,detail"
	ev := func(member, date, typ, role, lea, detail string) EventRow {
		return EventRow{MemberID: member, EventDate: day(date), EventType: typ, RoleCode: role, LeaID: lea, Detail: detail}
	}
	tests := []struct {
		name    string
		data    string
		opt     EventsOptions
		err     []string
		rows    []EventRow
		rejects []want
	}{
		{
			name: "every event type",
			data: file(header,
				"M1,2019-08-15,joined,teacher,4900030,",
				"M1,2019-10-01,Mentorship Started,,,Cohort 4",
				"M1,2020-05-30,mentorship-completed,,,",
				"M1,2020-06-10,PD_COMPLETED,,,Leading for equity",
				"M1,2021-06-01,credential_earned,,4900030,Administrative license",
				"M1,2021-10-20,conference_attended,,,Annual conference (Salt Lake City)",
				"M1,2022-07-01,promoted,Assistant Principal,4900030,",
				"M1,2023-07-01,moved,assistant_principal,0400001,",
				"M1,2024-06-30,left,,,"),
			rows: []EventRow{
				ev("M1", "2019-08-15", "joined", "teacher", "4900030", ""),
				ev("M1", "2019-10-01", "mentorship_started", "", "", "Cohort 4"),
				ev("M1", "2020-05-30", "mentorship_completed", "", "", ""),
				ev("M1", "2020-06-10", "pd_completed", "", "", "Leading for equity"),
				ev("M1", "2021-06-01", "credential_earned", "", "4900030", "Administrative license"),
				ev("M1", "2021-10-20", "conference_attended", "", "", "Annual conference (Salt Lake City)"),
				ev("M1", "2022-07-01", "promoted", "assistant_principal", "4900030", ""),
				ev("M1", "2023-07-01", "moved", "assistant_principal", "0400001", ""),
				ev("M1", "2024-06-30", "left", "", "", ""),
			},
		},
		{
			name: "titles through the title table",
			data: file("member_id,event_date,event_type,title,name",
				"M1,2022-07-01,promoted,Asst. Principal,Ana Ruiz",
				"M2,2022-07-01,promoted,,Luis Cruz",
				"M3,2022-07-01,promoted,Principle,Eva Lee",
				"M4,2022-07-01,promoted,School Administrator,Eva Lee"),
			rows: []EventRow{ev("M1", "2022-07-01", "promoted", "assistant_principal", "", ""),
				ev("M2", "2022-07-01", "promoted", "", "", "")},
			rejects: []want{
				{4, "title", "unknown title: add it to a title file", "Principle"},
				{5, "title", "title covers several roles", "School Administrator"},
			},
		},
		{
			name: "role_code before title",
			data: file("member_id,event_date,event_type,role_code,title",
				"M1,2022-07-01,promoted,principal,Head Learner",
				"M2,2022-07-01,promoted,,Vice Principal"),
			rows: []EventRow{ev("M1", "2022-07-01", "promoted", "principal", "", ""),
				ev("M2", "2022-07-01", "promoted", "assistant_principal", "", "")},
		},
		{
			name: "only the required columns",
			data: file("member_id,event_date,event_type", "M1,2022-07-01,joined"),
			rows: []EventRow{ev("M1", "2022-07-01", "joined", "", "", "")},
		},
		{
			name: "missing columns",
			data: file("member_id,event_type,detail", "M1,joined,x"),
			err:  []string{"events file: missing column(s) in the header: event_date", "expected a header like member_id,event_date,event_type"},
		},
		{
			name: "detail text",
			data: file(header,
				"M1,2020-01-01,pd_completed,,,\"Two\nlines,  and\ttabs \"",
				"M2,2020-01-01,pd_completed,,,"+strings.Repeat("é", 500),
				"M3,2020-01-01,pd_completed,,,"+strings.Repeat("é", 501),
				"M4,2020-01-01,pd_completed,,,\"bell\x07\"",
				"M5,2020-01-01,pd_completed,,,caf\xE9"),
			rows: []EventRow{ev("M1", "2020-01-01", "pd_completed", "", "", "Two lines, and tabs"),
				ev("M2", "2020-01-01", "pd_completed", "", "", strings.Repeat("é", 500))},
			rejects: []want{
				{5, "detail", "detail is longer than 500 characters", strings.Repeat("é", 80)},
				{6, "detail", "detail contains control characters", "bell\x07"},
				{7, "detail", "not valid UTF-8", "caf\uFFFD"},
			},
		},
		{
			name: "bad rows and duplicates",
			data: file(header,
				"M1,2022-07-01,promoted,principal,4900030,",
				"M1,2022-07-01,promoted,principal,4900030,",
				"M1,2022-07-01,promoted,assistant_principal,4900030,",
				"M1,2022-07-01,promoted,principal,4900060,",
				"M1,2022-07-01,promoted,principal,,",
				"M1,2022-07-01,hired,,,",
				"M1,2022-07-01,,,,",
				"M1,2022-07-01,promoted,vice_principal,,",
				"M1,2022-07-01,promoted,,4900099,",
				"M1,2022-07-01,promoted,,490003000001,",
				"M1,22-07-01,joined,,,",
				"M1,1989-12-31,joined,,,",
				"M 1,2022-07-01,joined,,,",
				",2022-07-01,joined,,,"),
			rows: []EventRow{
				ev("M1", "2022-07-01", "promoted", "principal", "4900030", ""),
				ev("M1", "2022-07-01", "promoted", "assistant_principal", "4900030", ""),
				ev("M1", "2022-07-01", "promoted", "principal", "4900060", ""),
				ev("M1", "2022-07-01", "promoted", "principal", "", ""),
			},
			rejects: []want{
				{3, "member_id", "duplicate row: an earlier line has the same member_id, event_date, event_type, role_code, lea_id and detail", ""},
				{7, "event_type", "event_type must be one of joined, mentorship_started, mentorship_completed, pd_completed, " +
					"credential_earned, conference_attended, promoted, moved, left", "hired"},
				{8, "event_type", "event_type must be one of", ""},
				{9, "role_code", "role_code must be one of teacher", "vice_principal"},
				{10, "lea_id", "unknown district", "4900099"},
				{11, "lea_id", "lea_id must be a 7-digit NCES district (LEA) id", "490003000001"},
				{12, "event_date", "event_date must be a date YYYY-MM-DD from 1990-01-01 to 2100-12-31", "22-07-01"},
				{13, "event_date", "event_date must be a date", "1989-12-31"},
				{14, "member_id", "member_id must be 1 to 64", "M 1"},
				{15, "member_id", "member_id must be 1 to 64", ""},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, rejects, err := readEvents(t, tc.data, tc.opt)
			checkErr(t, err, tc.err...)
			checkRows(t, rows, tc.rows)
			checkRejects(t, rejects, tc.rejects)
		})
	}
}
