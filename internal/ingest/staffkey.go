package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode"
)

// MinKeyBytes is the shortest staff-key secret accepted.
const MinKeyBytes = 16

// StaffKey returns the staff_key of a district's staff id: HMAC-SHA256 with
// key over (state code, LEA id, staff id), the first 8 bytes of the digest as
// a big-endian uint64, never 0. The same id in the same district gives the
// same key every year; without the key it cannot be reversed or recomputed.
// A person who moves to another district gets another key there (district
// staff ids are the district's own).
func StaffKey(key []byte, stateCode, leaID, staffID string) uint64 {
	var buf []byte
	return staffKey(hmac.New(sha256.New, key), &buf, stateCode, leaID, staffID)
}

// staffKey computes a key with a reusable HMAC (reset here); *scratch is
// reused for the message.
func staffKey(mac hash.Hash, scratch *[]byte, stateCode, leaID, staffID string) uint64 {
	// Each part is length-prefixed so no two (state, lea, id) triples give
	// the same message.
	buf := append((*scratch)[:0], "camino-staff-key/v1"...)
	for _, s := range [...]string{stateCode, leaID, staffID} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	*scratch = buf
	mac.Reset()
	mac.Write(buf)
	var sum [sha256.Size]byte
	d := mac.Sum(sum[:0])
	if k := binary.BigEndian.Uint64(d); k != 0 {
		return k
	}
	// One message in 2^64: take the next 8 bytes (and 1 if those are 0 too).
	if k := binary.BigEndian.Uint64(d[8:]); k != 0 {
		return k
	}
	return 1
}

// The columns that identify a person in staffing and members files: the
// district's own staff id (turned into a staff_key with the secret at once)
// or, in a Camino export, the staff_key itself.
const (
	colStaffID  = "staff_id"
	colStaffKey = "staff_key"
)

// maxStaffIDBytes is the longest staff id accepted.
const maxStaffIDBytes = 64

// staffIdentity gives each record of a file its staff_key, from the file's
// staff_id or staff_key column.
type staffIdentity struct {
	col      string    // colStaffID, colStaffKey, or "" when the file has neither
	optional bool      // a blank value (or staff_key 0) is staff_key 0, not linked
	mac      hash.Hash // the keyed hash of staff ids
	buf      []byte    // scratch for the hashed message
}

// newStaffIdentity checks the identity columns of t: at most one of
// staff_id and staff_key (whether one is required is the caller's header
// check). A file with staff_id needs key, the staff-key secret. The
// column's values are hidden from Rejects. optional says a blank value (or
// staff_key 0) is staff_key 0, not linked, rather than a reject.
func newStaffIdentity(t *table, key []byte, optional bool) (*staffIdentity, error) {
	err := t.notBoth([]string{colStaffID}, "the district's staff id, keyed with the secret",
		[]string{colStaffKey}, "the pseudonymous key of a Camino export")
	if err != nil {
		return nil, err
	}
	s := &staffIdentity{optional: optional}
	switch {
	case t.has(colStaffKey):
		s.col = colStaffKey
	case t.has(colStaffID):
		if len(key) < MinKeyBytes {
			return nil, invalidf("%s has staff_id: the staff-key secret (CAMINO_STAFF_KEY_SECRET) must be at least %d bytes",
				t.spec.what, MinKeyBytes)
		}
		s.col, s.mac = colStaffID, hmac.New(sha256.New, key)
	default:
		return s, nil
	}
	t.hidden = t.h.col(s.col)
	return s, nil
}

// key returns the staff_key of the current record of t, whose place is
// (state, lea). Its reasons never quote the value.
func (s *staffIdentity) key(t *table, state, lea string) (uint64, *bad) {
	v := t.get(s.col)
	switch {
	case s.col == "" || v == "" && s.optional:
		return 0, nil
	case v == "":
		return 0, badValue(s.col, s.col+" is required")
	case s.col == colStaffKey:
		k, err := strconv.ParseUint(v, 10, 64)
		if err != nil || k == 0 && !s.optional {
			return 0, badValue(s.col, "staff_key must be a whole number from 1 to 18446744073709551615 (as a Camino export writes it)")
		}
		return k, nil
	case len(v) > maxStaffIDBytes:
		return 0, badValue(s.col, fmt.Sprintf("staff_id is longer than %d bytes", maxStaffIDBytes))
	case strings.ContainsFunc(v, unicode.IsControl):
		return 0, badValue(s.col, "staff_id contains control characters")
	}
	return staffKey(s.mac, &s.buf, state, lea, v), nil
}
