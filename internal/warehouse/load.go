package warehouse

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
)

// A Load writes new generations of the parts it touches and publishes them
// with one journal block (docs/loads.md). Rows are inserted straight into
// the tables under generations nobody reads yet, with no lock held; Commit,
// under the warehouse write lock, copies into them the rows of each part
// the load does not replace (from the live generation: the other districts
// of a state-year, the other members), rebuilds the derived tables of the
// touched years into new generations, and inserts the journal entries. A
// load killed before that insert published nothing; after it, everything.
//
// What a load replaces depends on the table (loadKinds):
//   - staff_assignments, enrollment: whole district-years. A district-year
//     present in the load is replaced whole; every other one is untouched.
//     Replacing a district-year that holds rows needs its district named in
//     LoadOptions.ReplaceDistricts, or Force; so does shrinking one below
//     half its rows. A district-year with rejected rows (Reject) keeps its
//     old rows unless Partial.
//   - members, member_events: whole members. A member present in the load
//     gets exactly the load's record (members) or events (member_events);
//     other members are untouched.
//
// Loading the same rows twice leaves the warehouse as after once. Loads may
// run at the same time, in any process on any machine: their commits are
// serialised by the write lock, and a later commit copies an earlier one's
// rows, so two loads of different districts of one state-year both land.
type Load struct {
	d       *DB
	opt     LoadOptions
	main    string // Insert's table ("" for a batch of several)
	loadNo  uint64
	started time.Time
	lease   *lease    // batch:<load no>, while it runs
	begin   *Snapshot // the committed state when it began

	mu          sync.Mutex
	ordinal     uint64
	tables      map[string]*tableLoad
	order       []string // tables in the order first written
	rejectStage string
	rejects     uint64
	done        bool
}

// LoadOptions say what a load is and what it may replace.
type LoadOptions struct {
	BatchID string
	Source  string // the file, for the loads log
	// ReplaceDistricts names the districts (LEA ids) whose district-years
	// holding rows the load may replace.
	ReplaceDistricts []string
	// Force replaces any district-year, and lets one shrink below half.
	Force bool
	// Partial replaces district-years with rejected rows too (with their
	// valid rows).
	Partial bool
	// DryRun writes nothing: rows are counted, and Commit returns the plan.
	DryRun bool
}

// tableLoad is what a load wrote into one table.
type tableLoad struct {
	table    string
	kind     *loadKind
	rows     uint64
	rejected uint64

	mu      sync.Mutex
	parts   map[string]*partLoad
	members map[string]bool
	last    *partLoad // the part of the previous row (rows come in runs)
	lastKey [2]any
}

// partLoad is one part a load writes.
type partLoad struct {
	part     string
	gen      uint64
	leas     map[string]uint64 // district tables: rows per district
	rejected map[string]uint64 // district tables: rejected rows per district
}

// loadKind is how a table is loaded: what a row replaces and where it lives.
type loadKind struct {
	// note records a row's part and what it replaces, and returns its part.
	note func(tl *tableLoad, l *Load, values []any) (*partLoad, error)
	// oldParts lists parts holding rows the load replaces that its new rows
	// do not touch (a member's events of other years).
	oldParts func(ctx context.Context, d *DB, tl *tableLoad, snap *Snapshot) ([]string, error)
	// keep selects the rows of a part the load does not replace (the live
	// generation's filter is added by the caller).
	keep func(tl *tableLoad, p *partLoad) (where string, args []any)
	// rollups says the derived tables follow this table.
	rollups bool
	// districts says the table is replaced by district-year.
	districts bool
}

var districtYears = loadKind{
	districts: true,
	note: func(tl *tableLoad, l *Load, v []any) (*partLoad, error) {
		if lea, ok := v[2].(string); ok && tl.last != nil && tl.lastKey[0] == v[0] && tl.lastKey[1] == v[1] {
			tl.last.leas[lea]++
			return tl.last, nil
		}
		year, ok1 := v[0].(uint16)
		state, ok2 := v[1].(string)
		lea, ok3 := v[2].(string)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("warehouse: %s rows start with school_year uint16, state_code, lea_id strings", tl.table)
		}
		p, err := tl.part(l, districtPart(year, state))
		if err != nil {
			return nil, err
		}
		p.leas[lea]++
		tl.last, tl.lastKey = p, [2]any{v[0], v[1]}
		return p, nil
	},
	keep: func(tl *tableLoad, p *partLoad) (string, []any) {
		return "NOT (" + inList("lea_id") + ")", []any{mapKeys(p.leas)}
	},
}

var loadKinds = map[string]*loadKind{
	TableStaffAssignments: withRollups(districtYears),
	// Enrollment feeds the place rollups (students beside leaders).
	TableEnrollment: withRollups(districtYears),
	TableMembers: {
		note: func(tl *tableLoad, l *Load, v []any) (*partLoad, error) {
			id, ok := v[0].(string)
			if !ok {
				return nil, fmt.Errorf("warehouse: members rows start with member_id string")
			}
			tl.members[id] = true
			return tl.part(l, "")
		},
		keep: func(tl *tableLoad, _ *partLoad) (string, []any) {
			return "NOT (" + inList("member_id") + ")", []any{mapKeys(tl.members)}
		},
	},
	TableMemberEvents: {
		note: func(tl *tableLoad, l *Load, v []any) (*partLoad, error) {
			id, ok1 := v[0].(string)
			date, ok2 := v[1].(time.Time)
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("warehouse: member_events rows start with member_id string, event_date time.Time")
			}
			tl.members[id] = true
			return tl.part(l, yearPart(uint16(date.Year())))
		},
		oldParts: func(ctx context.Context, d *DB, tl *tableLoad, snap *Snapshot) ([]string, error) {
			var parts []string
			err := d.scanAll(ctx, "load.old_years", func(r driver.Rows) error {
				var y uint16
				err := r.Scan(&y)
				parts = append(parts, yearPart(y))
				return err
			}, "SELECT DISTINCT toYear(event_date) FROM "+d.table(TableMemberEvents)+" WHERE "+snap.Live(TableMemberEvents)+
				" AND "+inList("member_id"), mapKeys(tl.members))
			return parts, err
		},
		keep: func(tl *tableLoad, _ *partLoad) (string, []any) {
			return "NOT (" + inList("member_id") + ")", []any{mapKeys(tl.members)}
		},
	},
}

func withRollups(k loadKind) *loadKind {
	k.rollups = true
	return &k
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// part returns (creating) the load's part p of the table, with a new
// generation.
func (tl *tableLoad) part(l *Load, p string) (*partLoad, error) {
	if x := tl.parts[p]; x != nil {
		return x, nil
	}
	gen, err := l.newGen()
	if err != nil {
		return nil, err
	}
	x := &partLoad{part: p, gen: gen, leas: map[string]uint64{}, rejected: map[string]uint64{}}
	tl.parts[p] = x
	return x, nil
}

// newGen allocates the load's next generation.
func (l *Load) newGen() (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ordinal == maxOrdinal {
		return 0, apperr.Errorf(apperr.Invalid, "a load may write at most %d partitions (state-years, years); split the file", maxOrdinal-1)
	}
	l.ordinal++
	return l.loadNo<<ordinalBits | l.ordinal, nil
}

// BeginLoad starts a load into table (staff_assignments, enrollment,
// members or member_events); Insert adds its rows.
func (d *DB) BeginLoad(ctx context.Context, table string, o LoadOptions) (*Load, error) {
	if loadKinds[table] == nil {
		return nil, fmt.Errorf("warehouse: %q cannot be loaded", table)
	}
	l, err := d.BeginBatch(ctx, o)
	if err != nil {
		return nil, err
	}
	l.main = table
	if _, err := l.table(table); err != nil {
		return nil, err
	}
	if !o.DryRun {
		if err := d.RecordLoad(ctx, l.record(table, "started")); err != nil {
			l.Abort(ctx)
			return nil, err
		}
	}
	return l, nil
}

// BeginBatch starts a load of several tables (a seed): InsertTable adds
// rows to any of them, and the dimension tables, which are not versioned,
// get their rows at once.
func (d *DB) BeginBatch(ctx context.Context, o LoadOptions) (*Load, error) {
	if o.BatchID == "" {
		o.BatchID = "batch-" + NewID()
	}
	l := &Load{d: d, opt: o, loadNo: newLoadNo(), started: time.Now().UTC(), tables: map[string]*tableLoad{}}
	snap, err := d.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	l.begin = snap
	if o.DryRun {
		return l, nil
	}
	// Held before any row is written: the janitor keeps the generations of
	// a load whose lease lives.
	if l.lease, err = d.hold(ctx, fmt.Sprintf("batch:%d", l.loadNo), "load "+o.BatchID); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Load) table(t string) (*tableLoad, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tl := l.tables[t]; tl != nil {
		return tl, nil
	}
	k := loadKinds[t]
	if k == nil {
		return nil, fmt.Errorf("warehouse: %q cannot be loaded", t)
	}
	tl := &tableLoad{table: t, kind: k, parts: map[string]*partLoad{}, members: map[string]bool{}}
	l.tables[t] = tl
	l.order = append(l.order, t)
	return tl, nil
}

// record is the loads-log row of l's table in a given status.
func (l *Load) record(table, status string) LoadRecord {
	r := LoadRecord{BatchID: l.opt.BatchID, Table: table, Source: l.opt.Source, Status: status, StartedAt: l.started,
		FinishedAt: time.Now().UTC(), LoadNo: l.loadNo}
	l.mu.Lock()
	tl := l.tables[table]
	l.mu.Unlock()
	if tl != nil {
		tl.mu.Lock()
		r.Rows, r.Rejected = tl.rows, tl.rejected
		tl.mu.Unlock()
	}
	return r
}

// LoadNo is the load's number (generations are LoadNo × 4096 + ordinal).
func (l *Load) LoadNo() uint64 { return l.loadNo }

// Insert adds rows to the load's table, given in its column order (see
// Insert); call it once per chunk.
func (l *Load) Insert(ctx context.Context, fill func(add AppendFunc) error) (int, error) {
	return l.InsertTable(ctx, l.main, fill)
}

// InsertTable adds rows to one table of a batch. Rows of a dimension table
// (states, districts, schools, goals) are inserted as they are.
func (l *Load) InsertTable(ctx context.Context, table string, fill func(add AppendFunc) error) (int, error) {
	if loadKinds[table] == nil {
		if l.opt.DryRun {
			return 0, nil
		}
		return l.d.Insert(ctx, table, fill)
	}
	tl, err := l.table(table)
	if err != nil {
		return 0, err
	}
	note := func(values []any) (*partLoad, error) {
		tl.mu.Lock()
		defer tl.mu.Unlock()
		return tl.kind.note(tl, l, values)
	}
	var n int
	if l.opt.DryRun {
		err = fill(func(values ...any) error {
			if len(values) != len(insertable[table]) {
				return fmt.Errorf("warehouse: insert into %s: %d values for %d columns", table, len(values), len(insertable[table]))
			}
			_, err := note(values)
			n++
			return err
		})
	} else {
		n, err = l.d.insertCols(ctx, table, append(slices.Clone(insertable[table]), "gen"), func(add AppendFunc) error {
			row := make([]any, len(insertable[table])+1) // reused: add copies the values
			return fill(func(values ...any) error {
				p, err := note(values)
				if err != nil {
					return err
				}
				if len(values) != len(row)-1 {
					return fmt.Errorf("warehouse: insert into %s: %d values for %d columns", table, len(values), len(row)-1)
				}
				copy(row, values)
				row[len(row)-1] = p.gen
				return add(row...)
			})
		})
	}
	tl.mu.Lock()
	tl.rows += uint64(n)
	tl.mu.Unlock()
	if err == nil && !l.opt.DryRun {
		failpoint("stage")
	}
	return n, err
}

// Reject records a refused row of the load's table: its district-year (when
// the row told it) is then not replaced, unless Partial.
func (l *Load) Reject(schoolYear uint16, stateCode, leaID string) {
	tl, err := l.table(l.main)
	if err != nil {
		return
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.rejected++
	if !tl.kind.districts || schoolYear == 0 || leaID == "" || stateCode == "" {
		return
	}
	p, err := tl.part(l, districtPart(schoolYear, stateCode))
	if err == nil {
		p.rejected[leaID]++
	}
}

// InsertRejects stages rejected rows of the load for the quarantine
// (load_rejects): they are moved there when the load commits, and dropped
// with it when it fails.
func (l *Load) InsertRejects(ctx context.Context, rows []RejectRow) error {
	if len(rows) == 0 || l.opt.DryRun {
		return nil
	}
	l.mu.Lock()
	stage := l.rejectStage
	if stage == "" {
		stage = fmt.Sprintf("%s%d", rejectStagePrefix, l.loadNo)
		if err := l.d.exec(ctx, "load.rejects_stage", "CREATE TABLE IF NOT EXISTS "+l.d.table(stage)+" AS "+l.d.table("load_rejects")); err != nil {
			l.mu.Unlock()
			return err
		}
		l.rejectStage = stage
	}
	l.rejects += uint64(len(rows))
	l.mu.Unlock()
	return l.d.insertRejects(ctx, stage, l.opt.BatchID, l.main, l.opt.Source, rows)
}

const rejectStagePrefix = "stage_rejects_"

// PlanEntry is what a load does to one district-year (or, for members and
// events, to the members it names).
type PlanEntry struct {
	Table      string
	SchoolYear uint16 // 0 for members and events
	StateCode  string
	LeaID      string // "" for members and events
	Before     uint64 // live rows now
	After      uint64 // rows after the load
	FileRows   uint64 // valid rows of the file
	Rejected   uint64 // rows of the file refused
	Action     string // new, replace, keep (rows rejected), refused: …
}

// Plan actions.
const (
	ActionNew     = "new"
	ActionReplace = "replace"
	ActionKeep    = "keep"
	ActionRefuse  = "refuse"
)

// LoadSummary is what a commit did.
type LoadSummary struct {
	DataVersion uint64 // the version the load became (0: nothing published)
	Plan        []PlanEntry
	// Concurrent names the parts another load committed while this one ran
	// (this load's rows replace theirs where both wrote; the rest is kept).
	Concurrent []string
	Waited     time.Duration // for the write lock
}

// Refusals lists the plan's refused entries.
func (s *LoadSummary) Refusals() []PlanEntry {
	var out []PlanEntry
	for _, e := range s.Plan {
		if strings.HasPrefix(e.Action, ActionRefuse) {
			out = append(out, e)
		}
	}
	return out
}

// RefusedError is returned by Commit when the plan refuses a replacement;
// nothing was published.
type RefusedError struct{ Summary *LoadSummary }

func (e *RefusedError) Error() string {
	var parts []string
	for _, r := range e.Summary.Refusals() {
		parts = append(parts, fmt.Sprintf("%s %d %s (%d rows → %d): %s", r.LeaID, r.SchoolYear, r.Table, r.Before, r.After,
			strings.TrimPrefix(r.Action, ActionRefuse+": ")))
	}
	return "refused to replace " + strings.Join(parts, "; ")
}

// Commit publishes the load (see Load). With DryRun it publishes nothing
// and returns the plan. A refused plan returns *RefusedError and leaves
// nothing behind.
func (l *Load) Commit(ctx context.Context) (*LoadSummary, error) {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return nil, fmt.Errorf("warehouse: load %s already finished", l.opt.BatchID)
	}
	l.done = true
	l.mu.Unlock()
	if l.opt.DryRun {
		snap, err := l.d.snapshotAt(ctx, 0)
		if err != nil {
			return nil, err
		}
		sum := &LoadSummary{}
		if sum.Plan, err = l.plan(ctx, snap); err != nil {
			return nil, err
		}
		if len(sum.Refusals()) > 0 {
			return sum, &RefusedError{sum}
		}
		return sum, nil
	}
	sum, garbage, err := l.commit(ctx)
	bg := context.WithoutCancel(ctx)
	if err != nil {
		l.cleanup(bg, nil)
		status := "failed"
		for _, t := range l.order {
			_ = l.d.RecordLoad(bg, l.record(t, status))
		}
		l.lease.release(bg)
		return sum, err
	}
	l.d.forget()
	for _, t := range l.order {
		r := l.record(t, "done")
		r.DataVersion = sum.DataVersion
		r.Summary = summaryLine(sum, t)
		if err := l.d.RecordLoad(bg, r); err != nil {
			l.d.log.Warn("recording a committed load", "batch", l.opt.BatchID, "err", err)
		}
	}
	l.cleanup(bg, garbage)
	l.lease.release(bg)
	return sum, nil
}

// summaryLine is the loads log's summary of a commit for one table.
func summaryLine(s *LoadSummary, table string) string {
	n := map[string]int{}
	for _, e := range s.Plan {
		if e.Table == table {
			n[strings.SplitN(e.Action, ":", 2)[0]]++
		}
	}
	var parts []string
	for _, a := range []string{ActionNew, ActionReplace, ActionKeep} {
		if n[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// commit does Commit's work under the write lock; garbage are generations
// it wrote and did not publish.
func (l *Load) commit(ctx context.Context) (*LoadSummary, map[string][]uint64, error) {
	t0 := time.Now()
	lk, err := l.d.lockWrites(ctx, "load "+l.opt.BatchID)
	if err != nil {
		return nil, nil, err
	}
	defer lk.release(ctx)
	failpoint("locked")
	sum := &LoadSummary{Waited: time.Since(t0)}
	if err := l.d.checkNotKilled(ctx, l); err != nil {
		return sum, nil, err
	}
	snap, err := l.d.snapshotAt(ctx, 0)
	if err != nil {
		return sum, nil, err
	}
	if sum.Plan, err = l.plan(ctx, snap); err != nil {
		return sum, nil, err
	}
	if len(sum.Refusals()) > 0 {
		return sum, nil, &RefusedError{sum}
	}
	entries, garbage, years, err := l.build(ctx, snap)
	if err != nil {
		return sum, nil, err
	}
	if len(entries) == 0 {
		return sum, garbage, nil // nothing touched
	}
	failpoint("kept")
	for _, e := range entries {
		if l.begin.Gen(e.table, e.part) != snap.Gen(e.table, e.part) {
			sum.Concurrent = append(sum.Concurrent, e.table+" "+e.part)
		}
	}
	if len(years) > 0 {
		r, err := l.d.buildRollups(ctx, l, snap.with(entries), years)
		if err != nil {
			return sum, nil, err
		}
		entries = append(entries, r...)
	}
	if !lk.ok() || (l.lease != nil && !l.lease.ok()) {
		return sum, nil, apperr.Errorf(apperr.Unavailable, "load %s lost its lease on the warehouse (heartbeats failed); nothing was published",
			l.opt.BatchID)
	}
	v := snap.version + 1
	if err := l.d.writeJournal(ctx, v, l.opt.BatchID, time.Now().UTC(), entries); err != nil {
		return sum, nil, err
	}
	sum.DataVersion = v
	failpoint("published")
	return sum, garbage, nil
}

// plan compares the load with the snapshot: each district-year's rows now
// and after, and what the load does to it.
func (l *Load) plan(ctx context.Context, snap *Snapshot) ([]PlanEntry, error) {
	named := map[string]bool{}
	for _, d := range l.opt.ReplaceDistricts {
		named[d] = true
	}
	var out []PlanEntry
	for _, t := range l.order {
		tl := l.tables[t]
		if !tl.kind.districts {
			if len(tl.members) == 0 {
				continue
			}
			before, err := l.d.liveMembers(ctx, snap, t, mapKeys(tl.members))
			if err != nil {
				return nil, err
			}
			out = append(out, PlanEntry{Table: t, Before: before, After: tl.rows, FileRows: tl.rows, Rejected: tl.rejected, Action: ActionReplace})
			continue
		}
		before, err := l.d.districtYearRows(ctx, snap, t, tl)
		if err != nil {
			return nil, err
		}
		for _, p := range tl.parts {
			year, state := parsePart(p.part)
			for _, lea := range mapKeys(unionKeys(p.leas, p.rejected)) {
				e := PlanEntry{Table: t, SchoolYear: year, StateCode: state, LeaID: lea, Before: before[p.part+" "+lea],
					After: p.leas[lea], FileRows: p.leas[lea], Rejected: p.rejected[lea]}
				switch {
				case e.Rejected > 0 && !l.opt.Partial:
					e.Action, e.After = ActionKeep, e.Before
				case e.Before > 0 && !l.opt.Force && !named[lea]:
					e.Action = ActionRefuse + ": it holds rows and its district is not named (--replace-district " + lea + ", or --force)"
				case e.Before > 0 && e.After*2 < e.Before && !l.opt.Force:
					e.Action = ActionRefuse + ": it would lose most of its rows (--force)"
				case e.Before > 0:
					e.Action = ActionReplace
				default:
					e.Action = ActionNew
				}
				out = append(out, e)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Table != b.Table {
			return slices.Index(l.order, a.Table) < slices.Index(l.order, b.Table)
		}
		if a.SchoolYear != b.SchoolYear {
			return a.SchoolYear < b.SchoolYear
		}
		return a.LeaID < b.LeaID
	})
	return out, nil
}

func unionKeys(a, b map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(a)+len(b))
	for k := range a {
		out[k] = 1
	}
	for k := range b {
		out[k] = 1
	}
	return out
}

// districtYearRows counts the live rows of the district-years a load
// touches, keyed "part lea".
func (d *DB) districtYearRows(ctx context.Context, snap *Snapshot, table string, tl *tableLoad) (map[string]uint64, error) {
	var gens []uint64
	for _, p := range tl.parts {
		if g := snap.Gen(table, p.part); g != 0 {
			gens = append(gens, g)
		}
	}
	out := map[string]uint64{}
	if len(gens) == 0 {
		return out, nil
	}
	slices.Sort(gens)
	err := d.scanAll(ctx, "load.plan", func(r driver.Rows) error {
		var y uint16
		var st, lea string
		var n uint64
		if err := r.Scan(&y, &st, &lea, &n); err != nil {
			return err
		}
		out[districtPart(y, st)+" "+lea] = n
		return nil
	}, "SELECT school_year, state_code, lea_id, count() FROM "+d.table(table)+" WHERE "+genFilter(gens)+
		" GROUP BY school_year, state_code, lea_id")
	return out, err
}

// liveMembers counts the live rows of the given members.
func (d *DB) liveMembers(ctx context.Context, snap *Snapshot, table string, ids []string) (uint64, error) {
	var n uint64
	final := ""
	if table == TableMembers {
		final = " FINAL"
	}
	err := d.scanAll(ctx, "load.plan_members", func(r driver.Rows) error { return r.Scan(&n) },
		"SELECT count() FROM "+d.table(table)+final+" WHERE "+snap.Live(table)+" AND "+inList("member_id"), ids)
	return n, err
}

// build completes the load's generations: into each touched part the rows
// it keeps from the live generation. It returns the journal entries of the
// facts, the generations written and not to be published, and the school
// years whose derived tables follow.
func (l *Load) build(ctx context.Context, snap *Snapshot) ([]journalEntry, map[string][]uint64, []uint16, error) {
	var entries []journalEntry
	garbage := map[string][]uint64{}
	var years []uint16
	for _, t := range l.order {
		tl := l.tables[t]
		if tl.kind.oldParts != nil && len(tl.members) > 0 {
			old, err := tl.kind.oldParts(ctx, l.d, tl, snap)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, p := range old {
				if _, err := tl.part(l, p); err != nil {
					return nil, nil, nil, err
				}
			}
		}
		cols := strings.Join(insertable[t], ", ")
		copyRows := func(to, from uint64, where string, args []any) error {
			if from == 0 {
				return nil
			}
			return l.d.maintain(ctx, "load.keep", "INSERT INTO "+l.d.table(t)+" ("+cols+", gen) SELECT "+cols+", toUInt64(?) FROM "+
				l.d.table(t)+" WHERE gen = ? AND "+where, append([]any{to, from}, args...)...)
		}
		for _, name := range mapKeys(tl.parts) {
			p := tl.parts[name]
			var kept []string // districts whose rows were rejected: not replaced
			if tl.kind.districts && !l.opt.Partial {
				kept = mapKeys(p.rejected)
			}
			live := snap.Gen(t, p.part)
			final := p.gen
			where, args := tl.kind.keep(tl, p)
			if len(kept) > 0 {
				// The staged rows of kept districts are in p.gen: a new
				// generation takes the others, and the kept districts' old rows.
				var err error
				if final, err = l.newGen(); err != nil {
					return nil, nil, nil, err
				}
				garbage[t] = append(garbage[t], p.gen)
				if err := copyRows(final, p.gen, "NOT ("+inList("lea_id")+")", []any{kept}); err != nil {
					return nil, nil, nil, err
				}
				where = "(" + where + " OR " + inList("lea_id") + ")"
				args = append(args, kept)
			}
			if err := copyRows(final, live, where, args); err != nil {
				return nil, nil, nil, err
			}
			entries = append(entries, journalEntry{table: t, part: p.part, gen: final})
			if y, _ := parsePart(p.part); tl.kind.rollups && !slices.Contains(years, y) {
				years = append(years, y)
			}
		}
	}
	slices.Sort(years)
	return entries, garbage, years, nil
}

// checkNotKilled refuses to commit a load the janitor declared dead (its
// lease lapsed, its generations dropped): under the write lock, as the
// janitor marks it.
func (d *DB) checkNotKilled(ctx context.Context, l *Load) error {
	if l.main == "" {
		return nil
	}
	var status string
	err := d.scanAll(ctx, "load.status", func(r driver.Rows) error { return r.Scan(&status) },
		"SELECT toString(status) FROM "+d.table("loads")+" WHERE table_name = ? AND batch_id = ? AND load_no = ? AND status = 'killed' LIMIT 1",
		l.main, l.opt.BatchID, l.loadNo)
	if err != nil {
		return err
	}
	if status == "killed" {
		return apperr.Errorf(apperr.Unavailable, "load %s was taken for dead (its lease on the warehouse lapsed) and its rows were dropped; "+
			"nothing was published: load the file again", l.opt.BatchID)
	}
	return nil
}

// cleanup drops what the load wrote and does not publish (garbage; when
// nil, a failed load: everything it wrote) and, after a commit, moves its
// quarantine rows in. What it fails to drop, the janitor drops.
func (l *Load) cleanup(ctx context.Context, garbage map[string][]uint64) {
	if garbage == nil {
		if l.rejectStage != "" {
			_ = l.d.exec(ctx, "load.rejects_drop", "DROP TABLE IF EXISTS "+l.d.table(l.rejectStage))
		}
		if err := l.d.dropLoad(ctx, l.loadNo); err != nil {
			l.d.log.Warn("dropping a failed load's partitions (the janitor retries)", "batch", l.opt.BatchID, "err", err)
		}
		return
	}
	if l.rejectStage != "" {
		if err := l.d.moveRejects(ctx, l.rejectStage, l.opt.BatchID); err != nil {
			l.d.log.Warn("moving a load's rejected rows to the quarantine (the janitor retries)", "batch", l.opt.BatchID, "err", err)
		}
	}
	for t, gens := range garbage {
		if err := l.d.dropGens(ctx, t, func(g uint64) bool { return slices.Contains(gens, g) }); err != nil {
			l.d.log.Warn("dropping a load's unpublished partitions (the janitor retries)", "table", t, "err", err)
		}
	}
}

// Abort ends a load that will not commit: what it wrote is dropped, the
// warehouse is unchanged.
func (l *Load) Abort(ctx context.Context) error {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return nil
	}
	l.done = true
	l.mu.Unlock()
	if l.opt.DryRun {
		return nil
	}
	bg := context.WithoutCancel(ctx)
	l.cleanup(bg, nil)
	for _, t := range l.order {
		_ = l.d.RecordLoad(bg, l.record(t, "failed"))
	}
	l.lease.release(bg)
	return nil
}

// moveRejects moves a load's staged quarantine rows into load_rejects (rows
// already there are not added again, so a retry after a crash is safe) and
// drops the stage.
func (d *DB) moveRejects(ctx context.Context, stage, batch string) error {
	cols := strings.Join(rejectColumns, ", ")
	if err := d.maintain(ctx, "load.rejects_move", "INSERT INTO "+d.table("load_rejects")+" ("+cols+") SELECT "+cols+" FROM "+
		d.table(stage)+" WHERE (batch_id, line, column_name) NOT IN (SELECT batch_id, line, column_name FROM "+d.table("load_rejects")+
		" WHERE batch_id = ?)", batch); err != nil {
		return err
	}
	return d.exec(ctx, "load.rejects_drop", "DROP TABLE IF EXISTS "+d.table(stage))
}

// appendDirect is Insert into a versioned fact table: rows are appended to
// the live generation of their part, or, for a part without one, to a new
// generation published right after the insert. The rows are visible at
// once and not atomically, and the append is not serialised with loads: it
// is for fixtures and tools working alone. Loads use BeginLoad.
func (d *DB) appendDirect(ctx context.Context, table string, fill func(add AppendFunc) error) (int, error) {
	snap, err := d.snapshotAt(ctx, 0)
	if err != nil {
		return 0, err
	}
	l, err := d.BeginBatch(ctx, LoadOptions{BatchID: "append-" + NewID()[:8], Source: "insert"})
	if err != nil {
		return 0, err
	}
	defer l.lease.release(context.WithoutCancel(ctx))
	tl, err := l.table(table)
	if err != nil {
		return 0, err
	}
	gens := map[*partLoad]uint64{}
	n, err := d.insertCols(ctx, table, append(slices.Clone(insertable[table]), "gen"), func(add AppendFunc) error {
		return fill(func(values ...any) error {
			p, err := tl.kind.note(tl, l, values)
			if err != nil {
				return err
			}
			g, ok := gens[p]
			if !ok {
				if g = snap.Gen(table, p.part); g == 0 {
					g = p.gen
				}
				gens[p] = g
			}
			return add(append(values, g)...)
		})
	})
	if err != nil {
		_ = d.dropLoad(context.WithoutCancel(ctx), l.loadNo)
		return 0, err
	}
	var fresh []*partLoad
	for p, g := range gens {
		if g == p.gen {
			fresh = append(fresh, p)
		}
	}
	if len(fresh) == 0 {
		return n, nil
	}
	lk, err := d.lockWrites(ctx, "insert into "+table)
	if err != nil {
		return 0, err
	}
	defer lk.release(ctx)
	now, err := d.snapshotAt(ctx, 0)
	if err != nil {
		return 0, err
	}
	var entries []journalEntry
	cols := strings.Join(insertable[table], ", ")
	for _, p := range fresh {
		if g := now.Gen(table, p.part); g != 0 {
			// Another writer published the part meanwhile: join it.
			if err := d.maintain(ctx, "insert.join", "INSERT INTO "+d.table(table)+" ("+cols+", gen) SELECT "+cols+", toUInt64(?) FROM "+
				d.table(table)+" WHERE gen = ?", g, p.gen); err != nil {
				return 0, err
			}
			if err := d.dropGens(ctx, table, func(x uint64) bool { return x == p.gen }); err != nil {
				return 0, err
			}
			continue
		}
		entries = append(entries, journalEntry{table: table, part: p.part, gen: p.gen})
	}
	if len(entries) > 0 {
		if err := d.writeJournal(ctx, now.version+1, l.opt.BatchID, time.Now().UTC(), entries); err != nil {
			return 0, err
		}
		d.forget()
	}
	return n, nil
}
