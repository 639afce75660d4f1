package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/camino-edu/camino/internal/apperr"
)

// maxRecordBytes bounds one record (a line, or several joined by quoted
// newlines). A real record is well under 1 KiB; a longer one means a quote
// was never closed or the file has no line ends we know, and the reader stops
// there rather than hold the rest of the file in memory.
const maxRecordBytes = 64 << 10

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// syntaxErr is a record-level CSV problem: the record is rejected, reading
// goes on with the next line.
type syntaxErr struct {
	field  int // 0-based index of the field where it was found
	reason string
}

// csvReader reads RFC 4180 records (comma-separated, "" quoting, quoted
// newlines) line by line in bounded memory, knowing the line where each
// record starts. LF and CRLF line ends are accepted, a UTF-8 BOM on the first
// line is dropped, empty lines are skipped. A quote inside an unquoted value
// is kept as a literal character (it is unambiguous); text after the closing
// quote of a quoted value is a syntax error.
//
// A quote that opens a value and is not closed on its line may be a value
// that spans lines, or a typing mistake that would swallow the records after
// it. Once the header is known (want), a record that spans lines and comes
// out malformed (a number of values other than the header's, text after the
// closing quote, no closing quote before the end of the file or within 64
// KiB) is taken for the mistake: its first line alone is rejected and
// reading resumes on the next line.
type csvReader struct {
	br    *bufio.Reader
	line  int // physical lines consumed so far
	start int // line where the current record starts
	buf   []byte
	ends  []int
	bad   *syntaxErr
	what  string // "staffing file", for messages
	want  int    // values a record has (the header's), 0 while unknown

	pending [][]byte // lines given back, to read again
	cont    [][]byte // copies of the lines the current record continued onto
	cut     struct { // the current record as its first line alone had it
		buf, field int
	}
}

func newCSVReader(r io.Reader, what string) *csvReader {
	return &csvReader{br: bufio.NewReaderSize(r, maxRecordBytes), what: what}
}

func (c *csvReader) tooLong() error {
	return apperr.Errorf(apperr.Invalid,
		"%s line %d: a record longer than %d KiB: a quoted value is not closed, or the file does not end lines with LF or CRLF",
		c.what, c.start, maxRecordBytes>>10)
}

// nextLine returns the next physical line without its line end (valid until
// the next call), or io.EOF.
func (c *csvReader) nextLine() ([]byte, error) {
	if len(c.pending) > 0 {
		b := c.pending[0]
		c.pending = c.pending[1:]
		c.line++
		return b, nil
	}
	b, err := c.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		if c.start == 0 {
			c.start = c.line + 1
		}
		return nil, c.tooLong()
	case err == io.EOF:
		if len(b) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, apperr.Wrap(apperr.Invalid, err, fmt.Sprintf("reading the %s after line %d", c.what, c.line))
	}
	c.line++
	if c.line == 1 {
		b = bytes.TrimPrefix(b, utf8BOM)
	}
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b, nil
}

// read reads the next record into c.buf/c.ends (c.bad set when it is
// malformed). It returns io.EOF at the end and a fatal error when a line is
// too long or the input fails.
func (c *csvReader) read() error {
	c.buf, c.ends, c.bad, c.start, c.cont = c.buf[:0], c.ends[:0], nil, 0, c.cont[:0]
	var line []byte
	for {
		l, err := c.nextLine()
		if err != nil {
			return err
		}
		if len(l) > 0 {
			line = l
			break
		}
	}
	c.start = c.line
	err := c.fields(line)
	if errors.Is(err, errTooLong) && (c.want == 0 || len(c.cont) == 0) {
		return c.tooLong()
	}
	if c.want > 0 && len(c.cont) > 0 && (err != nil || c.bad != nil || len(c.ends) != c.want) {
		if fatal := err != nil && !errors.Is(err, errTooLong); fatal {
			return err
		}
		c.unclosed()
		return nil
	}
	return err
}

// errTooLong ends a record that grew past maxRecordBytes.
var errTooLong = errors.New("record too long")

// fields splits the record that starts with line, reading the lines a
// quoted value continues onto.
func (c *csvReader) fields(line []byte) error {
	pos := 0
	for {
		if pos < len(line) && line[pos] == '"' {
			pos++
			for {
				i := bytes.IndexByte(line[pos:], '"')
				if i < 0 {
					if len(c.cont) == 0 {
						c.cut.buf, c.cut.field = len(c.buf)+len(line)-pos, len(c.ends)
					}
					c.buf = append(c.buf, line[pos:]...)
					l, err := c.nextLine()
					if err == io.EOF {
						c.ends = append(c.ends, len(c.buf))
						c.bad = &syntaxErr{len(c.ends) - 1, "a quoted value is not closed before the end of the file"}
						return nil
					}
					if err != nil {
						return err
					}
					c.cont = append(c.cont, bytes.Clone(l))
					c.buf = append(c.buf, '\n')
					if len(c.buf) > maxRecordBytes {
						return errTooLong
					}
					line, pos = l, 0
					continue
				}
				c.buf = append(c.buf, line[pos:pos+i]...)
				pos += i + 1
				if pos < len(line) && line[pos] == '"' {
					c.buf = append(c.buf, '"')
					pos++
					continue
				}
				break
			}
			c.ends = append(c.ends, len(c.buf))
			if pos == len(line) {
				return nil
			}
			if line[pos] == ',' {
				pos++
				continue
			}
			c.bad = &syntaxErr{len(c.ends) - 1, `text after the closing quote of a quoted value (inside quotes, write a quote as "")`}
			return nil
		}
		i := bytes.IndexByte(line[pos:], ',')
		if i < 0 {
			c.buf = append(c.buf, line[pos:]...)
			c.ends = append(c.ends, len(c.buf))
			if len(c.buf) > maxRecordBytes {
				return c.tooLong()
			}
			return nil
		}
		c.buf = append(c.buf, line[pos:pos+i]...)
		c.ends = append(c.ends, len(c.buf))
		pos += i + 1
	}
}

// unclosed makes the current record its first line alone, rejected for the
// quote it does not close, and gives back the lines it had continued onto.
func (c *csvReader) unclosed() {
	c.buf, c.ends = c.buf[:c.cut.buf], append(c.ends[:c.cut.field], c.cut.buf)
	c.bad = &syntaxErr{c.cut.field, `a quoted value is not closed on its line (the lines after it are read as records; ` +
		`a value that spans lines must keep the file's number of values)`}
	c.pending = append(slices.Clone(c.cont), c.pending...)
	c.line -= len(c.cont)
	c.cont = c.cont[:0]
}

// nfields is the number of fields of the current record.
func (c *csvReader) nfields() int { return len(c.ends) }

// field returns field i of the current record, spaces and tabs around it
// trimmed (valid until the next read).
func (c *csvReader) field(i int) []byte {
	lo := 0
	if i > 0 {
		lo = c.ends[i-1]
	}
	return bytes.Trim(c.buf[lo:c.ends[i]], " \t")
}
