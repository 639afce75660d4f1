package ingest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/ingest"
	"github.com/camino-edu/camino/internal/warehouse"
)

// TestValuesFollowWarehouseColumns checks each row's Values against the
// warehouse's column lists by name: the CLI appends them as they are, so a
// column added or moved on either side must fail here.
func TestValuesFollowWarehouseColumns(t *testing.T) {
	loaded := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	joined := time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)
	left := time.Date(2023, 6, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		columns []string
		values  []any
		want    map[string]any
	}{
		{"staff_assignments", warehouse.StaffAssignmentsColumns,
			ingest.StaffRow{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", SchoolID: "490003000001", StaffKey: 42,
				RoleCode: "teacher", Title: "Teacher", Ethnicity: "white", Gender: "female", FTE: 0.5,
				HispanicAnswer: "no", RaceAnswers: []string{"white"}}.Values("b1", loaded),
			map[string]any{"school_year": uint16(2023), "state_code": "UT", "lea_id": "4900030", "school_id": "490003000001",
				"staff_key": uint64(42), "role_code": "teacher", "ethnicity": "white", "gender": "female", "fte": float32(0.5),
				"hispanic_answer": "no", "race_answers": []string{"white"}, "title": "Teacher", "batch_id": "b1", "loaded_at": loaded}},
		{"staff_assignments without races", warehouse.StaffAssignmentsColumns,
			ingest.StaffRow{SchoolYear: 2023}.Values("b1", loaded),
			map[string]any{"school_year": uint16(2023), "state_code": "", "lea_id": "", "school_id": "", "staff_key": uint64(0),
				"role_code": "", "ethnicity": "", "gender": "", "fte": float32(0), "hispanic_answer": "",
				"race_answers": []string{}, "title": "", "batch_id": "b1", "loaded_at": loaded}},
		{"enrollment", warehouse.EnrollmentColumns,
			ingest.EnrollmentRow{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", SchoolID: "490003000001",
				Ethnicity: "hispanic_latino", ELL: 1, Students: 120}.Values("b2", loaded),
			map[string]any{"school_year": uint16(2023), "state_code": "UT", "lea_id": "4900030", "school_id": "490003000001",
				"ethnicity": "hispanic_latino", "ell": uint8(1), "students": uint32(120), "batch_id": "b2", "loaded_at": loaded}},
		{"members", warehouse.MembersColumns,
			ingest.MemberRow{MemberID: "M1", StaffKey: 42, StateCode: "UT", LeaID: "4900030", JoinedOn: joined,
				LeftOn: &left}.Values("b3", loaded),
			map[string]any{"member_id": "M1", "staff_key": uint64(42), "state_code": "UT", "lea_id": "4900030",
				"joined_on": joined, "left_on": &left, "batch_id": "b3", "loaded_at": loaded}},
		{"members still members", warehouse.MembersColumns,
			ingest.MemberRow{MemberID: "M1", JoinedOn: joined}.Values("b3", loaded),
			map[string]any{"member_id": "M1", "staff_key": uint64(0), "state_code": "", "lea_id": "",
				"joined_on": joined, "left_on": (*time.Time)(nil), "batch_id": "b3", "loaded_at": loaded}},
		{"member_events", warehouse.MemberEventsColumns,
			ingest.EventRow{MemberID: "M1", EventDate: joined, EventType: "promoted", RoleCode: "principal",
				LeaID: "4900030", Detail: "d"}.Values("b4", loaded),
			map[string]any{"member_id": "M1", "event_date": joined, "event_type": "promoted", "role_code": "principal",
				"lea_id": "4900030", "detail": "d", "batch_id": "b4", "loaded_at": loaded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.values) != len(tc.columns) {
				t.Fatalf("%d values for the %d columns %v", len(tc.values), len(tc.columns), tc.columns)
			}
			for i, col := range tc.columns {
				want, ok := tc.want[col]
				if !ok {
					t.Errorf("column %s: not expected by this test", col)
					continue
				}
				if got := tc.values[i]; !reflect.DeepEqual(got, want) {
					t.Errorf("column %s: %#v (%T), want %#v (%T)", col, got, got, want, want)
				}
			}
		})
	}
}
