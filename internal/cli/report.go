package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/camino-edu/camino/dashboards"
	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
)

// reportCmd writes the board report: `camino report board -o FILE.html` or
// FILE.pdf (printed by a headless Chromium; without one, the HTML is
// written instead and the command says so and fails).
func reportCmd(ctx context.Context, e *env, args []string) error {
	var cfg config.Config
	fs := e.flags("report", "report board [--state UT] [--lang en|es] [--public] [--key-file FILE | --district LEA_ID ...] -o FILE.html|FILE.pdf", &cfg)
	state := fs.String("state", "", "the state the report covers (two-letter code; default: the only state in the data, or every state)")
	lang := fs.String("lang", "en", "language of the report: en or es")
	public := fs.Bool("public", false, "the published version: small cells suppressed, as in all public output")
	keyFile := fs.String("key-file", "", "make the report as this API key reads the data (a partner key: its own districts); default: the board's report")
	var districts listFlag
	fs.Var(&districts, "district", "make a partner's report of this district (LEA id), as its partner key would read it; repeat for several")
	out := fs.String("o", "", "file to write: FILE.html, or FILE.pdf (needs Chromium; $CAMINO_CHROMIUM, else chromium on the PATH)")
	pos, err := e.parseWithArgs(fs, &cfg, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "board" {
		return apperr.Errorf(apperr.Invalid, "want 'camino report board [flags] -o FILE.html|FILE.pdf'")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out == "" || (ext != ".html" && ext != ".htm" && ext != ".pdf") {
		return apperr.Errorf(apperr.Invalid, "-o %q: give a file ending in .html or .pdf", *out)
	}
	if *lang != "en" && *lang != "es" {
		return apperr.Errorf(apperr.Invalid, "--lang %q: want en or es", *lang)
	}
	if *state != "" {
		if _, err := ids.StateCode("--state", *state); err != nil {
			return err
		}
	}
	if *keyFile != "" && len(districts) > 0 {
		return apperr.Errorf(apperr.Invalid, "give --key-file or --district, not both")
	}
	for _, d := range districts {
		if _, err := ids.District("--district", d); err != nil {
			return err
		}
	}
	var key string
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return apperr.Errorf(apperr.Invalid, "--key-file: %v", err)
		}
		key = strings.TrimSpace(string(b))
	}

	start := time.Now()
	db, closeDB, err := e.open(ctx, &cfg, e.logger(&cfg))
	if err != nil {
		return err
	}
	defer closeDB()
	p := access.Principal{Role: access.RoleBoard}
	switch {
	case key != "":
		if p, err = access.Authenticate(ctx, db, key, time.Now()); err != nil {
			return apperr.Errorf(apperr.Invalid, "--key-file: %s", apperr.MessageOf(err))
		}
	case len(districts) > 0:
		ds, err := db.DistrictsByID(ctx, districts)
		if err != nil {
			return err
		}
		if len(ds) != len(districts) {
			return apperr.Errorf(apperr.Invalid, "--district: %d of the %d districts are not in the data", len(districts)-len(ds), len(districts))
		}
		p = access.Principal{Role: access.RolePartner}
		for _, d := range ds {
			p.Districts = append(p.Districts, d.ID)
			if !strings.Contains(strings.Join(p.States, ","), d.StateCode) {
				p.States = append(p.States, d.StateCode)
			}
		}
	}
	rctx := access.WithPrincipal(ctx, p, cfg.SuppressBelow, *public)
	doc, err := dashboards.BoardReport(rctx, dashboards.ReportOptions{Metrics: metrics.NewEngine(db), Places: db, Lang: *lang,
		State: *state, SuppressBelow: cfg.SuppressBelow, Now: time.Now()})
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the %s board report", map[string]string{"en": "English", "es": "Spanish"}[*lang])
	if p.Role == access.RolePartner {
		what += " of " + strings.Join(p.Districts, ", ")
	}
	if *public {
		what += " (public: small cells suppressed)"
	}
	if ext != ".pdf" {
		if err := writeFileAtomic(*out, doc); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "camino report: wrote %s to %s in %s\n", what, *out, time.Since(start).Round(time.Millisecond))
		return nil
	}
	chromium, err := dashboards.FindChromium(e.getenv)
	if err != nil {
		html := strings.TrimSuffix(*out, filepath.Ext(*out)) + ".html"
		if werr := writeFileAtomic(html, doc); werr != nil {
			return werr
		}
		return apperr.Errorf(apperr.Unavailable, "%v; wrote %s as HTML to %s instead (open it in a browser and print it, or install chromium and run again)",
			err, what, html)
	}
	t := map[string]string{"en": "Board report", "es": "Informe para la junta"}[*lang]
	pdf, err := dashboards.PrintPDF(ctx, chromium, doc, "Camino · "+t)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, pdf); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "camino report: wrote %s to %s (PDF by %s) in %s\n", what, *out, chromium, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeFileAtomic writes b next to name and renames it into place: a
// failed write never leaves a truncated file that looks complete.
func writeFileAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".camino-report-*")
	if err != nil {
		return apperr.Errorf(apperr.Invalid, "-o %s: %v", name, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
