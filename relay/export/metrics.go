package export

// font is one of the base-14 fonts the certificate uses; readers ship them,
// so nothing is embedded.
type font int

const (
	helvetica font = iota
	helveticaBold
	courier
)

var fontNames = [...]string{"Helvetica", "Helvetica-Bold", "Courier"}

// Advance widths (1/1000 em) of characters 32..126 from Adobe's AFM files;
// needed to right-align, centre and wrap text. Bytes above 126 use an
// average width: they are rare in this report and only affect wrapping.
var helveticaWidths = [95]int16{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

var helveticaBoldWidths = [95]int16{
	278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
	975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
	333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
	611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
}

// width is the width in points of encoded text b at size.
func (f font) width(b []byte, size float64) float64 {
	total := 0
	for _, c := range b {
		switch {
		case f == courier:
			total += 600
		case c < 32 || c > 126:
			total += 556
		case f == helveticaBold:
			total += int(helveticaBoldWidths[c-32])
		default:
			total += int(helveticaWidths[c-32])
		}
	}
	return float64(total) * size / 1000
}

// fitText cuts b to fit width, ending in an ellipsis when it had to cut.
func (f font) fitText(b []byte, size, width float64) []byte {
	if f.width(b, size) <= width {
		return b
	}
	ell := []byte{0x85} // '…' in WinAnsi
	for n := len(b) - 1; n > 0; n-- {
		if f.width(b[:n], size)+f.width(ell, size) <= width {
			return append(append([]byte(nil), b[:n]...), ell...)
		}
	}
	return ell
}

// wrap breaks b into lines no wider than width, after spaces or commas or
// before a URL's query when possible, anywhere when not (hashes).
func (f font) wrap(b []byte, size, width float64) [][]byte {
	var lines [][]byte
	for len(b) > 0 {
		if f.width(b, size) <= width {
			return append(lines, b)
		}
		n := 1
		for n < len(b) && f.width(b[:n+1], size) <= width {
			n++
		}
		cut := n
		for i := n; i > n/2; i-- {
			if b[i-1] == ',' || b[i-1] == ' ' || b[i] == '?' {
				cut = i
				break
			}
		}
		lines = append(lines, trimSpace(b[:cut]))
		b = trimSpace(b[cut:])
	}
	return lines
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}
