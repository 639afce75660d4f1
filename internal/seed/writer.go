package seed

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
)

// chunkRows is the most rows one insert carries: it bounds the memory of a
// chunk being built plus the chunks in flight. The facts, buffered per school
// year, use yearChunkRows, as ten years of buffers are held at once: with two
// workers the national profile peaks at ≈145 MB of heap in use at scale 1
// (measured; 40k-row chunks gave ≈180 MB).
const (
	chunkRows     = 100_000
	yearChunkRows = 25_000
)

// insertWorkers send chunks while the generator builds the next ones.
const insertWorkers = 2

// errStopped tells the generator to stop because an insert failed.
var errStopped = errors.New("seed: stopped after a failed insert")

// place is where a row belongs (state_code, lea_id, school_id); rows point
// at a shared place instead of copying its ids. The ids are kept boxed, so
// appending a row does not allocate them again.
type place struct {
	boxed [3]any
}

func newPlace(state, lea, school string) *place {
	return &place{boxed: [3]any{state, lea, school}}
}

// Compact rows: the strings they stand for are looked up when the chunk is
// sent, so a chunk of 100k staff rows is a few MB.
type staffRow struct {
	pl     *place
	key    uint64
	fte    float32
	year   uint16
	title  uint16
	role   int8
	prof   uint8
	gender uint8
}

type enrollRow struct {
	pl       *place
	students uint32
	year     uint16
	eth      uint8
	ell      uint8
}

type stateRow struct {
	code, fips, name string
	synthetic        uint8
}

type districtRow struct {
	id, state, name, typ, locale string
	synthetic                    uint8
}

type schoolRow struct {
	id, lea, state, name, level string
	charter, title1, synthetic  uint8
}

type memberRow struct {
	id       string
	key      uint64
	state    string
	lea      string
	joinedOn time.Time
	leftOn   *time.Time
}

type eventRow struct {
	member string
	date   time.Time
	typ    string
	role   string
	lea    string
	detail string
}

type goalRow struct {
	id, title, measure, scope, scopeID, tier string
	baselineYear                             uint16
	baselineValue                            float64
	targetYear                               uint16
	targetValue                              float64
}

// job is one chunk for one table.
type job struct {
	table string
	fill  func(add warehouse.AppendFunc) error
}

// writer buffers rows per table and hands full chunks to insert workers.
type writer struct {
	ctx      context.Context
	cancel   context.CancelFunc
	load     *warehouse.Load
	batch    string
	progress func(Progress)
	jobs     chan job
	wg       sync.WaitGroup

	mu   sync.Mutex // guards rows, err and calls to progress
	rows map[string]int64
	err  error

	// Facts are buffered per school year: the tables are partitioned by
	// year, and a chunk of one year makes one part per insert instead of ten
	// (far less merging on the server).
	staff     yearBuffers[staffRow]
	enroll    yearBuffers[enrollRow]
	states    buffer[stateRow]
	districts buffer[districtRow]
	schools   buffer[schoolRow]
	members   buffer[memberRow]
	events    buffer[eventRow]
	goals     buffer[goalRow]
}

// putFunc appends row r: it sets vals (one per column, in the order of the
// table's column list; vals[len-2] and [len-1] come preset with batch_id and
// loaded_at where the table has them) and calls add(vals...).
type putFunc[T any] func(add warehouse.AppendFunc, vals []any, r *T) error

// buffer collects rows of one table until a chunk is full.
type buffer[T any] struct {
	w     *writer
	table string
	cols  int
	limit int
	grown int // chunks begun: the first start small (most tables are small), later ones at full size
	rows  []T
	put   putFunc[T]
}

func newBuffer[T any](w *writer, table string, limit int, put putFunc[T]) buffer[T] {
	return buffer[T]{w: w, table: table, cols: len(columns[table]), limit: limit, put: put}
}

func (b *buffer[T]) add(r T) {
	if b.rows == nil {
		// Growing by doubling leaves garbage behind: once a table has shown
		// it is large, its chunks start at full size.
		b.rows = make([]T, 0, min(b.limit, 4096<<b.grown))
		b.grown = min(b.grown+1, 16)
	}
	b.rows = append(b.rows, r)
	if len(b.rows) >= b.limit {
		b.flush()
	}
}

// flush sends the buffered rows (the slice now belongs to the job).
func (b *buffer[T]) flush() {
	if len(b.rows) == 0 {
		return
	}
	rows, put, cols := b.rows, b.put, b.cols
	var batch any = b.w.batch
	b.rows = nil
	b.w.send(job{table: b.table, fill: func(add warehouse.AppendFunc) error {
		// One slice of values for the whole chunk: add copies them into
		// columns, so nothing is allocated per row but what must be boxed.
		vals := make([]any, cols)
		vals[cols-2], vals[cols-1] = batch, boxedLoadedAt
		for i := range rows {
			if err := put(add, vals, &rows[i]); err != nil {
				return err
			}
		}
		return nil
	}})
}

// yearBuffers are one buffer per school year.
type yearBuffers[T any] struct {
	w     *writer
	table string
	put   putFunc[T]
	years []*buffer[T] // by year - firstBufferedYear
}

const firstBufferedYear = 2000

func (yb *yearBuffers[T]) add(year uint16, r T) {
	i := int(year) - firstBufferedYear
	for len(yb.years) <= i {
		yb.years = append(yb.years, nil)
	}
	if yb.years[i] == nil {
		b := newBuffer(yb.w, yb.table, yearChunkRows, yb.put)
		yb.years[i] = &b
	}
	yb.years[i].add(r)
}

func (yb *yearBuffers[T]) flush() {
	for _, b := range yb.years {
		if b != nil {
			b.flush()
		}
	}
}

func newWriter(ctx context.Context, load *warehouse.Load, batch string, progress func(Progress)) *writer {
	ctx, cancel := context.WithCancel(ctx)
	w := &writer{ctx: ctx, cancel: cancel, load: load, batch: batch, progress: progress,
		jobs: make(chan job, insertWorkers), rows: map[string]int64{}}
	w.staff = yearBuffers[staffRow]{w: w, table: warehouse.TableStaffAssignments, put: putStaff}
	w.enroll = yearBuffers[enrollRow]{w: w, table: warehouse.TableEnrollment, put: putEnroll}
	w.states = newBuffer(w, warehouse.TableStates, chunkRows, putState)
	w.districts = newBuffer(w, warehouse.TableDistricts, chunkRows, putDistrict)
	w.schools = newBuffer(w, warehouse.TableSchools, chunkRows, putSchool)
	w.members = newBuffer(w, warehouse.TableMembers, chunkRows, putMember)
	w.events = newBuffer(w, warehouse.TableMemberEvents, chunkRows, putEvent)
	w.goals = newBuffer(w, warehouse.TableGoals, chunkRows, putGoal)
	for range insertWorkers {
		w.wg.Add(1)
		go w.work()
	}
	return w
}

func (w *writer) send(j job) {
	select {
	case w.jobs <- j:
	case <-w.ctx.Done():
	}
}

func (w *writer) work() {
	defer w.wg.Done()
	for j := range w.jobs {
		if w.ctx.Err() != nil {
			continue // drain after a failure or a cancel
		}
		n, err := w.load.InsertTable(w.ctx, j.table, j.fill)
		w.mu.Lock()
		if err != nil {
			if w.err == nil {
				w.err = err
			}
			w.mu.Unlock()
			w.cancel()
			continue
		}
		w.rows[j.table] += int64(n)
		if w.progress != nil {
			w.progress(Progress{Table: j.table, Rows: w.rows[j.table]})
		}
		w.mu.Unlock()
	}
}

// stopped returns an error when the generator should stop: an insert failed
// or the caller's context ended.
func (w *writer) stopped() error {
	if w.ctx.Err() == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return errStopped
	}
	return w.ctx.Err()
}

// close flushes what is buffered, waits for the inserts and reports rows per
// table (every table of the profile, 0 when none were written) and Done
// progress in the order of tables.
func (w *writer) close(tables []string) (map[string]int64, error) {
	w.states.flush()
	w.districts.flush()
	w.schools.flush()
	w.enroll.flush()
	w.staff.flush()
	w.members.flush()
	w.events.flush()
	w.goals.flush()
	close(w.jobs)
	w.wg.Wait()
	defer w.cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	if err := w.ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(tables))
	for _, t := range tables {
		out[t] = w.rows[t]
		if w.progress != nil {
			w.progress(Progress{Table: t, Rows: w.rows[t], Done: true})
		}
	}
	return out, nil
}

// columns are the column lists of the tables written.
var columns = map[string][]string{
	warehouse.TableStates: warehouse.StatesColumns, warehouse.TableDistricts: warehouse.DistrictsColumns,
	warehouse.TableSchools: warehouse.SchoolsColumns, warehouse.TableStaffAssignments: warehouse.StaffAssignmentsColumns,
	warehouse.TableEnrollment: warehouse.EnrollmentColumns, warehouse.TableMembers: warehouse.MembersColumns,
	warehouse.TableMemberEvents: warehouse.MemberEventsColumns, warehouse.TableGoals: warehouse.GoalsColumns,
}

// Values boxed once: an any holding a string, a slice or a number above 255
// costs an allocation each time it is made.
var (
	boxedLoadedAt any = loadedAt
	boxedRoles    [numRoles]any
	boxedEth      [numEth]any
	boxedGenders  [len(genderCodes)]any
	boxedHisp     []any // by ethProfiles index
	boxedRace     []any // by ethProfiles index
	boxedTitles   []any
	boxedYears    [64]any // by year - firstBufferedYear
	boxedFTE      = map[float32]any{0.5: float32(0.5), 0.75: float32(0.75), 1: float32(1)}
)

func init() {
	for i, s := range roleCodes {
		boxedRoles[i] = s
	}
	for i, s := range ethCodes {
		boxedEth[i] = s
	}
	for i, s := range genderCodes {
		boxedGenders[i] = s
	}
	for _, p := range ethProfiles {
		boxedHisp = append(boxedHisp, p.hisp)
		boxedRace = append(boxedRace, p.race)
	}
	for _, t := range titles {
		boxedTitles = append(boxedTitles, t)
	}
	for i := range boxedYears {
		boxedYears[i] = uint16(firstBufferedYear + i)
	}
}

func boxYear(y uint16) any {
	if i := int(y) - firstBufferedYear; i >= 0 && i < len(boxedYears) {
		return boxedYears[i]
	}
	return y
}

// The put functions append one row in the column order of the warehouse's
// XColumns lists, with the Go types of the column types.

func putStaff(add warehouse.AppendFunc, v []any, r *staffRow) error {
	fte, ok := boxedFTE[r.fte]
	if !ok {
		fte = r.fte
	}
	v[0], v[1], v[2], v[3] = boxYear(r.year), r.pl.boxed[0], r.pl.boxed[1], r.pl.boxed[2]
	v[4], v[5], v[6], v[7] = r.key, boxedRoles[r.role], boxedEth[ethProfiles[r.prof].eth], boxedGenders[r.gender]
	v[8], v[9], v[10], v[11] = fte, boxedHisp[r.prof], boxedRace[r.prof], boxedTitles[r.title]
	return add(v...)
}

func putEnroll(add warehouse.AppendFunc, v []any, r *enrollRow) error {
	v[0], v[1], v[2], v[3] = boxYear(r.year), r.pl.boxed[0], r.pl.boxed[1], r.pl.boxed[2]
	v[4], v[5], v[6] = boxedEth[r.eth], r.ell, r.students
	return add(v...)
}

func putState(add warehouse.AppendFunc, _ []any, r *stateRow) error {
	return add(r.code, r.fips, r.name, r.synthetic)
}

func putDistrict(add warehouse.AppendFunc, _ []any, r *districtRow) error {
	return add(r.id, r.state, r.name, r.typ, r.locale, r.synthetic)
}

func putSchool(add warehouse.AppendFunc, _ []any, r *schoolRow) error {
	return add(r.id, r.lea, r.state, r.name, r.level, r.charter, r.title1, r.synthetic)
}

func putMember(add warehouse.AppendFunc, v []any, r *memberRow) error {
	v[0], v[1], v[2], v[3], v[4], v[5] = r.id, r.key, r.state, r.lea, r.joinedOn, r.leftOn
	return add(v...)
}

func putEvent(add warehouse.AppendFunc, v []any, r *eventRow) error {
	v[0], v[1], v[2], v[3], v[4], v[5] = r.member, r.date, r.typ, r.role, r.lea, r.detail
	return add(v...)
}

// goalsStamp is when the association set its goals (created_at, updated_at).
var goalsStamp = time.Date(2015, 9, 15, 0, 0, 0, 0, time.UTC)

func putGoal(add warehouse.AppendFunc, _ []any, r *goalRow) error {
	return add(r.id, r.title, r.measure, r.scope, r.scopeID, r.tier, r.baselineYear, r.baselineValue,
		r.targetYear, r.targetValue, uint8(0), goalsStamp, goalsStamp, uint64(1))
}
