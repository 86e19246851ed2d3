package export

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/text/unicode/bidi"
)

// DefaultFontPath is WenQuanYi Micro Hei as Debian's fonts-wqy-microhei
// installs it: one TrueType (glyf) collection covering Latin with accents,
// Greek, Cyrillic, kana and simplified and traditional Chinese, with a
// monospaced second face (unused: one face per PDF keeps fpdf's per-export font
// parse at ~15 ms CPU). Its licence (Apache-2.0, or GPLv3 with the
// font exception) allows embedding; every PDF embeds the subset it uses.
const DefaultFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// Stable codes of font errors; the relay refuses to start with either.
const (
	CodeFontMissing     = "PDF_FONT_MISSING"
	CodeFontUnsupported = "PDF_FONT_UNSUPPORTED"
)

// FontError says why the PDF font cannot be used.
type FontError struct {
	Code, Path, Reason string
}

func (e *FontError) Error() string {
	return fmt.Sprintf("%s: PDF font %s: %s", e.Code, e.Path, e.Reason)
}

// Fonts are the TrueType face every PDF draws with, as a standalone sfnt
// that fpdf can parse and subset, and the characters it can draw.
type Fonts struct {
	regular []byte
	covered *coverage
}

var fontCache sync.Map // path -> *fontLoad: a font is read once per process

type fontLoad struct {
	once sync.Once
	f    *Fonts
	err  error
}

// LoadFonts reads the font at path once per process: a .ttf, or the first
// face of a .ttc. Errors are *FontError.
func LoadFonts(path string) (*Fonts, error) {
	v, _ := fontCache.LoadOrStore(path, &fontLoad{})
	l := v.(*fontLoad)
	l.once.Do(func() { l.f, l.err = readFonts(path) })
	return l.f, l.err
}

func readFonts(path string) (*Fonts, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &FontError{CodeFontMissing, path, "not found; install the Debian package fonts-wqy-microhei (scripts/up.sh and scripts/test.sh do) or set pdfFont"}
		}
		return nil, &FontError{CodeFontMissing, path, err.Error()}
	}
	faces, err := sfntFaces(b)
	if err != nil {
		return nil, &FontError{CodeFontUnsupported, path, err.Error()}
	}
	cov, err := fontCoverage(faces[0])
	if err != nil {
		return nil, &FontError{CodeFontUnsupported, path, err.Error()}
	}
	return &Fonts{regular: faces[0], covered: cov}, nil
}

// sfntFaces splits a TrueType file or collection into standalone fonts. A
// collection's faces share tables by offset; each face gets its own copy, the
// table directory rewritten to point at it. Only glyf outlines qualify: fpdf
// cannot subset CFF (most .otf, Noto CJK).
func sfntFaces(b []byte) ([][]byte, error) {
	if len(b) < 12 {
		return nil, errors.New("too short to be a font")
	}
	if string(b[:4]) != "ttcf" {
		face, err := sfntFace(b, 0)
		if err != nil {
			return nil, err
		}
		return [][]byte{face}, nil
	}
	n := int(binary.BigEndian.Uint32(b[8:]))
	if n < 1 || 12+4*n > len(b) {
		return nil, errors.New("malformed collection header")
	}
	faces := make([][]byte, n)
	for i := range faces {
		face, err := sfntFace(b, int(binary.BigEndian.Uint32(b[12+4*i:])))
		if err != nil {
			return nil, fmt.Errorf("face %d: %w", i, err)
		}
		faces[i] = face
	}
	return faces, nil
}

// sfntFace copies the face whose table directory starts at off.
func sfntFace(b []byte, off int) ([]byte, error) {
	if off < 0 || off+12 > len(b) {
		return nil, errors.New("table directory out of range")
	}
	switch v := binary.BigEndian.Uint32(b[off:]); v {
	case 0x00010000, 0x74727565: // 1.0, 'true'
	case 0x4f54544f: // 'OTTO'
		return nil, errors.New("CFF outlines (OpenType/CFF); a TrueType (glyf) font is needed")
	default:
		return nil, fmt.Errorf("not a TrueType font (version %#08x)", v)
	}
	nt := int(binary.BigEndian.Uint16(b[off+4:]))
	dir := off + 12
	if dir+16*nt > len(b) {
		return nil, errors.New("table directory out of range")
	}
	head := 12 + 16*nt
	size := head
	for i := 0; i < nt; i++ {
		r := b[dir+16*i:]
		o, l := int(binary.BigEndian.Uint32(r[8:])), int(binary.BigEndian.Uint32(r[12:]))
		if o < 0 || l < 0 || o+l > len(b) {
			return nil, fmt.Errorf("table %q out of range", r[:4])
		}
		size += (l + 3) &^ 3
	}
	out := make([]byte, head, size)
	copy(out, b[off:off+12])
	glyf := false
	for i := 0; i < nt; i++ {
		r := b[dir+16*i : dir+16*i+16]
		o, l := int(binary.BigEndian.Uint32(r[8:])), int(binary.BigEndian.Uint32(r[12:]))
		e := out[12+16*i:]
		copy(e, r)
		binary.BigEndian.PutUint32(e[8:], uint32(len(out)))
		out = append(out, b[o:o+l]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		glyf = glyf || string(r[:4]) == "glyf"
	}
	if !glyf {
		return nil, errors.New("no glyf table; a TrueType (glyf) font is needed")
	}
	return out, nil
}

// coverage is a bitset of the BMP characters a PDF draws as themselves
// (fpdf cannot draw beyond U+FFFF); the rest are drawn as repl.
type coverage struct {
	bits [0x10000 / 64]uint64
	repl rune // U+FFFD when the font has it, else '?'
}

func (c *coverage) has(r rune) bool {
	return r >= 0 && r <= 0xFFFF && c.bits[r>>6]&(1<<(r&63)) != 0
}

func (c *coverage) set(r rune, on bool) {
	if r < 0 || r > 0xFFFF {
		return
	}
	if on {
		c.bits[r>>6] |= 1 << (r & 63)
	} else {
		c.bits[r>>6] &^= 1 << (r & 63)
	}
}

// fontCoverage reads the characters face maps to a glyph (its cmap), less
// the right-to-left letters: fpdf lays text out left to right in logical
// order, so Hebrew or Arabic would print reversed and unjoined.
func fontCoverage(face []byte) (*coverage, error) {
	cmap, err := sfntTable(face, "cmap")
	if err != nil {
		return nil, err
	}
	sub, format, err := unicodeSubtable(cmap)
	if err != nil {
		return nil, err
	}
	c := &coverage{}
	if format == 12 {
		err = cmapFormat12(sub, c)
	} else {
		err = cmapFormat4(sub, c)
	}
	if err != nil {
		return nil, fmt.Errorf("cmap: %w", err)
	}
	for r := rune(0); r <= 0xFFFF; r++ {
		if c.has(r) {
			if p, _ := bidi.LookupRune(r); p.Class() == bidi.R || p.Class() == bidi.AL {
				c.set(r, false)
			}
		}
	}
	c.repl = '?'
	if c.has(0xFFFD) {
		c.repl = 0xFFFD
	}
	return c, nil
}

// sfntTable is the table tag of a standalone font.
func sfntTable(face []byte, tag string) ([]byte, error) {
	if len(face) < 12 {
		return nil, errors.New("too short to be a font")
	}
	nt := int(binary.BigEndian.Uint16(face[4:]))
	for i := 0; i < nt && 12+16*i+16 <= len(face); i++ {
		r := face[12+16*i:]
		if string(r[:4]) == tag {
			o, l := int(binary.BigEndian.Uint32(r[8:])), int(binary.BigEndian.Uint32(r[12:]))
			if o < 0 || l < 0 || o+l > len(face) {
				break
			}
			return face[o : o+l], nil
		}
	}
	return nil, fmt.Errorf("no %s table", tag)
}

// unicodeSubtable picks the cmap subtable for Unicode: a full-repertoire one
// (format 12) when there is one, else a BMP one (format 4).
func unicodeSubtable(cmap []byte) ([]byte, int, error) {
	if len(cmap) < 4 {
		return nil, 0, errors.New("cmap: too short")
	}
	var best []byte
	bestFormat := 0
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	for i := 0; i < n && 4+8*i+8 <= len(cmap); i++ {
		e := cmap[4+8*i:]
		platform, enc := binary.BigEndian.Uint16(e), binary.BigEndian.Uint16(e[2:])
		off := int(binary.BigEndian.Uint32(e[4:]))
		if platform != 0 && !(platform == 3 && (enc == 1 || enc == 10)) {
			continue
		}
		if off < 0 || off+2 > len(cmap) {
			continue
		}
		f := int(binary.BigEndian.Uint16(cmap[off:]))
		if (f == 4 || f == 12) && f > bestFormat {
			best, bestFormat = cmap[off:], f
		}
	}
	if best == nil {
		return nil, 0, errors.New("cmap: no Unicode subtable of format 4 or 12")
	}
	return best, bestFormat, nil
}

// cmapFormat4 marks the characters of a segment-mapped subtable that map to
// a glyph other than 0 (.notdef).
func cmapFormat4(t []byte, c *coverage) error {
	if len(t) < 14 {
		return errors.New("format 4: too short")
	}
	segs := int(binary.BigEndian.Uint16(t[6:])) / 2
	ends, starts := 14, 16+2*segs
	deltas, ranges := starts+2*segs, starts+4*segs
	if ranges+2*segs > len(t) {
		return errors.New("format 4: segments out of range")
	}
	u16 := func(o int) int { return int(binary.BigEndian.Uint16(t[o:])) }
	for i := 0; i < segs; i++ {
		end, start := u16(ends+2*i), u16(starts+2*i)
		delta, ro := u16(deltas+2*i), u16(ranges+2*i)
		for ch := start; ch <= end && ch != 0xFFFF; ch++ {
			g := 0
			if ro == 0 {
				g = (ch + delta) & 0xFFFF
			} else if o := ranges + 2*i + ro + 2*(ch-start); o+2 <= len(t) {
				if g = u16(o); g != 0 {
					g = (g + delta) & 0xFFFF
				}
			}
			c.set(rune(ch), g != 0)
		}
	}
	return nil
}

// cmapFormat12 marks the BMP characters of a segmented-coverage subtable.
func cmapFormat12(t []byte, c *coverage) error {
	if len(t) < 16 {
		return errors.New("format 12: too short")
	}
	n := int(binary.BigEndian.Uint32(t[12:]))
	if n < 0 || 16+12*n > len(t) {
		return errors.New("format 12: groups out of range")
	}
	for i := 0; i < n; i++ {
		g := t[16+12*i:]
		lo, hi, gid := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:]), binary.BigEndian.Uint32(g[8:])
		for ch := lo; ch <= hi && ch <= 0xFFFF; ch++ {
			c.set(rune(ch), gid+(ch-lo) != 0)
		}
	}
	return nil
}
