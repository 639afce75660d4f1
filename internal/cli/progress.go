package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress reports a long-running stream of rows: on a terminal a bar
// redrawn in place with rows/s, otherwise a plain line every few seconds
// (logs and CI). It never writes to stdout, which may be the data.
type progress struct {
	w        io.Writer
	tty      bool
	what     string
	total    int64 // bytes to read, 0 when unknown (stdin)
	read     atomic.Int64
	rows     atomic.Int64
	rejected atomic.Int64
	start    time.Time
	stop     chan struct{}
	wg       sync.WaitGroup
}

// progressMode is --progress: auto, bar, lines or none.
func newProgress(w io.Writer, mode, what string, total int64) *progress {
	p := &progress{w: w, what: what, total: total, start: time.Now(), stop: make(chan struct{})}
	switch mode {
	case "none":
		return p
	case "bar":
		p.tty = true
	case "auto":
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				p.tty = true
			}
		}
	}
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) draw() {
	el := time.Since(p.start)
	rows, rej := p.rows.Load(), p.rejected.Load()
	rate := float64(rows+rej) / max(el.Seconds(), 1e-9)
	pct := ""
	if p.total > 0 {
		pct = fmt.Sprintf("%3.0f%% ", 100*float64(p.read.Load())/float64(p.total))
	}
	if !p.tty {
		fmt.Fprintf(p.w, "%s: %s%s rows read, %s rejected, %s rows/s, %s\n", p.what, pct, count(rows+rej), count(rej),
			count(int64(rate)), el.Round(time.Second))
		return
	}
	bar := ""
	if p.total > 0 {
		const width = 24
		n := int(width * float64(p.read.Load()) / float64(p.total))
		n = min(max(n, 0), width)
		bar = "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "] "
	}
	fmt.Fprintf(p.w, "\r%s %s%s%s rows  %s rejected  %s rows/s  %s   ", p.what, bar, pct, count(rows+rej), count(rej),
		count(int64(rate)), el.Round(time.Second))
}

// done stops the reporter and clears a bar.
func (p *progress) done() {
	select {
	case <-p.stop:
		return
	default:
		close(p.stop)
	}
	p.wg.Wait()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// countingReader counts the bytes read through it (for the progress bar).
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// count formats n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
