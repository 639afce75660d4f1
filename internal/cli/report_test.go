package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/whtest"
)

// camino report board: HTML, PDF through Chromium, and without Chromium
// the HTML instead, saying so; a partner key's report; bad flags refused
// before anything is read.
func TestReportBoard(t *testing.T) {
	db := whtest.Utah(t)
	env := map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": db.Database()}
	dir := t.TempDir()
	ctx := context.Background()

	html := filepath.Join(dir, "board.html")
	code, _, errOut := run(ctx, env, "report", "board", "--lang", "es", "-o", html)
	if code != 0 || !strings.Contains(errOut, "wrote the Spanish board report to "+html) {
		t.Fatalf("report -o board.html: %d %s", code, errOut)
	}
	b, _ := os.ReadFile(html)
	if !bytes.Contains(b, []byte("<h1>Utah: líderes educativos latinos en <span class=\"nb\">")) || bytes.Contains(b, []byte("<script")) {
		t.Errorf("the HTML report: %.300s", b)
	}

	// Without Chromium: the HTML, and an exit status that says the PDF failed.
	noPDF := filepath.Join(dir, "nochrome.pdf")
	env2 := map[string]string{"CAMINO_CHROMIUM": filepath.Join(dir, "no-such-chromium")}
	for k, v := range env {
		env2[k] = v
	}
	code, _, errOut = run(ctx, env2, "report", "board", "-o", noPDF)
	if code != 1 || !strings.Contains(errOut, "no Chromium found") || !strings.Contains(errOut, "nochrome.html instead") {
		t.Errorf("report -o x.pdf without Chromium: %d %q", code, errOut)
	}
	if _, err := os.Stat(strings.TrimSuffix(noPDF, ".pdf") + ".html"); err != nil {
		t.Errorf("without Chromium no HTML was written: %v", err)
	}
	if _, err := os.Stat(noPDF); err == nil {
		t.Error("without Chromium a PDF was written")
	}

	// A partner key's report, as PDF.
	nk, err := access.Create(ctx, db, access.CreateOptions{Role: access.RolePartner, Districts: []string{"4900360"}, Name: "report test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "partner.key")
	if err := os.WriteFile(keyFile, []byte(nk.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "partner.pdf")
	code, _, errOut = run(ctx, env, "report", "board", "--key-file", keyFile, "-o", pdf)
	if code != 0 || !strings.Contains(errOut, "of 4900360") {
		t.Fatalf("report --key-file partner: %d %s", code, errOut)
	}
	out, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	if !strings.Contains(text, "Granite School District: Latino educational leaders in") || strings.Contains(text, "Jordan School District") {
		t.Errorf("the partner's PDF: %.400s", text)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "want 'camino report board"},
		{[]string{"report", "board"}, "give a file ending in .html or .pdf"},
		{[]string{"report", "board", "-o", "x.docx"}, "give a file ending in .html or .pdf"},
		{[]string{"report", "board", "--lang", "fr", "-o", "x.html"}, "--lang"},
		{[]string{"report", "board", "--state", "Utah", "-o", "x.html"}, "--state"},
		{[]string{"report", "board", "--district", "49", "-o", "x.html"}, "--district"},
		{[]string{"report", "board", "--district", "4900360", "--key-file", keyFile, "-o", "x.html"}, "not both"},
		{[]string{"report", "board", "--key-file", filepath.Join(dir, "missing"), "-o", "x.html"}, "--key-file"},
		{[]string{"report", "board", "--district", "4999999", "-o", filepath.Join(dir, "x.html")}, "not in the data"},
	} {
		code, _, errOut := run(ctx, env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("camino %v: exit %d, %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}
