package export

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
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
// that fpdf can parse and subset.
type Fonts struct {
	regular []byte
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
	return &Fonts{regular: faces[0]}, nil
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
