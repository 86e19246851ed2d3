package export

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func sheetFixture() []SheetDoc {
	var docs []SheetDoc
	for i, t := range []string{"Lease", "Annex A", "Annex B"} {
		docs = append(docs, SheetDoc{Order: i + 1, ID: "b1.000" + string(rune('1'+i)), Title: t, Status: "PENDING",
			SHA256: strings.Repeat("ab", 32),
			Signers: []SheetSigner{
				{Label: "Org1MSP/bob", Order: 1, Status: "PENDING", URL: "http://relay.test/s/" + strings.Repeat("t", 180) + string(rune('a'+i))},
				{Label: "Org2MSP/carol", Order: 2, Status: "SIGNED"},
			}})
	}
	return docs
}

func TestSheetPDFOpensAndItsQRDecodesToTheSigningLink(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSheetPDF(&buf, SheetOptions{BatchID: "b1", Title: "Onboarding", Fonts: testFonts(t)}, sheetFixture()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "sheet.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o600)
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", pdf, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	if len(pages) != 1 {
		t.Fatalf("pages %v", pages)
	}
	out, err := exec.Command("zbarimg", "-q", "--raw", pages[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	got := strings.Fields(string(out))
	want := map[string]bool{}
	for _, d := range sheetFixture() {
		want[d.Signers[0].URL] = true
	}
	if len(got) != 3 {
		t.Fatalf("decoded %d QR codes, want 3: %q", len(got), got)
	}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("decoded %q, not a signing link of the sheet", g)
		}
	}
	if txt, err := exec.Command("pdftotext", pdf, "-").Output(); err == nil {
		for _, s := range []string{"1. Lease", "SHA-256 abababababab...", "Org2MSP/carol", "SIGNED"} {
			if !strings.Contains(string(txt), s) {
				t.Errorf("sheet text lacks %q", s)
			}
		}
	}
}

func TestSheetHTMLListsDocumentsInOrderWithHashPrefixAndQR(t *testing.T) {
	var buf bytes.Buffer
	err := WriteSheetHTML(&buf, SheetOptions{BatchID: "b1"}, sheetFixture(), func(string) (string, error) {
		return "data:image/png;base64,AAAA", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	i, j := strings.Index(s, "1. Lease"), strings.Index(s, "3. Annex B")
	if i < 0 || j < i || strings.Count(s, `src="data:image/png;base64,AAAA"`) != 3 || !strings.Contains(s, "abababababab…") {
		t.Fatal(s)
	}
}

func testFonts(t *testing.T) *Fonts {
	t.Helper()
	f, err := LoadFonts(DefaultFontPath)
	if err != nil {
		t.Fatalf("%v (apt-get install -y fonts-wqy-microhei): this test must not be skipped", err)
	}
	return f
}

// A sheet titled in Chinese, in Chinese, keeps its title and embeds its font.
func TestSheetPDFInChinese(t *testing.T) {
	var buf bytes.Buffer
	docs := sheetFixture()
	docs[0].Title = "劳动合同 2026"
	if err := WriteSheetPDF(&buf, SheetOptions{BatchID: "b1", Title: "入职文件", Lang: "zh-CN", Fonts: testFonts(t)}, docs); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "sheet.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o600)
	txt, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"签署单：入职文件", "1. 劳动合同 2026", "已签署", "批次 b1"} {
		if !strings.Contains(string(txt), s) {
			t.Errorf("sheet text lacks %q:\n%s", s, txt)
		}
	}
	fonts, err := exec.Command("pdffonts", pdf).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:]
	if len(lines) == 0 {
		t.Fatal("no fonts")
	}
	for _, l := range lines {
		if f := strings.Fields(l); f[len(f)-5] != "yes" || f[len(f)-4] != "yes" {
			t.Errorf("font not embedded as a subset: %s", l)
		}
	}
}

func TestSheetHTMLInChinese(t *testing.T) {
	var buf bytes.Buffer
	err := WriteSheetHTML(&buf, SheetOptions{BatchID: "b1", Lang: "zh-CN"}, sheetFixture(), func(string) (string, error) {
		return "data:image/png;base64,AAAA", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`<html lang="zh-CN">`, "<h1>签署单</h1>", "请按顺序", "已签署", `alt="以 Org1MSP/bob 身份签署的二维码"`} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("sheet lacks %q", s)
		}
	}
}
