package export

import (
	"bytes"
	"strconv"
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

// canvas accumulates one page's content stream. Coordinates are PDF points,
// origin bottom left.
type canvas struct{ b bytes.Buffer }

func num(v float64) string {
	return strconv.FormatFloat(float64(int64(v*100+0.5*sign(v)))/100, 'f', -1, 64)
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func (c *canvas) ops(parts ...string) {
	for i, p := range parts {
		if i > 0 {
			c.b.WriteByte(' ')
		}
		c.b.WriteString(p)
	}
	c.b.WriteByte('\n')
}

func (c *canvas) rect(x, y, w, h float64, col rgb) {
	c.ops(num(col.r), num(col.g), num(col.b), "rg", num(x), num(y), num(w), num(h), "re f")
}

// hline is a thin rule, drawn as a rectangle to avoid stroke state.
func (c *canvas) hline(x, y, w float64, col rgb) { c.rect(x, y, w, 0.6, col) }

// text draws encoded text with its baseline at y.
func (c *canvas) text(f font, size, x, y float64, b []byte, col rgb) {
	c.ops("BT", num(col.r), num(col.g), num(col.b), "rg", fontRes(f), num(size), "Tf", num(x), num(y), "Td", pdfString(b), "Tj ET")
}

// textRight draws text ending at x.
func (c *canvas) textRight(f font, size, x, y float64, b []byte, col rgb) {
	c.text(f, size, x-f.width(b, size), y, b, col)
}

// textCenter draws text centred on x.
func (c *canvas) textCenter(f font, size, x, y float64, b []byte, col rgb) {
	c.text(f, size, x-f.width(b, size)/2, y, b, col)
}

// image paints image resource name into the square (x, y, side).
func (c *canvas) image(name string, x, y, side float64) {
	c.ops("q", num(side), "0 0", num(side), num(x), num(y), "cm", "/"+name, "Do Q")
}

func fontRes(f font) string { return "/F" + strconv.Itoa(int(f)+1) }
