package ingest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/camino-edu/camino/internal/apperr"
)

// header is a file's first record: the column names (normalised) by
// position, and the position of each name.
type header struct {
	line  int
	names []string
	idx   map[string]int
}

// col returns the position of name, or -1 when the file has no such column.
func (h *header) col(name string) int {
	if i, ok := h.idx[name]; ok {
		return i
	}
	return -1
}

// has reports whether the header has the column.
func (h *header) has(name string) bool { return h.col(name) >= 0 }

// columnName names field i of a record for a Reject.
func (h *header) columnName(i int) string {
	if i >= 0 && i < len(h.names) {
		return h.names[i]
	}
	return fmt.Sprintf("field %d", i+1)
}

// normColumn normalises a header name: case, surrounding spaces, and spaces
// or hyphens inside ("School Year", "school-year" → school_year).
func normColumn(b []byte) string {
	s := strings.ToLower(strings.TrimSpace(string(b)))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}

// readHeader reads and checks the header of a file of the kind spec
// describes: its first record, a known name in each column, each once.
func readHeader(c *csvReader, spec *fileSpec) (*header, error) {
	invalid := func(format string, args ...any) error {
		return apperr.Errorf(apperr.Invalid, "%s: "+format+"; expected a header like %s (see docs/formats.md)",
			append([]any{spec.what}, append(args, spec.expected)...)...)
	}
	err := c.read()
	if err == io.EOF {
		return nil, invalid("the file is empty")
	}
	if err != nil {
		return nil, err
	}
	h := &header{line: c.start, idx: map[string]int{}}
	raw := c.buf
	if bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(raw, []byte{0xFE, 0xFF}) || bytes.IndexByte(raw, 0) >= 0 {
		return nil, invalid("line %d is not UTF-8 text (UTF-16 or binary?): save the file as UTF-8 CSV", h.line)
	}
	if c.bad != nil {
		return nil, invalid("header line %d, column %d: %s", h.line, c.bad.field+1, c.bad.reason)
	}
	for i := range c.nfields() {
		if !utf8.Valid(c.field(i)) {
			return nil, invalid("header line %d, column %d is not valid UTF-8: save the file as UTF-8", h.line, i+1)
		}
	}
	if d := delimiter(c); d != "" {
		return nil, invalid("the delimiter looks like %s, not a comma: the file must be comma-separated (save it as CSV with commas)", d)
	}
	if bytes.IndexByte(raw, '\r') >= 0 {
		return nil, invalid("line ends are CR only (an old Mac format): save the file with LF or CRLF line ends")
	}
	allowed := map[string]bool{}
	for _, k := range spec.known {
		allowed[k] = true
	}
	for _, k := range spec.ignored {
		allowed[k] = true
	}
	var unknown []string
	for i := range c.nfields() {
		name := normColumn(c.field(i))
		if name == "" {
			return nil, invalid("header line %d, column %d has no name", h.line, i+1)
		}
		if _, dup := h.idx[name]; dup {
			return nil, invalid("column %s appears twice in the header", name)
		}
		if !allowed[name] {
			unknown = append(unknown, clipValue([]byte(name)))
		}
		h.idx[name] = i
		h.names = append(h.names, name)
	}
	if len(unknown) > 0 {
		return nil, invalid("unknown column(s) in the header: %s", strings.Join(unknown, ", "))
	}
	return h, nil
}

// delimiter names the delimiter a one-column header seems to use instead
// of commas ("';'", "tab", "'|'"), or returns "".
func delimiter(c *csvReader) string {
	if c.nfields() != 1 {
		return ""
	}
	f := c.field(0)
	for _, d := range []struct {
		sep  byte
		name string
	}{{';', "';'"}, {'\t', "tab"}, {'|', "'|'"}} {
		if bytes.IndexByte(f, d.sep) >= 0 {
			return d.name
		}
	}
	return ""
}

// invalidf is an apperr.Invalid error with a formatted message.
func invalidf(format string, args ...any) error {
	return apperr.Errorf(apperr.Invalid, format, args...)
}

// missingColumns returns an error naming the required columns h lacks.
func missingColumns(h *header, spec *fileSpec, required ...string) error {
	var miss []string
	for _, r := range required {
		if !h.has(r) {
			miss = append(miss, r)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	return invalidf("%s: missing column(s) in the header: %s; expected a header like %s (see docs/formats.md)",
		spec.what, strings.Join(miss, ", "), spec.expected)
}
