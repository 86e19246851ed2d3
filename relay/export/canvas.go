package export

import (
	"bytes"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// rgb is a fill colour, components 0..1.
type rgb struct{ r, g, b float64 }

var (
	navy      = rgb{0.09, 0.20, 0.38}
	ink       = rgb{0.13, 0.15, 0.18}
	muted     = rgb{0.42, 0.46, 0.52}
	hairline  = rgb{0.82, 0.85, 0.89}
	panel     = rgb{0.955, 0.965, 0.98}
	white     = rgb{1, 1, 1}
	paleWhite = rgb{0.78, 0.84, 0.93}
)

func (c rgb) ints() (int, int, int) {
	return int(c.r*255 + 0.5), int(c.g*255 + 0.5), int(c.b*255 + 0.5)
}

// statusColor gives each status the colour a reader expects of it.
func statusColor(s string) rgb {
	switch s {
	case "COMPLETED", "SIGNED":
		return rgb{0.12, 0.53, 0.31}
	case "PENDING":
		return rgb{0.80, 0.52, 0.07}
	case "DECLINED", "VOIDED":
		return rgb{0.75, 0.19, 0.17}
	}
	return muted
}

// font is how text is set. There is one typeface (a CJK font with Latin,
// Greek and Cyrillic); bold is the same outlines filled and stroked, which
// costs no second font in every file.
type font int

const (
	regular font = iota
	bold
	code // hashes and ids: regular, named apart so a monospaced face can come back
)

// The family's name becomes the embedded font's name: fpdf writes it as
// "utf8"+family, and named rewrites that 7-byte prefix to a subset tag.
const (
	family     = "qs+WenQuanYi"
	fpdfPrefix = "/utf8qs+"
	subsetTag  = "/QRSGNA+" // ISO 32000 9.6.4: a subset's name is tag+name
)

// canvas draws pages with fpdf in the PDF's own coordinates (points, origin
// bottom left), so layouts read like the page they make.
type canvas struct {
	p    *fpdf.Fpdf
	cov  *coverage
	font font
	size float64
	gs   gstate
	// replaced is set when text drew a character the font lacks as a
	// replacement; a layout clears it and notes it to the reader.
	replaced bool
}

// gstate is the graphics state the current page's content has set, so a
// thousand pages of text do not repeat it before every string (fpdf writes
// each setting, and wraps text whose colour is not the fill colour in its
// own q/Q). It is forgotten whenever drawing moves to a page.
type gstate struct {
	fill, draw rgb
	lineWidth  float64
	mode       int // text rendering mode: 0 fill, 2 fill then stroke
}

// unknown is the state of a page drawing moves to: nothing matches it.
var unknown = gstate{fill: rgb{-1, 0, 0}, draw: rgb{-1, 0, 0}, lineWidth: -1, mode: -1}

func newCanvas(fonts *Fonts, title string) *canvas {
	p := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: pageW, Ht: pageH}})
	p.SetAutoPageBreak(false, 0)
	p.SetMargins(0, 0, 0)
	p.SetCompression(false) // deflatePages compresses the pages, faster
	p.SetCatalogSort(true)  // images and fonts in name order, not map order: the same input gives the same bytes
	p.SetProducer("qrsign export", false)
	p.SetCreator("qrsign", false)
	p.SetTitle(title, true)
	p.AddUTF8FontFromBytes(family, "", fonts.regular)
	p.SetFont(family, "", 10)
	return &canvas{p: p, cov: fonts.covered, size: 10, gs: unknown}
}

// page starts a page and returns its number.
func (c *canvas) page() int {
	c.p.AddPage()
	c.p.SetFont(family, "", c.size)
	c.gs = unknown
	return c.p.PageNo()
}

// setPage goes back to page n, whose state is wherever its drawing ended.
func (c *canvas) setPage(n int) {
	c.p.SetPage(n)
	c.gs = unknown
}

func (c *canvas) fill(col rgb) {
	if c.gs.fill != col {
		c.p.SetFillColor(col.ints())
		c.gs.fill = col
	}
}

// stroke sets the state of drawing text: bold is filled and stroked with a
// line of width w in col; regular is filled only.
func (c *canvas) stroke(on bool, col rgb, w float64) {
	mode := 0
	if on {
		mode = 2
		if c.gs.draw != col {
			c.p.SetDrawColor(col.ints())
			c.gs.draw = col
		}
		if c.gs.lineWidth != w {
			c.p.SetLineWidth(w)
			c.gs.lineWidth = w
		}
	}
	if c.gs.mode != mode {
		c.p.SetTextRenderingMode(mode)
		c.gs.mode = mode
	}
}

func (c *canvas) rect(x, y, w, h float64, col rgb) {
	c.fill(col)
	c.p.Rect(x, pageH-y-h, w, h, "F")
}

// hline is a thin rule, drawn as a rectangle to avoid stroke state.
func (c *canvas) hline(x, y, w float64, col rgb) { c.rect(x, y, w, 0.6, col) }

func (c *canvas) use(f font, size float64) {
	if size != c.size {
		c.p.SetFontSize(size)
		c.size = size
	}
	c.font = f
}

// text draws s with its baseline at y.
func (c *canvas) text(f font, size, x, y float64, s string, col rgb) {
	c.use(f, size)
	c.fill(col) // text in the fill colour needs no q/Q of its own
	c.p.SetTextColor(col.ints())
	c.stroke(f == bold, col, size*0.045)
	s, ok := c.pdfText(s)
	c.replaced = c.replaced || !ok
	c.p.Text(x, pageH-y, s)
}

// textRight draws text ending at x.
func (c *canvas) textRight(f font, size, x, y float64, s string, col rgb) {
	c.text(f, size, x-c.width(f, s, size), y, s, col)
}

// textCenter draws text centred on x.
func (c *canvas) textCenter(f font, size, x, y float64, s string, col rgb) {
	c.text(f, size, x-c.width(f, s, size)/2, y, s, col)
}

// width is the width in points of s at size: the width at the current size,
// scaled, as setting the size would write a Tf operator to the page.
func (c *canvas) width(f font, s string, size float64) float64 {
	d, _ := c.pdfText(s)
	w := c.p.GetStringWidth(d) * size / c.size
	if f == bold {
		w += size * 0.045 // the stroke's overhang
	}
	return w
}

// fitText cuts s to fit width, ending in an ellipsis when it had to cut.
func (c *canvas) fitText(f font, s string, size, width float64) string {
	if c.width(f, s, size) <= width {
		return s
	}
	rs := []rune(s)
	for n := len(rs) - 1; n > 0; n-- {
		if t := string(rs[:n]) + "…"; c.width(f, t, size) <= width {
			return t
		}
	}
	return "…"
}

// wrap breaks s into lines no wider than width: after spaces or commas or
// before a URL's query when possible, anywhere when not (hashes, and
// Chinese, which breaks between any two characters).
func (c *canvas) wrap(f font, s string, size, width float64) []string {
	var lines []string
	rs := []rune(s)
	for len(rs) > 0 {
		if c.width(f, string(rs), size) <= width {
			return append(lines, string(rs))
		}
		n := 1
		for n < len(rs) && c.width(f, string(rs[:n+1]), size) <= width {
			n++
		}
		cut := n
		for i := n; i > n/2; i-- {
			if rs[i-1] == ',' || rs[i-1] == ' ' || rs[i] == '?' {
				cut = i
				break
			}
		}
		lines = append(lines, strings.TrimSpace(string(rs[:cut])))
		rs = []rune(strings.TrimLeft(string(rs[cut:]), " "))
	}
	return lines
}

// qr paints the QR code of content into the square (x, y, side).
func (c *canvas) qr(content string, x, y, side float64) error {
	ops, err := qrInline(content, x, y, side)
	if err != nil {
		return err
	}
	c.p.RawWriteStr(ops)
	return c.p.Error()
}

// finish writes the document to w, its pages deflated. fpdf names an embedded font "utf8<family>"
// with no subset tag although it embeds only the glyphs used; the names
// (font dictionaries, never in compressed streams) are rewritten to carry a
// tag of the same length, so offsets hold and readers see a subset.
func (c *canvas) finish(w io.Writer) error {
	var buf bytes.Buffer
	if err := c.p.Output(&buf); err != nil {
		return err
	}
	b := buf.Bytes()
	for i := 0; ; { // in place: the tag has the prefix's length, and a long export is tens of MB
		j := bytes.Index(b[i:], []byte(fpdfPrefix))
		if j < 0 {
			break
		}
		i += j + copy(b[i+j:], subsetTag)
	}
	return deflatePages(w, b)
}

// pdfText makes s drawable: characters the font cannot draw (see
// coverage; fpdf also panics beyond U+FFFF) and invalid bytes become the
// replacement character, and control characters spaces. ok is false when
// a character was replaced.
func (c *canvas) pdfText(s string) (_ string, ok bool) {
	clean := true
	for _, r := range s {
		if !c.cov.has(r) || r == utf8.RuneError || unicode.IsControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s, true
	}
	ok = true
	out := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case r == utf8.RuneError || !c.cov.has(r):
			ok = ok && r == utf8.RuneError && c.cov.repl == utf8.RuneError // an invalid byte, or a U+FFFD the data holds
			return c.cov.repl
		}
		return r
	}, s)
	return out, ok
}
