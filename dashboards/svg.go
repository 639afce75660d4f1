package dashboards

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Static charts for the board report: small, hand-made SVG (no script, no
// font to load), so that the report is one document that prints, converts
// to PDF and opens anywhere. Text in them is real text (a PDF keeps it
// searchable). They draw what the dashboards' charts draw, from the same
// figures; a hidden value is a gap with its "<10" tag where it would stand.

// svgSeries is one series of a chart: a value per category (nil: a gap),
// how it is drawn, and tags for what it cannot draw (by category).
type svgSeries struct {
	name   string
	values []*float64
	colour string
	dash   string // "" solid, "6 4" dashed, "2 3" dotted
	// connect draws a line across gaps (a path between its two ends).
	connect bool
	tags    map[int]string
}

// svgMark is a named point of a line chart (expected by now, the target).
type svgMark struct {
	at    int // category index
	value float64
	text  string
}

// svgChart is a line or stacked-bar chart over categories.
type svgChart struct {
	title      string // for screen readers
	categories []string
	series     []svgSeries
	marks      []svgMark
	yName      string
	format     func(float64) string
	bars       bool // stacked bars (else lines)
	width      int
	height     int
}

const (
	svgInk   = "#1b1f23"
	svgMuted = "#57606a"
	svgLine  = "#d0d7de"
)

func svgEsc(s string) string { return template.HTMLEscapeString(s) }

// niceMax is a round number at or above v for an axis that starts at 0,
// and the step between its ticks.
func niceMax(v float64) (top, step float64) {
	if v <= 0 || math.IsNaN(v) {
		return 1, 0.25
	}
	raw := v / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return math.Ceil(v/step-1e-9) * step, step
}

// render writes the chart as an inline SVG element.
func (c svgChart) render() template.HTML {
	w, h := c.width, c.height
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 240
	}
	const left, right, top, bottom = 52, 16, 44, 40
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	// the value axis: 0 to a round number above every value and mark
	hi := 0.0
	if c.bars {
		for i := range c.categories {
			sum := 0.0
			for _, s := range c.series {
				if i < len(s.values) && s.values[i] != nil {
					sum += *s.values[i]
				}
			}
			hi = math.Max(hi, sum)
		}
	} else {
		for _, s := range c.series {
			for _, v := range s.values {
				if v != nil {
					hi = math.Max(hi, *v)
				}
			}
		}
	}
	for _, m := range c.marks {
		hi = math.Max(hi, m.value)
	}
	topV, step := niceMax(hi)
	n := len(c.categories)
	band := pw / float64(max(n, 1))
	x := func(i int) float64 { return float64(left) + band*(float64(i)+0.5) }
	y := func(v float64) float64 { return float64(top) + ph - v/topV*ph }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="11">`,
		w, h, svgEsc(c.title))
	// legend
	lx := float64(left)
	for _, s := range c.series {
		if c.bars {
			fmt.Fprintf(&b, `<rect x="%.1f" y="8" width="14" height="10" fill="%s"/>`, lx, s.colour)
		} else {
			fmt.Fprintf(&b, `<line x1="%.1f" y1="13" x2="%.1f" y2="13" stroke="%s" stroke-width="2.5" stroke-dasharray="%s"/>`, lx, lx+18, s.colour, s.dash)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="17" fill="%s">%s</text>`, lx+22, svgInk, svgEsc(s.name))
		lx += 22 + 6.5*float64(len([]rune(s.name))) + 18
	}
	if c.yName != "" {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`, left-44, top-10, svgMuted, svgEsc(c.yName))
	}
	// grid and value axis
	for v := 0.0; v <= topV+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="1"/>`, left, y(v), w-right, y(v), svgLine)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="%s">%s</text>`, left-6, y(v)+4, svgMuted, svgEsc(c.format(v)))
	}
	// category axis: every label that fits
	every := int(math.Ceil(48 / band))
	for i, cat := range c.categories {
		if (n-1-i)%max(every, 1) == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="%s">%s</text>`, x(i), h-bottom+16, svgMuted, svgEsc(cat))
		}
	}
	if c.bars {
		bw := band * 0.62
		for i := range c.categories {
			base := 0.0
			for _, s := range c.series {
				if i >= len(s.values) || s.values[i] == nil || *s.values[i] <= 0 {
					continue
				}
				v := *s.values[i]
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
					x(i)-bw/2, y(base+v), bw, y(base)-y(base+v), s.colour, svgEsc(c.categories[i]), svgEsc(s.name), svgEsc(c.format(v)))
				base += v
			}
		}
	} else {
		for _, s := range c.series {
			var seg []string
			flush := func() {
				if len(seg) > 1 {
					fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" stroke-dasharray="%s" points="%s"/>`, s.colour, s.dash, strings.Join(seg, " "))
				}
				seg = seg[:0]
			}
			for i, v := range s.values {
				if v == nil {
					if !s.connect {
						flush()
					}
					continue
				}
				seg = append(seg, fmt.Sprintf("%.1f,%.1f", x(i), y(*v)))
				if !s.connect {
					fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.2" fill="%s"/>`, x(i), y(*v), s.colour)
				}
			}
			flush()
		}
	}
	// tags: what a series cannot draw, where it would stand
	for _, s := range c.series {
		for i, tag := range s.tags {
			tw := 8 + 6.5*float64(len([]rune(tag)))
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="15" rx="3" fill="#fff" stroke="%s" stroke-dasharray="3 2"/>`,
				x(i)-tw/2, y(0)-19, tw, svgMuted)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, x(i), y(0)-8, svgInk, svgEsc(tag))
		}
	}
	for _, m := range c.marks {
		cx, cy := x(m.at), y(m.value)
		fmt.Fprintf(&b, `<path d="M%.1f %.1fl5 5-5 5-5-5z" fill="%s"/>`, cx, cy-5, svgInk)
		anchor := "middle"
		if m.at == n-1 {
			anchor = "end"
		}
		tw := 7 * float64(len([]rune(m.text)))
		bx := cx - tw/2
		if anchor == "end" {
			bx = cx - tw
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="14" fill="#fff" fill-opacity="0.85"/>`, bx-2, cy-21, tw+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="%s" font-weight="bold" fill="%s">%s</text>`,
			cx, cy-10, anchor, svgInk, svgEsc(m.text))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`, left, y(0), w-right, y(0), svgMuted)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
