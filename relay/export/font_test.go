package export

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
