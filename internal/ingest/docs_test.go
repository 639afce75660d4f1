package ingest

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated parts of docs/formats.md")

const formatsDoc = "../../docs/formats.md"

// Markers of the generated default title table in docs/formats.md.
const (
	titlesBegin = "<!-- BEGIN default titles: generated from internal/ingest defaultTitles by " +
		"`go test ./internal/ingest/ -run TestFormatsDoc -update`; do not edit by hand -->\n"
	titlesEnd = "<!-- END default titles -->"
)

// titleTable renders the default title table as Markdown.
func titleTable() string {
	tiers := map[int]string{tierSchool: "school", tierDistrict: "district", tierState: "state"}
	var b strings.Builder
	b.WriteString("| role_code | post at | titles |\n| --- | --- | --- |\n")
	for _, g := range defaultTitles {
		b.WriteString("| `" + g.role + "` | " + tiers[roleTier[g.role]] + " | " + strings.Join(g.titles, ", ") + " |\n")
	}
	b.WriteString("| unknown on purpose | — | " + strings.Join(ambiguousTitles, ", ") + " |\n")
	return b.String()
}

// TestFormatsDoc checks that docs/formats.md shows the default title table
// as the code has it (-update rewrites it), names every title, and names
// every column each file accepts.
func TestFormatsDoc(t *testing.T) {
	raw, err := os.ReadFile(formatsDoc)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	before, rest, ok1 := strings.Cut(doc, titlesBegin)
	_, after, ok2 := strings.Cut(rest, titlesEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the default title table markers", formatsDoc)
	}
	generated := before + titlesBegin + titleTable() + titlesEnd + after
	if *update {
		if err := os.WriteFile(formatsDoc, []byte(generated), 0o644); err != nil {
			t.Fatal(err)
		}
		doc = generated
	}
	if doc != generated {
		t.Errorf("%s: the default title table is not the code's; run go test ./internal/ingest/ -run TestFormatsDoc -update", formatsDoc)
	}
	for _, g := range defaultTitles {
		for _, title := range g.titles {
			if !strings.Contains(doc, title) {
				t.Errorf("%s does not list the title %q", formatsDoc, title)
			}
		}
	}
	for _, spec := range []*fileSpec{staffingFile, enrollmentFile, membersFile, eventsFile, titleFile} {
		for _, col := range append(append([]string{}, spec.known...), spec.ignored...) {
			if !strings.Contains(doc, "`"+col+"`") {
				t.Errorf("%s does not document the %s column %s", formatsDoc, spec.what, col)
			}
		}
	}
	for _, typ := range eventTypes {
		if !strings.Contains(doc, "`"+typ+"`") {
			t.Errorf("%s does not list the event type %s", formatsDoc, typ)
		}
	}
}
