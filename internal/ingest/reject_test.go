package ingest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRejectWriter checks the reject report's CSV.
func TestRejectWriter(t *testing.T) {
	var b strings.Builder
	w, err := NewRejectWriter(&b)
	checkErr(t, err)
	for _, r := range []Reject{
		{Line: 3, Column: "title", Value: "Lunch Lady", Reason: "unknown title"},
		{Line: 4, Column: "staff_id", Reason: "staff_id is required"},
		{Line: 5, Column: "title", Value: `=HYPERLINK("x"), "y"`, Reason: "unknown title, never guessed"},
		{Line: 6, Column: "students", Value: "-1", Reason: "students must be a whole number"},
	} {
		checkErr(t, w.Write(&r))
	}
	checkErr(t, w.Flush())
	want := file("line,column,value,reason",
		"3,title,Lunch Lady,unknown title",
		"4,staff_id,,staff_id is required",
		`5,title,"'=HYPERLINK(""x""), ""y""","unknown title, never guessed"`,
		"6,students,'-1,students must be a whole number")
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestClipValue checks that a Reject's value is valid UTF-8 of at most 80
// characters.
func TestClipValue(t *testing.T) {
	for in, want := range map[string]string{
		"":                          "",
		"Peña":                      "Peña",
		"Pe\xF1a":                   "Pe\uFFFDa",
		strings.Repeat("é", 81):     strings.Repeat("é", 80),
		strings.Repeat("x", 200):    strings.Repeat("x", 80),
		strings.Repeat("\xFF", 100): strings.Repeat("\uFFFD", 1),
	} {
		got := clipValue([]byte(in))
		if got != want || !utf8.ValidString(got) || utf8.RuneCountInString(got) > maxValueRunes {
			t.Errorf("clipValue(%q) = %q, want %q", in, got, want)
		}
	}
}
