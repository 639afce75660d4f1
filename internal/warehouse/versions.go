package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
)

// Versioned tables (docs/loads.md): every row carries the generation (gen)
// that wrote it, last in the partition key; the load journal says which
// generation of each part of a table is live at each data version, and
// every read filters with Snapshot.Live.
//
// A part is what one journal entry covers: a state-year ("2023:UT") of the
// district tables, a year ("2023") of member_events and the yearly derived
// tables, the whole table ("") of members and spell_rollup.
var versionedTables = []string{TableStaffAssignments, TableEnrollment, TableMembers, TableMemberEvents,
	"staff_person_year", "leadership_rollup", "place_rollup", "district_rollup", "moves_rollup", "spell_rollup"}

// IsVersioned reports whether table's rows are read through a snapshot.
func IsVersioned(table string) bool { return slices.Contains(versionedTables, table) }

// districtPart is the part of a district table's row.
func districtPart(year uint16, state string) string { return strconv.Itoa(int(year)) + ":" + state }

func yearPart(year uint16) string { return strconv.Itoa(int(year)) }

// parsePart splits a part into its year and state ("" for a yearly or a
// whole-table part; year 0 for a whole-table part).
func parsePart(p string) (year uint16, state string) {
	y, st, _ := strings.Cut(p, ":")
	n, _ := strconv.ParseUint(y, 10, 16)
	return uint16(n), st
}

// Generations: load number × 4096 + the ordinal of the partition in its
// load. A load number is the load's start in Unix milliseconds (42 bits,
// until the year 2109) and 9 random bits, so a generation also tells when
// it was written.
const (
	ordinalBits = 12
	maxOrdinal  = 1<<ordinalBits - 1
)

func newLoadNo() uint64 {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return uint64(time.Now().UnixMilli())<<9 | uint64(binary.LittleEndian.Uint16(b[:])&0x1ff)
}

// LoadNoOf returns the load number of a generation.
func LoadNoOf(gen uint64) uint64 { return gen >> ordinalBits }

// Snapshot is the committed state of the warehouse at one data version: the
// live generation of every part of every versioned table. It never changes;
// a request reads every versioned table through one snapshot, so one
// answer never mixes two versions.
type Snapshot struct {
	version uint64
	live    map[string]map[string]uint64 // table → part → gen (0: empty)

	mu      sync.Mutex
	filters map[string]string
}

// Version is the data version: the number of the last commit it includes.
// Every committed load bumps it; caches of answers key on it.
func (s *Snapshot) Version() uint64 {
	if s == nil {
		return 0
	}
	return s.version
}

// Gen returns the live generation of a part (0 when it has none).
func (s *Snapshot) Gen(table, part string) uint64 { return s.live[table][part] }

// Parts returns the parts of table that hold a live generation, sorted.
func (s *Snapshot) Parts(table string) []string {
	var out []string
	for p, g := range s.live[table] {
		if g != 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// gens returns the live generations of table, sorted.
func (s *Snapshot) gens(table string) []uint64 {
	var out []uint64
	for _, g := range s.live[table] {
		if g != 0 {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out
}

// Live is the condition that selects the live rows of table in this
// snapshot: "gen IN (…)", with runs of consecutive generations written as
// BETWEEN (a load's partitions are numbered in a row). It is text built from
// numbers only, safe to put in SQL; "0" when the table has no live rows.
func (s *Snapshot) Live(table string) string {
	if !IsVersioned(table) {
		panic("warehouse: " + table + " is not a versioned table")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.filters[table]; ok {
		return f
	}
	f := genFilter(s.gens(table))
	if s.filters == nil {
		s.filters = map[string]string{}
	}
	s.filters[table] = f
	return f
}

// genFilter renders a sorted set of generations as a condition on gen.
func genFilter(gens []uint64) string {
	if len(gens) == 0 {
		return "0"
	}
	var ranges, singles []string
	for i := 0; i < len(gens); {
		j := i
		for j+1 < len(gens) && gens[j+1] == gens[j]+1 {
			j++
		}
		if j-i >= 2 {
			ranges = append(ranges, fmt.Sprintf("gen BETWEEN %d AND %d", gens[i], gens[j]))
		} else {
			for k := i; k <= j; k++ {
				singles = append(singles, strconv.FormatUint(gens[k], 10))
			}
		}
		i = j + 1
	}
	if len(singles) > 0 {
		ranges = append(ranges, "gen IN ("+strings.Join(singles, ", ")+")")
	}
	if len(ranges) == 1 {
		return ranges[0]
	}
	return "(" + strings.Join(ranges, " OR ") + ")"
}

// with returns a snapshot with entries overlaid (a commit not yet
// written: what a load's rollup rebuild reads).
func (s *Snapshot) with(entries []journalEntry) *Snapshot {
	n := &Snapshot{version: s.version, live: make(map[string]map[string]uint64, len(s.live))}
	for t, parts := range s.live {
		m := make(map[string]uint64, len(parts))
		for p, g := range parts {
			m[p] = g
		}
		n.live[t] = m
	}
	for _, e := range entries {
		if n.live[e.table] == nil {
			n.live[e.table] = map[string]uint64{}
		}
		n.live[e.table][e.part] = e.gen
	}
	return n
}

// journalEntry is a row of load_journal.
type journalEntry struct {
	table, part string
	gen         uint64
}

// snapshotTTL is how long a process reuses the current snapshot without
// asking the warehouse whether a load committed: with the time a request
// takes to start, no answer is older than the last commit by more than 1 s.
const snapshotTTL = 500 * time.Millisecond

// snapshots caches the current snapshot of a DB.
type snapshots struct {
	mu       sync.Mutex
	cur      *Snapshot
	checked  time.Time
	inflight chan struct{} // closed when the refresh under way ends
}

// Snapshot returns the current committed state (read at most snapshotTTL
// ago). Within a request use SnapshotFor, which pins one. Concurrent
// callers share one refresh; each waits for it no longer than its ctx.
func (d *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	for {
		d.snaps.mu.Lock()
		if d.snaps.cur != nil && time.Since(d.snaps.checked) < snapshotTTL {
			s := d.snaps.cur
			d.snaps.mu.Unlock()
			return s, nil
		}
		if ch := d.snaps.inflight; ch != nil {
			d.snaps.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, errUnavailable(ctx)
			}
		}
		ch := make(chan struct{})
		d.snaps.inflight = ch
		cur := d.snaps.cur
		d.snaps.mu.Unlock()
		start := time.Now() // the snapshot is as fresh as the moment its version was asked
		// Under a tag of its own: the refresh serves every request, it is
		// none of them (their query counts and audit lines leave it out).
		s, err := d.refresh(WithTag(ctx, "snapshot-"+NewID()[:8], "snapshot"), cur)
		d.snaps.mu.Lock()
		if err == nil {
			d.snaps.cur, d.snaps.checked = s, start
		}
		d.snaps.inflight = nil
		close(ch)
		d.snaps.mu.Unlock()
		return s, err
	}
}

// refresh reads the data version and, when it moved, the journal.
func (d *DB) refresh(ctx context.Context, cur *Snapshot) (*Snapshot, error) {
	v, err := d.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.version == v {
		return cur, nil
	}
	return d.snapshotAt(ctx, 0)
}

func errUnavailable(ctx context.Context) error {
	return apperr.Wrap(apperr.Unavailable, ctx.Err(), "the warehouse did not answer in time")
}

// forget drops the cached snapshot (after this process committed).
func (d *DB) forget() {
	d.snaps.mu.Lock()
	d.snaps.cur = nil
	d.snaps.mu.Unlock()
}

// DataVersion returns the version of the last committed load (0 for a
// warehouse nothing was ever committed to). It only grows.
func (d *DB) DataVersion(ctx context.Context) (uint64, error) {
	var v uint64
	err := d.scanAll(ctx, "journal.version", func(r driver.Rows) error { return r.Scan(&v) },
		"SELECT max(version) FROM "+d.table("load_journal"))
	return v, err
}

// snapshotAt reads the journal as of version v (0: the latest).
func (d *DB) snapshotAt(ctx context.Context, v uint64) (*Snapshot, error) {
	s := &Snapshot{live: map[string]map[string]uint64{}}
	where, args := "", []any{}
	if v > 0 {
		where, args = " WHERE version <= ?", []any{v}
	}
	err := d.scanAll(ctx, "journal.snapshot", func(r driver.Rows) error {
		var t, p string
		var g, ver uint64
		if err := r.Scan(&t, &p, &g, &ver); err != nil {
			return err
		}
		if s.live[t] == nil {
			s.live[t] = map[string]uint64{}
		}
		s.live[t][p] = g
		s.version = max(s.version, ver)
		return nil
	}, "SELECT table_name, part, argMax(gen, version), max(version) FROM "+d.table("load_journal")+where+
		" GROUP BY table_name, part", args...)
	if err != nil {
		return nil, err
	}
	if v > 0 {
		s.version = v
	}
	return s, nil
}

type snapshotKey struct{}

// snapshotSlot holds the snapshot a request pinned: taken by its first read
// of a versioned table.
type snapshotSlot struct {
	mu   sync.Mutex
	snap *Snapshot
}

// WithSnapshotSlot returns ctx in which the first read of a versioned table
// pins the current snapshot for every later read (a request's reads).
func WithSnapshotSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, snapshotKey{}, &snapshotSlot{})
}

// WithSnapshot returns ctx reading every versioned table through s.
func WithSnapshot(ctx context.Context, s *Snapshot) context.Context {
	return context.WithValue(ctx, snapshotKey{}, &snapshotSlot{snap: s})
}

// SnapshotFor returns the snapshot reads under ctx use: the one ctx pinned
// (WithSnapshot, or the first of WithSnapshotSlot), else the current one.
func (d *DB) SnapshotFor(ctx context.Context) (*Snapshot, error) {
	slot, _ := ctx.Value(snapshotKey{}).(*snapshotSlot)
	if slot == nil {
		return d.Snapshot(ctx)
	}
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.snap == nil {
		s, err := d.Snapshot(ctx)
		if err != nil {
			return nil, err
		}
		slot.snap = s
	}
	return slot.snap, nil
}

// live is the live-rows condition of table for ctx's snapshot.
func (d *DB) live(ctx context.Context, table string) (string, error) {
	s, err := d.SnapshotFor(ctx)
	if err != nil {
		return "", err
	}
	return s.Live(table), nil
}

// writeJournal publishes entries as data version v: one block, one part,
// so readers see all of them or none.
func (d *DB) writeJournal(ctx context.Context, v uint64, batch string, at time.Time, entries []journalEntry) error {
	_, err := d.insertCols(ctx, "load_journal", journalColumns, func(add AppendFunc) error {
		for _, e := range entries {
			if err := add(v, batch, e.table, e.part, e.gen, at); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

var journalColumns = []string{"version", "batch_id", "table_name", "part", "gen", "committed_at"}
