package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/warehouse"
)

func exportCmd(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("export", "export "+kindNames()+" [--district LEA_ID ...] [--school-year Y ...] [--state UT] [-o FILE]", &cfg)
	var districts, years listFlag
	fs.Var(&districts, "district", "only this district (LEA id); repeat for several")
	fs.Var(&years, "school-year", "only this school year (2023 = 2023-24; events: calendar year); repeat for several")
	state := fs.String("state", "", "only this state (two-letter code)")
	out := fs.String("o", "-", "file to write (- for stdout)")
	pos, err := e.parseWithArgs(fs, &cfg, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return apperr.Errorf(apperr.Invalid, "want 'camino export %s [flags]'", kindNames())
	}
	table, ok := kindTable(pos[0])
	if !ok {
		return apperr.Errorf(apperr.Invalid, "unknown file kind %q: want %s", pos[0], kindNames())
	}
	f := warehouse.ExportFilter{LeaIDs: districts, StateCode: *state}
	for _, d := range districts {
		if len(d) != 7 || !digits(d) {
			return apperr.Errorf(apperr.Invalid, "--district %q: want a 7-digit NCES LEA id", d)
		}
	}
	for _, y := range years {
		n, err := strconv.ParseUint(y, 10, 16)
		if err != nil || n < 1990 || n > 2100 {
			return apperr.Errorf(apperr.Invalid, "--school-year %q: want a fall year from 1990 to 2100", y)
		}
		f.SchoolYears = append(f.SchoolYears, uint16(n))
	}
	if *state != "" && (len(*state) != 2 || *state < "AA" || *state > "ZZ") {
		return apperr.Errorf(apperr.Invalid, "--state %q: want a two-letter code such as UT", *state)
	}

	db, closeDB, err := e.openForWrites(ctx, &cfg)
	if err != nil {
		return err
	}
	defer closeDB()

	var w io.Writer = e.stdout
	var file *os.File
	if *out != "-" {
		// Write next to the target and rename at the end: a failed export
		// never leaves a truncated file that looks complete.
		if file, err = os.CreateTemp(filepath.Dir(*out), ".camino-export-*"); err != nil {
			return apperr.Errorf(apperr.Invalid, "-o %s: %v", *out, err)
		}
		defer os.Remove(file.Name())
		defer file.Close()
		w = file
	}
	start := time.Now()
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	header, err := warehouse.ExportHeader(table)
	if err != nil {
		return err
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	n := 0
	if err := db.Export(ctx, table, f, func(rec []string) error {
		n++
		return cw.Write(rec)
	}); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
		if err := os.Rename(file.Name(), *out); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stderr, "camino export: %s rows of %s in %s\n", count(int64(n)), table, time.Since(start).Round(time.Millisecond))
	return nil
}

func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
