package ingest

import (
	"io"
	"runtime"
	"strconv"
	"testing"
)

// staffingGen is a staffing file of n rows made on the fly as it is read,
// never held in memory: every row a different person, cycling through
// schools, titles and answers.
type staffingGen struct {
	n, i int // rows in all, rows made so far (0: the header is next)
	buf  []byte
	off  int
}

var genVariants = []struct{ school, title, rest string }{
	{"490003000001", "Teacher", ",1,F,N,white"},
	{"490003000002", "Mathematics Teacher", ",0.5,M,Y,white;american_indian_alaska_native"},
	{"490003000001", "Instructional Coach", ",1,,N,asian;black"},
	{"490003000002", "Assistant Principal", ",1,X,,"},
	{"", "Director of Curriculum", ",1,F,Y,"},
}

func (g *staffingGen) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		if g.i > g.n {
			return 0, io.EOF
		}
		g.buf, g.off = g.buf[:0], 0
		if g.i == 0 {
			g.buf = append(g.buf, staffHeader+"\n"...)
		} else {
			v := genVariants[g.i%len(genVariants)]
			g.buf = append(g.buf, "2023,4900030,"...)
			g.buf = append(g.buf, v.school...)
			g.buf = append(g.buf, ",E"...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, ',')
			g.buf = append(g.buf, v.title...)
			g.buf = append(g.buf, v.rest...)
			g.buf = append(g.buf, '\n')
		}
		g.i++
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// TestStaffingMemory streams a 1,000,000-row staffing file through a
// StaffingReader and checks that every row is accepted and the heap in use
// stays below 150 MB (the duplicate set needs 16 MiB; the rows are not
// kept).
func TestStaffingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams a million rows")
	}
	const rows, limit = 1_000_000, 150 << 20
	s, err := NewStaffingReader(&staffingGen{n: rows}, StaffingOptions{Key: testKey, Directory: testDir{}})
	checkErr(t, err)
	var ms runtime.MemStats
	var peak uint64
	sample := func() {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	accepted := 0
	for {
		_, rej, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rej != nil {
			t.Fatalf("reject: %v", rej)
		}
		if accepted++; accepted%100_000 == 0 {
			sample()
		}
	}
	sample()
	if accepted != rows {
		t.Errorf("%d rows accepted, want %d", accepted, rows)
	}
	if peak >= limit {
		t.Errorf("heap in use reached %d MB, want below %d MB", peak>>20, limit>>20)
	}
	t.Logf("%d rows, heap in use at most %d MB", accepted, peak>>20)
}
