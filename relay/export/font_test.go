package export

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

func TestLoadFontsErrorsHaveStableCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.ttf")
	os.WriteFile(junk, []byte("not a font at all"), 0o644)
	// A collection whose face has CFF outlines (as Noto Sans CJK's .ttc):
	// 'ttcf', version 1.0, one face at offset 16, whose table directory says 'OTTO'.
	cff := filepath.Join(dir, "cff.ttc")
	os.WriteFile(cff, []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), 0o644)
	cases := []struct{ name, path, code string }{
		{"Missing", filepath.Join(dir, "none.ttc"), CodeFontMissing},
		{"NotAFont", junk, CodeFontUnsupported},
		// CFF-flavoured, as Noto Sans CJK: fpdf cannot subset it.
		{"CFFCollection", cff, CodeFontUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadFonts(c.path)
			var fe *FontError
			if !errors.As(err, &fe) || fe.Code != c.code || fe.Path != c.path {
				t.Fatalf("err %v, want code %s", err, c.code)
			}
		})
	}
}

// Each face of a collection becomes a standalone TrueType font: its table
// directory points inside the copy, and the glyf table is there.
func TestCollectionFacesAreStandaloneFonts(t *testing.T) {
	b, err := os.ReadFile(DefaultFontPath)
	if err != nil {
		t.Fatalf("%v (apt-get install -y fonts-wqy-microhei)", err)
	}
	faces, err := sfntFaces(b)
	if err != nil || len(faces) != 2 {
		t.Fatalf("%d faces, %v", len(faces), err)
	}
	for i, f := range faces {
		again, err := sfntFaces(f)
		if err != nil || len(again) != 1 || len(again[0]) != len(f) {
			t.Errorf("face %d does not parse as a standalone font: %v", i, err)
		}
	}
	if _, err := sfntFaces(b[:40]); err == nil {
		t.Error("a truncated collection parsed")
	}
}

// The coverage read from the cmap is fontconfig's charset of the face, less
// right-to-left letters, within the BMP.
func TestFontCoverageMatchesFontconfig(t *testing.T) {
	f, err := LoadFonts(DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("fc-query", "--index", "0", "--format", "%{charset}\n", DefaultFontPath).Output()
	if err != nil {
		t.Fatalf("fc-query (Debian package fontconfig, which scripts/test.sh installs): %v", err)
	}
	var fc coverage
	for _, r := range strings.Fields(string(out)) {
		var lo, hi rune
		if n, _ := fmt.Sscanf(r, "%x-%x", &lo, &hi); n < 2 {
			hi = lo
		}
		for ch := lo; ch <= hi; ch++ {
			fc.set(ch, true)
		}
	}
	diff := 0
	for r := rune(0); r <= 0xFFFF; r++ {
		if f.covered.has(r) != fc.has(r) && !unicode.IsControl(r) { // drawn as spaces

			if p, _ := bidi.LookupRune(r); fc.has(r) && (p.Class() == bidi.R || p.Class() == bidi.AL) {
				continue
			}
			if diff++; diff <= 10 {
				t.Errorf("%U: cmap %v, fontconfig %v", r, f.covered.has(r), fc.has(r))
			}
		}
	}
	for _, r := range "é中かДλ\uFFFD" {
		if !f.covered.has(r) {
			t.Errorf("%q not covered", r)
		}
	}
	for _, r := range "țאعส" {
		if f.covered.has(r) {
			t.Errorf("%q covered", r)
		}
	}
	if f.covered.repl != 0xFFFD {
		t.Errorf("replacement %q", f.covered.repl)
	}
}
