package ingest

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

// fileKind is one reader with a header and a good line for it.
type fileKind struct {
	name   string
	header string
	good   string
	open   func(io.Reader) (func() (any, *Reject, error), error)
}

// anyNext adapts a reader's Next to a common type.
func anyNext[T any](next func() (T, *Reject, error)) func() (any, *Reject, error) {
	return func() (any, *Reject, error) {
		row, rej, err := next()
		if rej != nil || err != nil {
			return nil, rej, err
		}
		return row, nil, nil
	}
}

var fileKinds = []fileKind{
	{"staffing", staffHeader, teacherLine("E1"), func(r io.Reader) (func() (any, *Reject, error), error) {
		s, err := NewStaffingReader(r, StaffingOptions{Key: testKey, Directory: testDir{}})
		if err != nil {
			return nil, err
		}
		return anyNext(s.Next), nil
	}},
	{"enrollment", "school_year,lea_id,school_id,ethnicity,ell,students", "2023,4900030,490003000001,white,0,5",
		func(r io.Reader) (func() (any, *Reject, error), error) {
			e, err := NewEnrollmentReader(r, EnrollmentOptions{Directory: testDir{}})
			if err != nil {
				return nil, err
			}
			return anyNext(e.Next), nil
		}},
	{"members", "member_id,lea_id,joined_on,left_on,staff_id", "M1,4900030,2021-09-01,,E1",
		func(r io.Reader) (func() (any, *Reject, error), error) {
			m, err := NewMembersReader(r, MembersOptions{Key: testKey, Directory: testDir{}})
			if err != nil {
				return nil, err
			}
			return anyNext(m.Next), nil
		}},
	{"events", "member_id,event_date,event_type,role_code,lea_id,detail", "M1,2022-07-01,promoted,principal,4900030,ok",
		func(r io.Reader) (func() (any, *Reject, error), error) {
			e, err := NewEventsReader(r, EventsOptions{Directory: testDir{}})
			if err != nil {
				return nil, err
			}
			return anyNext(e.Next), nil
		}},
}

// TestBrokenFilesEveryReader runs the broken-file catalogue of the shared
// reading layer against every reader: the same file shapes give the same
// errors and rejects whatever the columns.
func TestBrokenFilesEveryReader(t *testing.T) {
	for _, k := range fileKinds {
		first, _, _ := strings.Cut(k.header, ",")
		last := k.header[strings.LastIndexByte(k.header, ',')+1:]
		n := strings.Count(k.header, ",") + 1
		cut := strings.LastIndexByte(k.good, ',')
		tests := []struct {
			name    string
			data    string
			err     []string
			rows    int
			rejects []want
		}{
			{"good", file(k.header, k.good), nil, 1, nil},
			{"semicolons", file(strings.ReplaceAll(k.header, ",", ";")), []string{"the delimiter looks like ';'", "must be comma-separated"}, 0, nil},
			{"tabs", file(strings.ReplaceAll(k.header, ",", "\t")), []string{"the delimiter looks like tab", "must be comma-separated"}, 0, nil},
			{"BOM and CRLF", "\uFEFF" + k.header + "\r\n" + k.good + "\r\n", nil, 1, nil},
			{"empty", "", []string{"the file is empty"}, 0, nil},
			{"header only", file(k.header), nil, 0, nil},
			{"unknown column", file(k.header + ",colour"), []string{"unknown column(s) in the header: colour"}, 0, nil},
			{"duplicate column", file(k.header + "," + first), []string{"column " + first + " appears twice"}, 0, nil},
			{"too many values", file(k.header, k.good+",x", k.good), nil, 1,
				[]want{{2, "field " + strconv.Itoa(n+1), "the record has " + strconv.Itoa(n+1) + " values, the header has " + strconv.Itoa(n), ""}}},
			{"too few values", file(k.header, k.good[:cut], k.good), nil, 1,
				[]want{{2, last, "the record has " + strconv.Itoa(n-1) + " values", ""}}},
			{"Latin-1", file(k.header, "Pe\xF1a"+k.good[strings.IndexByte(k.good, ','):], k.good), nil, 1,
				[]want{{2, first, "not valid UTF-8 (save the file as UTF-8)", "Pe\uFFFDa"}}},
			// The quote swallows nothing: its line is rejected, the next is read.
			{"unclosed quote", file(k.header, k.good[:cut+1]+`"x`, k.good), nil, 1,
				[]want{{2, last, "a quoted value is not closed on its line", ""}}},
			{"unclosed quote on the last line", file(k.header, k.good, k.good[:cut+1]+`"x`), nil, 1,
				[]want{{3, last, "a quoted value is not closed before the end of the file", ""}}},
			{"long record", file(k.header, k.good, k.good[:cut+1]+strings.Repeat("x", 1<<16)), []string{"line 3: a record longer than 64 KiB"}, 1, nil},
		}
		for _, tc := range tests {
			t.Run(k.name+"/"+tc.name, func(t *testing.T) {
				next, err := k.open(strings.NewReader(tc.data))
				var rows []any
				var rejects []Reject
				if err == nil {
					rows, rejects, err = collect(t, next)
				}
				checkErr(t, err, tc.err...)
				if len(rows) != tc.rows {
					t.Errorf("%d rows, want %d", len(rows), tc.rows)
				}
				checkRejects(t, rejects, tc.rejects)
			})
		}
	}
}
