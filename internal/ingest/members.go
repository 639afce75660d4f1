package ingest

import (
	"io"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// MemberRow is one validated row of a members file: one member of the
// association. It holds no staff id and no name.
type MemberRow struct {
	MemberID  string
	StaffKey  uint64 // 0 when the member is not linked to staffing rows
	StateCode string // of the member's district
	LeaID     string
	JoinedOn  time.Time
	LeftOn    *time.Time // nil while a member
}

// Values returns the row in warehouse.MembersColumns order, with batchID
// and loadedAt.
func (r MemberRow) Values(batchID string, loadedAt time.Time) []any {
	return []any{r.MemberID, r.StaffKey, r.StateCode, r.LeaID, r.JoinedOn, r.LeftOn, batchID, loadedAt}
}

// MembersOptions configure a MembersReader.
type MembersOptions struct {
	// Key is the staff-key secret (configuration), at least MinKeyBytes;
	// needed only when the file has staff_id.
	Key []byte
	// Directory checks district ids; required.
	Directory Directory
}

// Members file columns of its own.
const (
	colJoined = "joined_on"
	colLeft   = "left_on"
)

// membersFile is the members file's format.
var membersFile = &fileSpec{
	what:     "members file",
	known:    []string{colMember, colStaffID, colStaffKey, colLEA, colJoined, colLeft},
	ignored:  personColumns,
	expected: "member_id,lea_id,joined_on,left_on,staff_id (staff_id, staff_key and left_on optional)",
}

// MembersReader reads a members CSV file row by row, in bounded memory.
type MembersReader struct {
	t     *table
	opt   MembersOptions
	staff *staffIdentity
	dups  dedup
}

// NewMembersReader reads and checks the header of a members file. A wrong
// header, delimiter or encoding is an apperr.Invalid error naming what is
// wrong and what is expected.
func NewMembersReader(r io.Reader, opt MembersOptions) (*MembersReader, error) {
	if opt.Directory == nil {
		return nil, apperr.Errorf(apperr.Internal, "ingest: MembersOptions.Directory is nil")
	}
	t, err := openTable(r, membersFile)
	if err != nil {
		return nil, err
	}
	if err := t.require(colMember, colLEA, colJoined); err != nil {
		return nil, err
	}
	staff, err := newStaffIdentity(t, opt.Key, true)
	if err != nil {
		return nil, err
	}
	return &MembersReader{t: t, opt: opt, staff: staff, dups: newDedup()}, nil
}

// Line returns the line where the last record read starts.
func (m *MembersReader) Line() int { return m.t.line() }

// Next returns the next row, or a reject, or an error (io.EOF at the end,
// or a fatal problem after which the reader stops); exactly one of the
// three is set.
func (m *MembersReader) Next() (MemberRow, *Reject, error) {
	return nextRow(m.t, m.parse)
}

// parse validates the current record.
func (m *MembersReader) parse() (MemberRow, *bad) {
	t := m.t
	var r MemberRow
	var b *bad
	if r.MemberID, b = t.memberID(); b != nil {
		return r, b
	}
	r.LeaID = t.get(colLEA)
	if r.StateCode, b = place(m.opt.Directory, r.LeaID, ""); b != nil {
		return r, b
	}
	if r.StaffKey, b = m.staff.key(t, r.StateCode, r.LeaID); b != nil {
		return r, b
	}
	if r.JoinedOn, b = t.date(colJoined, false); b != nil {
		return r, b
	}
	left, b := t.date(colLeft, true)
	switch {
	case b != nil:
		return r, b
	case left.IsZero():
	case left.Before(r.JoinedOn):
		return r, badValue(colLeft, "left_on is before joined_on")
	default:
		r.LeftOn = &left
	}
	if !firstSeen(&m.dups, r.MemberID) {
		return r, badValue(colMember, "duplicate row: an earlier line has the same member_id")
	}
	return r, nil
}
