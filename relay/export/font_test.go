package export

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadFontsErrorsHaveStableCodes(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.ttf")
	os.WriteFile(junk, []byte("not a font at all"), 0o644)
	// A collection of one CFF-flavoured face, as Noto Sans CJK is (fpdf
	// cannot subset it); made here, as no install script puts Noto on a machine.
	cff := filepath.Join(dir, "cff.ttc")
	os.WriteFile(cff, []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10OTTO\x00\x00\x00\x00\x00\x00\x00\x00"), 0o644)
	cases := []struct{ name, path, code, reason string }{
		{"Missing", filepath.Join(dir, "none.ttc"), CodeFontMissing, "not found"},
		{"NotAFont", junk, CodeFontUnsupported, "not a TrueType font"},
		{"CFFCollection", cff, CodeFontUnsupported, "CFF outlines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadFonts(c.path)
			var fe *FontError
			if !errors.As(err, &fe) || fe.Code != c.code || fe.Path != c.path || !strings.Contains(fe.Reason, c.reason) {
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
