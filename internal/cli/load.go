package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/ingest"
	"github.com/camino-edu/camino/internal/warehouse"
)

// fileKinds are the files camino load reads, and the table each fills.
var fileKinds = []struct{ name, table string }{
	{"staffing", warehouse.TableStaffAssignments},
	{"enrollment", warehouse.TableEnrollment},
	{"members", warehouse.TableMembers},
	{"events", warehouse.TableMemberEvents},
}

func kindTable(name string) (string, bool) {
	for _, k := range fileKinds {
		if k.name == name {
			return k.table, true
		}
	}
	return "", false
}

func kindNames() string {
	names := make([]string, len(fileKinds))
	for i, k := range fileKinds {
		names[i] = k.name
	}
	return strings.Join(names, "|")
}

// rejectedErr ends a load that loaded its valid rows but refused some:
// exit status 3, after the summary.
type rejectedErr struct{ n int64 }

func (r rejectedErr) Error() string { return fmt.Sprintf("%d rows rejected", r.n) }

// chunkRows is how many rows go to ClickHouse in one insert: big enough
// to keep parts few, small enough to bound memory (≈ 30 MB of staff rows).
const chunkRows = 50_000

// rejectFlush is how many rejects are buffered before they go to the
// quarantine table.
const rejectFlush = 10_000

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// loadOptions are camino load's flags.
type loadOptions struct {
	kind, table, path string
	dryRun            bool
	schoolYear        uint16
	years             ingest.YearWindow // --years
	batchID           string
	rejectsPath       string
	titlesPath        string
	progress          string
	replace           []string // --replace-district
	force, partial    bool
	wait              time.Duration
}

func loadCmd(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("load", "load "+kindNames()+" FILE.csv|- [--dry-run] [--replace-district LEA_ID ...] [--force] [--partial] "+
		"[--school-year Y] [--batch-id ID] [flags]", &cfg)
	dryRun := fs.Bool("dry-run", false, "check every row, write the reject report and print the plan (each district-year, its rows now and after); change nothing")
	var replace listFlag
	fs.Var(&replace, "replace-district", "a district (LEA id) whose district-years holding rows this file replaces; repeat for several "+
		"(a district-year that holds rows and is not named is refused)")
	force := fs.Bool("force", false, "replace any district-year the file has, even one not named or one that would lose most of its rows")
	partial := fs.Bool("partial", false, "replace district-years that have rejected rows too, with their valid rows (default: keep their old rows)")
	wait := fs.Duration("wait", time.Hour, "how long to wait for another load's commit to finish (loads commit one at a time)")
	year := fs.String("school-year", "", "school year of every row when the file has no school_year column (2023 = 2023-24)")
	years := fs.String("years", "", "the school years a staffing or enrollment file may hold, FIRST-LAST (default: 30 years back from the current school year to the next); a row outside is rejected with its reason")
	batch := fs.String("batch-id", "", "id of this load in the loads log and quarantine (default: kind, time and a random suffix)")
	rejects := fs.String("rejects", "", "where to write the reject report (default: FILE.rejects.csv; for stdin, ./BATCH.rejects.csv)")
	titles := fs.String("titles", "", "title → role mapping file (title,role_code) used instead of the built-in table (docs/formats.md)")
	prog := fs.String("progress", "auto", "progress on stderr: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	pos, err := e.parseWithArgs(fs, &cfg, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return apperr.Errorf(apperr.Invalid, "want 'camino load %s FILE.csv' (or - for stdin), got %d arguments", kindNames(), len(pos))
	}
	o := loadOptions{kind: pos[0], path: pos[1], dryRun: *dryRun, batchID: *batch, rejectsPath: *rejects,
		titlesPath: *titles, progress: *prog, replace: replace, force: *force, partial: *partial, wait: *wait}
	for _, d := range o.replace {
		if len(d) != 7 || strings.Trim(d, "0123456789") != "" {
			return apperr.Errorf(apperr.Invalid, "--replace-district %q: want a 7-digit NCES district (LEA) id", d)
		}
	}
	if o.wait <= 0 {
		return apperr.Errorf(apperr.Invalid, "--wait %s: want a positive duration", o.wait)
	}
	var ok bool
	if o.table, ok = kindTable(o.kind); !ok {
		return apperr.Errorf(apperr.Invalid, "unknown file kind %q: want %s", o.kind, kindNames())
	}
	switch o.progress {
	case "auto", "bar", "lines", "none":
	default:
		return apperr.Errorf(apperr.Invalid, "--progress %q: want auto, bar, lines or none", o.progress)
	}
	if *year != "" {
		y, err := strconv.ParseUint(*year, 10, 16)
		if err != nil || y < 1990 || y > 2100 {
			return apperr.Errorf(apperr.Invalid, "--school-year %q: want a fall year from 1990 to 2100 (2023 = 2023-24)", *year)
		}
		o.schoolYear = uint16(y)
	}
	if *years != "" {
		if o.years, err = ingest.ParseYearWindow(*years); err != nil {
			return err
		}
	}
	if o.batchID == "" {
		o.batchID = o.kind + "-" + time.Now().UTC().Format("20060102T150405Z") + "-" + warehouse.NewID()[:6]
	} else if !batchIDRE.MatchString(o.batchID) {
		return apperr.Errorf(apperr.Invalid, "--batch-id %q: want 1 to 64 letters, digits, '_', '.' or '-'", o.batchID)
	}
	if o.rejectsPath == "" {
		o.rejectsPath = o.path + ".rejects.csv"
		if o.path == "-" {
			o.rejectsPath = o.batchID + ".rejects.csv"
		}
	}
	secret, err := staffKeySecret(&cfg, e.getenv)
	if err != nil {
		return err
	}
	var titleMap *ingest.TitleMap
	if o.titlesPath != "" {
		if titleMap, err = readTitles(o.titlesPath); err != nil {
			return err
		}
	}

	in, size, closeIn, err := e.input(o.path)
	if err != nil {
		return err
	}
	defer closeIn()

	db, closeDB, err := e.openForWrites(ctx, &cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	dir, err := db.LoadDirectory(ctx)
	if err != nil {
		return err
	}

	// Bounded memory: the GC works harder rather than let the heap grow past
	// what a chunk in flight needs (a 5-million-row file peaks near 200 MB).
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(160 << 20))
	p := newProgress(e.stderr, o.progress, "camino load "+o.kind, size)
	defer p.done()
	in = countingReader{r: in, n: &p.read}
	opts := readerOptions{schoolYear: o.schoolYear, years: o.years, key: secret, titles: titleMap, dir: dir}
	var res loadResult
	switch o.kind {
	case "staffing":
		res, err = runLoad(ctx, e, db, o, p, in, func(r io.Reader) (rowReader[ingest.StaffRow], error) {
			return ingest.NewStaffingReader(r, ingest.StaffingOptions{SchoolYear: opts.schoolYear, Years: opts.years, Key: opts.key,
				Titles: opts.titles, Directory: opts.dir})
		})
	case "enrollment":
		res, err = runLoad(ctx, e, db, o, p, in, func(r io.Reader) (rowReader[ingest.EnrollmentRow], error) {
			return ingest.NewEnrollmentReader(r, ingest.EnrollmentOptions{SchoolYear: opts.schoolYear, Years: opts.years, Directory: opts.dir})
		})
	case "members":
		res, err = runLoad(ctx, e, db, o, p, in, func(r io.Reader) (rowReader[ingest.MemberRow], error) {
			return ingest.NewMembersReader(r, ingest.MembersOptions{Key: opts.key, Directory: opts.dir})
		})
	case "events":
		res, err = runLoad(ctx, e, db, o, p, in, func(r io.Reader) (rowReader[ingest.EventRow], error) {
			return ingest.NewEventsReader(r, ingest.EventsOptions{Titles: opts.titles, Directory: opts.dir})
		})
	}
	p.done()
	var refused *warehouse.RefusedError
	if errors.As(err, &refused) {
		printPlan(ctx, e.stdout, db, refused.Summary, o)
		fmt.Fprintln(e.stdout, "nothing was changed")
		return apperr.Errorf(apperr.Invalid, "%s. Name the districts this file replaces with --replace-district, or pass --force "+
			"(see the plan above; --dry-run shows it without loading)", refused.Error())
	}
	if err != nil {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return apperr.Errorf(apperr.Unavailable, "interrupted: nothing was loaded (batch %s)", o.batchID)
		}
		return err
	}
	printPlan(ctx, e.stdout, db, res.summary, o)
	res.print(e.stdout, o)
	if res.rejected > 0 {
		return rejectedErr{res.rejected}
	}
	return nil
}

type readerOptions struct {
	schoolYear uint16
	years      ingest.YearWindow
	key        []byte
	titles     *ingest.TitleMap
	dir        *warehouse.Directory
}

// rowReader is what every ingest reader offers.
type rowReader[R any] interface {
	Next() (R, *ingest.Reject, error)
}

// valuer is every ingest row: its values in the warehouse's column order.
type valuer interface {
	Values(batchID string, loadedAt time.Time) []any
}

type loadResult struct {
	loaded, rejected int64
	kept             int64         // valid rows of district-years kept for their rejects
	elapsed, commit  time.Duration // commit: completing the parts, rebuilding rollups, publishing
	summary          *warehouse.LoadSummary
}

func (r loadResult) print(w io.Writer, o loadOptions) {
	rate := float64(r.loaded+r.rejected) / max(r.elapsed.Seconds(), 1e-9)
	verb := "loaded"
	if o.dryRun {
		verb = "dry run: would load"
	}
	phases := ""
	if r.commit > 0 {
		phases = fmt.Sprintf("; %s reading and staging, %s committing (kept rows, rollups)",
			(r.elapsed - r.commit).Round(time.Millisecond), r.commit.Round(time.Millisecond))
	}
	fmt.Fprintf(w, "%s %s rows into %s (batch %s), rejected %s, in %s (%s rows/s%s)\n", verb, count(r.loaded), o.table,
		o.batchID, count(r.rejected), r.elapsed.Round(time.Millisecond), count(int64(rate)), phases)
	if r.kept > 0 {
		fmt.Fprintf(w, "%s valid rows were not loaded: their district-years have rejected rows and keep their old rows "+
			"(fix the rows and load again, or pass --partial)\n", count(r.kept))
	}
	if r.rejected > 0 {
		fmt.Fprintf(w, "rejected rows: %s (line, column, value, reason)\n", o.rejectsPath)
	} else if !o.dryRun {
		fmt.Fprintln(w, "no row was rejected")
	}
	if o.dryRun {
		fmt.Fprintln(w, "nothing was written to the warehouse")
	} else if r.summary != nil && r.summary.DataVersion > 0 {
		fmt.Fprintf(w, "committed: the warehouse is at data version %d\n", r.summary.DataVersion)
	}
}

// runLoad reads every row of in: valid rows are staged in chunks while the
// next chunk is parsed, rejects go to the report file and the quarantine;
// at the end the load commits (or, for a dry run, returns its plan). A
// broken file, a refused plan or any failure aborts it: the warehouse is
// unchanged and holds nothing of it.
func runLoad[R valuer](ctx context.Context, e *env, db *warehouse.DB, o loadOptions, p *progress, in io.Reader,
	open func(io.Reader) (rowReader[R], error)) (loadResult, error) {
	start := time.Now()
	rd, err := open(in)
	if err != nil {
		return loadResult{}, err
	}
	rep, err := newRejectReport(o.rejectsPath)
	if err != nil {
		return loadResult{}, err
	}
	defer rep.close()

	l, err := db.BeginLoad(ctx, o.table, warehouse.LoadOptions{BatchID: o.batchID, Source: o.path, ReplaceDistricts: o.replace,
		Force: o.force, Partial: o.partial, DryRun: o.dryRun})
	if err != nil {
		return loadResult{}, err
	}
	abort := func(err error) (loadResult, error) {
		_ = l.Abort(context.WithoutCancel(ctx))
		rep.discard()
		return loadResult{}, err
	}

	// The parser runs ahead of the inserts by one chunk.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []R, 1)
	parsed := make(chan error, 1)
	quarantine := func(rs []warehouse.RejectRow) error { return l.InsertRejects(pctx, rs) }
	go func() {
		defer close(chunks)
		parsed <- parse(pctx, rd, p, rep, l, quarantine, chunks)
	}()
	at := time.Now().UTC().Truncate(time.Second)
	for chunk := range chunks {
		if _, err := l.Insert(ctx, func(add warehouse.AppendFunc) error {
			for _, r := range chunk {
				if err := add(r.Values(o.batchID, at)...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			cancel()
			for range chunks { // let the parser finish
			}
			<-parsed
			return abort(err)
		}
	}
	if err := <-parsed; err != nil {
		return abort(err)
	}
	if err := rep.flush(); err != nil {
		return abort(err)
	}
	res := loadResult{loaded: p.rows.Load(), rejected: p.rejected.Load()}
	t0 := time.Now()
	wctx, wcancel := context.WithTimeout(warehouse.WithWaiting(ctx, func(holder string, waited time.Duration) {
		fmt.Fprintf(e.stderr, "camino load: waiting %s for the warehouse: %s is committing (loads commit one at a time)\n",
			waited.Round(time.Second), holder)
	}), o.wait)
	defer wcancel()
	res.summary, err = l.Commit(wctx)
	if err != nil {
		var refused *warehouse.RefusedError
		if !errors.As(err, &refused) {
			rep.discard()
		}
		return res, err
	}
	if !o.dryRun {
		res.commit = time.Since(t0)
	}
	// The rows of district-years kept for their rejected rows are not loaded.
	for _, e := range res.summary.Plan {
		if e.Action == warehouse.ActionKeep {
			res.loaded -= int64(e.FileRows)
			res.kept += int64(e.FileRows)
		}
	}
	if res.rejected == 0 {
		rep.discard() // an empty report would only confuse
	}
	res.elapsed = time.Since(start)
	return res, nil
}

// printPlan says what the load replaced (or, in a dry run or a refusal,
// would): each district-year and its rows before and after. New and
// replaced district-years are listed up to a few dozen; kept and refused
// ones always.
func printPlan(ctx context.Context, w io.Writer, db *warehouse.DB, s *warehouse.LoadSummary, o loadOptions) {
	if s == nil || len(s.Plan) == 0 {
		return
	}
	var leas []string
	for _, e := range s.Plan {
		if e.LeaID != "" {
			leas = append(leas, e.LeaID)
		}
	}
	names := map[string]string{}
	if ds, err := db.DistrictsByID(ctx, leas); err == nil {
		for _, d := range ds {
			names[d.ID] = d.Name
		}
	}
	verb := "replaced"
	if o.dryRun {
		verb = "would replace"
	} else if len(s.Refusals()) > 0 {
		verb = "refused to replace"
	}
	counts := map[string]int{}
	const shown = 40
	listed := 0
	fmt.Fprintf(w, "plan (%s): district-year, rows now → after\n", verb)
	for _, e := range s.Plan {
		action := strings.SplitN(e.Action, ":", 2)[0]
		counts[action]++
		if (action == warehouse.ActionNew || action == warehouse.ActionReplace) && listed >= shown {
			continue
		}
		listed++
		what := fmt.Sprintf("%d %s %s", e.SchoolYear, e.LeaID, names[e.LeaID])
		if e.LeaID == "" {
			what = "the members in the file"
		}
		note := e.Action
		if e.Action == warehouse.ActionKeep {
			note = fmt.Sprintf("keep the old rows: %d rejected (--partial replaces it with the valid ones)", e.Rejected)
		}
		fmt.Fprintf(w, "  %-40s %9s → %-9s %s\n", what, count(int64(e.Before)), count(int64(e.After)), note)
	}
	if hidden := counts[warehouse.ActionNew] + counts[warehouse.ActionReplace] + counts[warehouse.ActionKeep] +
		counts[warehouse.ActionRefuse] - listed; hidden > 0 {
		fmt.Fprintf(w, "  … and %d more district-years\n", hidden)
	}
	fmt.Fprintf(w, "  %d new, %d replaced, %d kept (rows rejected), %d refused\n", counts[warehouse.ActionNew],
		counts[warehouse.ActionReplace], counts[warehouse.ActionKeep], counts[warehouse.ActionRefuse])
	for _, c := range s.Concurrent {
		fmt.Fprintf(w, "  note: another load committed %s while this one ran; its rows in the district-years above were replaced, the rest kept\n", c)
	}
	if s.Waited > 5*time.Second {
		fmt.Fprintf(w, "  waited %s for other loads to commit\n", s.Waited.Round(time.Second))
	}
}

// parse reads rows into chunks and rejects into the report and quarantine.
func parse[R any](ctx context.Context, rd rowReader[R], p *progress, rep *rejectReport, l *warehouse.Load,
	quarantine func([]warehouse.RejectRow) error, chunks chan<- []R) error {
	chunk := make([]R, 0, chunkRows)
	var held []warehouse.RejectRow
	send := func() error {
		select {
		case chunks <- chunk:
			chunk = make([]R, 0, chunkRows)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for {
		row, rej, err := rd.Next()
		switch {
		case errors.Is(err, io.EOF):
			if len(chunk) > 0 {
				if err := send(); err != nil {
					return err
				}
			}
			return quarantine(held)
		case err != nil:
			return err
		case rej != nil:
			p.rejected.Add(1)
			l.Reject(rej.SchoolYear, rej.StateCode, rej.LeaID)
			if err := rep.add(*rej); err != nil {
				return err
			}
			held = append(held, warehouse.RejectRow{Line: uint64(rej.Line), Column: rej.Column, Value: rej.Value, Reason: rej.Reason})
			if len(held) == rejectFlush {
				if err := quarantine(held); err != nil {
					return err
				}
				held = held[:0]
			}
		default:
			p.rows.Add(1)
			chunk = append(chunk, row)
			if len(chunk) == chunkRows {
				if err := send(); err != nil {
					return err
				}
			}
		}
	}
}

// rejectReport is the reject CSV file (ingest.RejectWriter's format).
type rejectReport struct {
	path string
	f    *os.File
	buf  *bufio.Writer
	w    *ingest.RejectWriter
}

func newRejectReport(path string) (*rejectReport, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, apperr.Errorf(apperr.Invalid, "cannot write the reject report %s: %v (choose another place with --rejects)", path, err)
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	w, err := ingest.NewRejectWriter(buf)
	return &rejectReport{path: path, f: f, buf: buf, w: w}, err
}

func (r *rejectReport) add(rej ingest.Reject) error { return r.w.Write(&rej) }

func (r *rejectReport) flush() error {
	if err := r.w.Flush(); err != nil {
		return err
	}
	return r.buf.Flush()
}

func (r *rejectReport) close() {
	if r.f != nil {
		_ = r.flush()
		_ = r.f.Close()
	}
}

// discard removes the report (no rejects, or a load that failed as a whole).
func (r *rejectReport) discard() {
	if r.f != nil {
		_ = r.f.Close()
		r.f = nil
		_ = os.Remove(r.path)
	}
}

// input opens FILE, or stdin for "-"; size is 0 when unknown.
func (e *env) input(path string) (io.Reader, int64, func(), error) {
	if path == "-" {
		return e.stdin, 0, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, apperr.Errorf(apperr.Invalid, "cannot read %s: %v", path, errors.Unwrap(err))
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, 0, nil, apperr.Errorf(apperr.Invalid, "%s is not a file", path)
	}
	return f, st.Size(), func() { f.Close() }, nil
}

// staffKeySecret is the configured staff-key secret, nil when none is set
// (the readers refuse files with staff ids then).
func staffKeySecret(cfg *config.Config, getenv func(string) string) ([]byte, error) {
	if s := getenv("CAMINO_STAFF_KEY_SECRET"); s != "" {
		return []byte(s), nil
	}
	if cfg.StaffKeyFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(cfg.StaffKeyFile)
	if err != nil {
		return nil, apperr.Errorf(apperr.Invalid, "--staff-key-file / CAMINO_STAFF_KEY_FILE: %v", errors.Unwrap(err))
	}
	b = []byte(strings.TrimRight(string(b), "\r\n"))
	if len(b) < ingest.MinKeyBytes {
		return nil, apperr.Errorf(apperr.Invalid, "--staff-key-file / CAMINO_STAFF_KEY_FILE: the secret is %d bytes, want at least %d", len(b), ingest.MinKeyBytes)
	}
	return b, nil
}

func readTitles(path string) (*ingest.TitleMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, apperr.Errorf(apperr.Invalid, "--titles: %v", err)
	}
	defer f.Close()
	return ingest.ReadTitleMap(f)
}
