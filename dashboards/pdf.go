package dashboards

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// PDFs are printed by a headless Chromium (Debian's chromium), started for
// one document with a fresh profile and stopped afterwards: the same
// browser the tests read the dashboards with.

// ErrNoChromium says no Chromium was found to print a PDF with.
var ErrNoChromium = errors.New("no Chromium found to print the PDF with (install Debian's chromium, or set CAMINO_CHROMIUM to its path)")

// FindChromium is the Chromium to print PDFs with: $CAMINO_CHROMIUM when
// set (it must exist), else chromium, chromium-browser, google-chrome or
// google-chrome-stable on the PATH, else /usr/bin/chromium.
func FindChromium(getenv func(string) string) (string, error) {
	if p := strings.TrimSpace(getenv("CAMINO_CHROMIUM")); p != "" {
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return "", fmt.Errorf("CAMINO_CHROMIUM=%s: %w", p, ErrNoChromium)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	return "", ErrNoChromium
}

// PrintPDF prints an HTML document to PDF with the Chromium at path: its
// own page size (@page), backgrounds, and "page N of M" with footer at the
// foot of each page.
func PrintPDF(ctx context.Context, path string, html []byte, footer string) ([]byte, error) {
	profile, err := os.MkdirTemp("", "camino-chromium-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true), chromedp.Flag("mute-audio", true))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(string, ...any) {}))
	defer cancelBrowser()
	var pdf []byte
	err = chromedp.Run(bctx,
		chromedp.Navigate("about:blank"),
		chromedp.ActionFunc(func(ctx context.Context) error {
			tree, err := page.GetFrameTree().Do(ctx)
			if err != nil {
				return err
			}
			return page.SetDocumentContent(tree.Frame.ID, string(html)).Do(ctx)
		}),
		chromedp.WaitReady("body", chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = page.PrintToPDF().WithPrintBackground(true).WithPreferCSSPageSize(true).
				WithDisplayHeaderFooter(true).WithHeaderTemplate("<span></span>").
				WithFooterTemplate(`<div style="font: 8px system-ui, sans-serif; color: #57606a; width: 100%; padding: 0 14mm; display: flex; justify-content: space-between;">` +
					`<span>` + escapeFooter(footer) + `</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`).
				Do(ctx)
			return err
		}))
	// stop the browser before its profile folder is removed
	_ = chromedp.Cancel(bctx)
	if err != nil {
		return nil, fmt.Errorf("printing the PDF with %s: %w", path, err)
	}
	return pdf, nil
}

func escapeFooter(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
