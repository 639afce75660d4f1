package ingest

import (
	"io"
	"slices"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// EventRow is one validated row of a member events file: something that
// happened to a member on a day.
type EventRow struct {
	MemberID  string
	EventDate time.Time
	EventType string // one of the member_events event types
	RoleCode  string // "" when the event is about no role
	LeaID     string // "" when the event is about no district
	Detail    string
}

// Values returns the row in warehouse.MemberEventsColumns order, with
// batchID and loadedAt.
func (r EventRow) Values(batchID string, loadedAt time.Time) []any {
	return []any{r.MemberID, r.EventDate, r.EventType, r.RoleCode, r.LeaID, r.Detail, batchID, loadedAt}
}

// eventTypes are the event types of the member_events table, in its Enum8
// order.
var eventTypes = []string{"joined", "mentorship_started", "mentorship_completed", "pd_completed",
	"credential_earned", "conference_attended", "promoted", "moved", "left"}

// EventsOptions configure an EventsReader.
type EventsOptions struct {
	// Titles maps titles to roles (when the file gives titles); nil means
	// DefaultTitles().
	Titles *TitleMap
	// Directory checks district ids; required.
	Directory Directory
}

// Events file columns of its own.
const (
	colEventDate = "event_date"
	colEventType = "event_type"
	colDetail    = "detail"
	// maxDetailRunes is the longest detail accepted.
	maxDetailRunes = 500
)

// eventsFile is the member events file's format.
var eventsFile = &fileSpec{
	what:     "events file",
	known:    []string{colMember, colEventDate, colEventType, colRole, colTitle, colLEA, colDetail},
	ignored:  personColumns,
	expected: "member_id,event_date,event_type,role_code,lea_id,detail (role_code or title, lea_id and detail optional)",
}

// EventsReader reads a member events CSV file row by row, in bounded
// memory.
type EventsReader struct {
	t      *table
	opt    EventsOptions
	titles *TitleMap
	dups   dedup
}

// NewEventsReader reads and checks the header of a member events file. A
// wrong header, delimiter or encoding is an apperr.Invalid error naming what
// is wrong and what is expected.
func NewEventsReader(r io.Reader, opt EventsOptions) (*EventsReader, error) {
	if opt.Directory == nil {
		return nil, apperr.Errorf(apperr.Internal, "ingest: EventsOptions.Directory is nil")
	}
	t, err := openTable(r, eventsFile)
	if err != nil {
		return nil, err
	}
	if err := t.require(colMember, colEventDate, colEventType); err != nil {
		return nil, err
	}
	e := &EventsReader{t: t, opt: opt, titles: opt.Titles, dups: newDedup()}
	if e.titles == nil {
		e.titles = DefaultTitles()
	}
	return e, nil
}

// Line returns the line where the last record read starts.
func (e *EventsReader) Line() int { return e.t.line() }

// Next returns the next row, or a reject, or an error (io.EOF at the end,
// or a fatal problem after which the reader stops); exactly one of the
// three is set.
func (e *EventsReader) Next() (EventRow, *Reject, error) {
	return nextRow(e.t, e.parse)
}

// parse validates the current record.
func (e *EventsReader) parse() (EventRow, *bad) {
	t := e.t
	var r EventRow
	var b *bad
	if r.MemberID, b = t.memberID(); b != nil {
		return r, b
	}
	if r.EventDate, b = t.date(colEventDate, false); b != nil {
		return r, b
	}
	if r.EventType = code(t.get(colEventType)); !slices.Contains(eventTypes, r.EventType) {
		return r, badValue(colEventType, "event_type must be one of "+strings.Join(eventTypes, ", "))
	}
	if r.RoleCode, _, b = t.role(e.titles, false); b != nil {
		return r, b
	}
	if r.LeaID = t.get(colLEA); r.LeaID != "" {
		if _, b = place(e.opt.Directory, r.LeaID, ""); b != nil {
			return r, b
		}
	}
	if r.Detail, b = t.text(colDetail, maxDetailRunes); b != nil {
		return r, b
	}
	key := struct {
		member string
		day    int64
		typ    string
		role   string
		lea    string
		detail string
	}{r.MemberID, r.EventDate.Unix(), r.EventType, r.RoleCode, r.LeaID, r.Detail}
	// Two courses completed on one day are two events: only a repeat of
	// every value is a duplicate.
	if !firstSeen(&e.dups, key) {
		return r, badRecord(colMember, "duplicate row: an earlier line has the same member_id, event_date, "+
			"event_type, role_code, lea_id and detail")
	}
	return r, nil
}
