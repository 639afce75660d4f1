package seed

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Options choose the data set.
type Options struct {
	Profile  string         // "utah" (default) or "national"
	Seed     int64          // default 1 (0 means 1); the same seed gives the same rows
	Scale    float64        // national only; default 1; must be > 0 and <= 10
	Progress func(Progress) // optional; called after each flushed chunk, then once per table with Done
}

// Progress reports rows written so far to one table.
type Progress struct {
	Table string
	Rows  int64 // cumulative rows of that table
	Done  bool
}

// Summary is what Run wrote.
type Summary struct {
	Rows    map[string]int64 // rows written per table
	Elapsed time.Duration
}

const (
	profileUtah     = "utah"
	profileNational = "national"
	maxScale        = 10
)

// Profiles lists the data sets Run knows, the default first.
func Profiles() []string { return []string{profileUtah, profileNational} }

// loadedAt stamps every row (loaded_at), so the same seed gives the same
// bytes: the data describe the fall of 2025.
var loadedAt = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

// validate fills defaults and refuses what Run cannot do, naming the option.
func (o *Options) validate() error {
	if o.Profile == "" {
		o.Profile = profileUtah
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	switch o.Profile {
	case profileUtah:
		// The Utah data set has one size; 0 (unset) and 1 (the CLI's default
		// flag value) are accepted, anything else is a mistake worth naming.
		if o.Scale != 0 && o.Scale != 1 {
			return apperr.Errorf(apperr.Invalid, "scale: %v applies only to the national profile (the utah profile has one size)", o.Scale)
		}
	case profileNational:
		if math.IsNaN(o.Scale) || o.Scale <= 0 || o.Scale > maxScale {
			return apperr.Errorf(apperr.Invalid, "scale: %v is out of range; want a number > 0 and <= %d", o.Scale, maxScale)
		}
	default:
		return apperr.Errorf(apperr.Invalid, "profile: %q is not a seed profile; want one of utah, national", o.Profile)
	}
	return nil
}

// Run writes the data set of opt into db, which must be migrated. It does not
// empty the warehouse or check that it is empty (the CLI does). After the
// facts it rebuilds the rollups and records one load per table.
func Run(ctx context.Context, db *warehouse.DB, opt Options) (Summary, error) {
	start := time.Now()
	if err := opt.validate(); err != nil {
		return Summary{}, err
	}
	batch := fmt.Sprintf("seed-%s-%d", opt.Profile, opt.Seed)
	// One load: nothing of the seed is visible until it has committed whole,
	// facts and rollups together (docs/loads.md).
	l, err := db.BeginBatch(ctx, warehouse.LoadOptions{BatchID: batch, Source: "seed:" + opt.Profile, Force: true})
	if err != nil {
		return Summary{}, err
	}
	w := newWriter(ctx, l, batch, opt.Progress)
	var tables []string
	var genErr error
	switch opt.Profile {
	case profileUtah:
		tables = utahTables
		genErr = generateUtah(w, opt.Seed)
	case profileNational:
		tables = nationalTables
		genErr = generateNational(w, opt.Seed, opt.Scale)
	}
	rows, err := w.close(tables)
	if err == nil {
		err = genErr
	}
	if err != nil {
		_ = l.Abort(ctx)
		return Summary{}, err
	}
	sum, err := l.Commit(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("seed: committing: %w", err)
	}
	for _, t := range tables {
		if err := db.RecordLoad(ctx, warehouse.LoadRecord{
			BatchID: batch, Table: t, Source: "seed:" + opt.Profile, Rows: uint64(rows[t]),
			Status: "done", StartedAt: start, FinishedAt: time.Now(), LoadNo: l.LoadNo(), DataVersion: sum.DataVersion,
		}); err != nil {
			return Summary{}, err
		}
	}
	return Summary{Rows: rows, Elapsed: time.Since(start)}, nil
}
