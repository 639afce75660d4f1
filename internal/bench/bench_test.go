package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesOnlyTheResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	before := "# Benchmarks\n\nHand-written intro.\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\nHand-written notes.\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, "| new | table |\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# Benchmarks\n\nHand-written intro.\n\n<!-- bench:begin -->\n| new | table |\n<!-- bench:end -->\n\nHand-written notes.\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A file without markers (or none at all) gets a fresh results section.
	fresh := filepath.Join(t.TempDir(), "B.md")
	if err := WriteFile(fresh, "| t |\n"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fresh); !strings.Contains(string(b), "<!-- bench:begin -->\n| t |\n<!-- bench:end -->") {
		t.Fatalf("fresh file = %s", b)
	}
}
