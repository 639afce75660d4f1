// Command screenshots remakes the README's pictures of the dashboards and
// the board report (docs/screenshots/*.png) from the Utah seed:
//
//	go run ./scripts/screenshots            (make screenshots)
//	go run ./scripts/screenshots -out /tmp/shots -only board,report
//
// It starts a local ClickHouse in a temporary directory, seeds Utah,
// serves camino in-process on a loopback port with the front-end assets of
// web/node_modules (make assets), signs in with a board key (and a partner
// key for the district page), and screenshots each page in a headless
// Chromium (Debian's chromium, or $CAMINO_CHROMIUM) once its charts are
// drawn. Nothing is left running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/camino-edu/camino/dashboards"
	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/seed"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// shot is one picture: a page, as whom, at what size, in which mode.
type shot struct {
	name    string
	path    string
	partner bool
	width   int64
	height  int64 // the picture's height: the top of the page
	media   string
	dark    bool
}

var shots = []shot{
	{name: "board", path: "/dashboards/board?lang=en", width: 1400, height: 1900},
	{name: "board-es", path: "/dashboards/board?lang=es", width: 1400, height: 1100},
	{name: "board-phone", path: "/dashboards/board?lang=en", width: 400, height: 1500},
	{name: "board-print", path: "/dashboards/board?lang=en", width: 794, height: 1500, media: "print"},
	{name: "state-dark", path: "/dashboards/state/UT?lang=en", width: 1400, height: 1100, dark: true},
	{name: "state", path: "/dashboards/state/UT?lang=en", width: 1400, height: 2000},
	{name: "district", path: "/dashboards/district/4900360?lang=en", width: 1400, height: 1900, partner: true},
	{name: "school", path: "/dashboards/school/490036090007?lang=en", width: 1400, height: 1100},
	{name: "report", path: "/reports/board?state=UT&lang=en", width: 840, height: 2200},
	{name: "report-es", path: "/reports/board?state=UT&lang=es", width: 840, height: 1100},
}

func main() {
	out := flag.String("out", "docs/screenshots", "directory to write the PNGs to")
	only := flag.String("only", "", "comma-separated names of the pictures to make (default: all)")
	assets := flag.String("assets-dir", "web/node_modules", "front-end packages installed by npm (make assets)")
	flag.Parse()
	if err := run(*out, *only, *assets); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out, only, assets string) error {
	if _, err := os.Stat(filepath.Join(assets, "echarts", "dist", "echarts.min.js")); err != nil {
		return fmt.Errorf("ECharts is not in %s: run `make assets` first", assets)
	}
	chromium, err := dashboards.FindChromium(os.Getenv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	fmt.Fprintln(os.Stderr, "screenshots: starting a local ClickHouse and seeding Utah")
	ch, err := chlocal.Start(ctx, chlocal.Options{Logger: log})
	if err != nil {
		return err
	}
	defer ch.Stop()
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: ch.Addr(), Database: "camino", Logger: log})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if _, err := seed.Run(ctx, db, seed.Options{Profile: "utah", Seed: 1}); err != nil {
		return err
	}
	board, err := access.Create(ctx, db, access.CreateOptions{Role: access.RoleBoard, Name: "screenshots"}, time.Now())
	if err != nil {
		return err
	}
	partner, err := access.Create(ctx, db, access.CreateOptions{Role: access.RolePartner, Districts: []string{"4900360"},
		Name: "screenshots (Granite)"}, time.Now())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: server.New(server.Options{DB: db, AssetsDir: assets, Log: log, Chromium: chromium}),
		ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	profile, err := os.MkdirTemp("", "camino-screenshots-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("hide-scrollbars", true), chromedp.Flag("font-render-hinting", "none"))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancelBrowser()
	if err := chromedp.Run(bctx); err != nil {
		return fmt.Errorf("starting %s: %w", chromium, err)
	}
	// stop the browser before its profile folder is removed
	defer func() { _ = chromedp.Cancel(bctx) }()
	tabs := map[bool]context.Context{}
	for _, isPartner := range []bool{false, true} {
		key := board.Secret
		if isPartner {
			key = partner.Secret
		}
		// each reader in a browser context of its own (its own cookies)
		tctx, cancelTab := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancelTab()
		if err := chromedp.Run(tctx, chromedp.Navigate(base+"/login"), chromedp.SendKeys("#key", key, chromedp.ByQuery),
			chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery), chromedp.WaitVisible("header.top", chromedp.ByQuery)); err != nil {
			return fmt.Errorf("signing in: %w", err)
		}
		tabs[isPartner] = tctx
	}
	var want []string
	if only != "" {
		want = strings.Split(only, ",")
	}
	made := 0
	for _, s := range shots {
		if want != nil && !slices.Contains(want, s.name) {
			continue
		}
		png, err := take(tabs[s.partner], base, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		file := filepath.Join(out, s.name+".png")
		if err := os.WriteFile(file, png, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "screenshots: %s (%d KB)\n", file, len(png)/1024)
		made++
	}
	if made == 0 {
		return errors.New("no picture by those names")
	}
	return nil
}

// drawnJS is true once every chart of the page is drawn and its
// animation over (a report has none).
const drawnJS = `document.readyState === 'complete' && (typeof echarts === 'undefined' ? !document.querySelector('[data-chart]') :
  Array.from(document.querySelectorAll('[data-chart]')).every(el => {
    const c = echarts.getInstanceByDom(el);
    return c && c.getZr().animation.isFinished();
  }))`

func take(ctx context.Context, base string, s shot) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	scheme := "light"
	if s.dark {
		scheme = "dark"
	}
	var png []byte
	err := chromedp.Run(ctx,
		emulation.SetDeviceMetricsOverride(s.width, s.height, 1, s.width < 600),
		emulation.SetEmulatedMedia().WithMedia("").WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}),
		chromedp.Navigate(base+s.path),
		chromedp.Poll(drawnJS, nil, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)),
		chromedp.ActionFunc(func(ctx context.Context) error {
			if s.media != "print" {
				return nil
			}
			// as the browser prints it: print media, the charts redrawn at
			// the paper's width
			if err := emulation.SetEmulatedMedia().WithMedia("print").Do(ctx); err != nil {
				return err
			}
			return chromedp.Evaluate(`window.caminoPrint && window.caminoPrint.before(), true`, nil).Do(ctx)
		}),
		chromedp.Poll(drawnJS, nil, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second)),
		chromedp.CaptureScreenshot(&png),
	)
	return png, err
}
