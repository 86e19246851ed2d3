package export

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/i18n"
)

func manySigners(n int) []SheetSigner {
	var ss []SheetSigner
	for i := 1; i <= n; i++ {
		ss = append(ss, SheetSigner{Label: fmt.Sprintf("Org1MSP/signer%02d", i), Order: i, Status: "PENDING", URL: fmt.Sprintf("https://sign.example.com/s/%02d", i)})
	}
	return ss
}

// Every row of QR codes lies within its page, above the footer, under its
// document's heading on the same page; no page is without a row.
func TestSheetPlanKeepsEveryRowOnAPage(t *testing.T) {
	var docs []SheetDoc
	for i, n := range []int{1, 9, 10, 2, 12, 32, 4, 16, 3, 0} {
		docs = append(docs, SheetDoc{Order: i + 1, ID: fmt.Sprint("d", i), Signers: manySigners(n)})
	}
	items := planSheet(docs)
	rows := map[int]int{}
	pageRows := map[int]int{}
	headOn := map[[2]int]bool{} // doc, page
	last := 1
	for _, it := range items {
		if it.page < last || it.page > last+1 {
			t.Fatalf("%+v: pages out of order", it)
		}
		last = it.page
		if it.row < 0 {
			headOn[[2]int{it.doc, it.page}] = true
			if it.y > sheetTop || it.y-sheetDocH-sheetRowH < sheetBottom {
				t.Errorf("%+v: heading without room for a row", it)
			}
			continue
		}
		if !headOn[[2]int{it.doc, it.page}] {
			t.Errorf("%+v: a row on a page without its document's heading", it)
		}
		if it.row != rows[it.doc] {
			t.Errorf("%+v: row %d expected", it, rows[it.doc])
		}
		rows[it.doc]++
		pageRows[it.page]++
		qrBottom, qrTop, label := it.y-sheetQR+4, it.y-12, it.y-sheetQR-8
		if qrTop > pageH-sheetHeadH || qrBottom < 0 || label-3 < sheetBottom {
			t.Errorf("%+v: QR %.1f..%.1f, label %.1f: off the page or over the footer", it, qrBottom, qrTop, label)
		}
	}
	for i, d := range docs {
		if want := max(1, (len(d.Signers)+2)/3); rows[i] != want {
			t.Errorf("document %d: %d rows, want %d", i, rows[i], want)
		}
	}
	for p := 1; p <= last; p++ {
		if pageRows[p] == 0 {
			t.Errorf("page %d has no row", p)
		}
	}
}

var traceImage = regexp.MustCompile(`<fill_image [^>]*transform="([-0-9. ]+)"`)

// A sheet for one document of n signers (MaxSigners is 32): every label
// once, every page with signers on it, every QR code within its page.
func TestSheetPDFManySignersPaginates(t *testing.T) {
	f, err := LoadFonts(DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 9, 10, 12, 16, 32} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var buf bytes.Buffer
			docs := []SheetDoc{{Order: 1, ID: "doc-1", Title: "Many signers", SHA256: strings.Repeat("a", 64), Status: "PENDING", Signers: manySigners(n)}}
			if err := WriteSheetPDF(&buf, SheetOptions{BatchID: "b1", Fonts: f}, docs); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "s.pdf")
			os.WriteFile(p, buf.Bytes(), 0o644)
			out, err := exec.Command("pdftotext", p, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			txt := string(out)
			for i := 1; i <= n; i++ {
				if c := strings.Count(txt, fmt.Sprintf("Org1MSP/signer%02d", i)); c != 1 {
					t.Errorf("signer %d: label %d times on the pages", i, c)
				}
			}
			pages := strings.Split(strings.TrimSuffix(txt, "\f"), "\f")
			if want := (n + 8) / 9; len(pages) != want {
				t.Errorf("%d pages, want %d", len(pages), want)
			}
			for i, pg := range pages {
				if !strings.Contains(pg, "Org1MSP/signer") {
					t.Errorf("page %d has no signer: %q", i+1, pg)
				}
				if cont := strings.Contains(pg, "Many signers (continued)"); cont != (i > 0) {
					t.Errorf("page %d: continued heading %v", i+1, cont)
				}
			}
			tr, err := exec.Command("mutool", "trace", p).Output()
			if err != nil {
				t.Skip("mutool:", err)
			}
			imgs := traceImage.FindAllStringSubmatch(string(tr), -1)
			if len(imgs) != n {
				t.Errorf("%d QR images, want %d", len(imgs), n)
			}
			for _, m := range imgs {
				var v [6]float64
				for i, s := range strings.Fields(m[1]) {
					v[i], _ = strconv.ParseFloat(s, 64)
				}
				if v[4] < 0 || v[5] < 0 || v[4]+v[0] > pageW || v[5]+v[3] > pageH {
					t.Errorf("QR image at %v lies beyond the page", v)
				}
			}
		})
	}
}

// A title the font cannot draw is replaced and noted once, in the sheet's
// language.
func TestSheetPDFNotesReplacedCharacters(t *testing.T) {
	f, err := LoadFonts(DefaultFontPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		title, lang string
		note        bool
	}{
		{"Contract de prestări servicii între părți", "", true},
		{"חוזה שירותים", "zh-CN", true},
		{"劳动合同 Договор Σύμβαση café かな", "", false},
	} {
		var buf bytes.Buffer
		docs := []SheetDoc{{Order: 1, ID: "doc-1", Title: c.title, SHA256: strings.Repeat("a", 64), Status: "PENDING", Signers: manySigners(10)}}
		if err := WriteSheetPDF(&buf, SheetOptions{BatchID: "b1", Fonts: f, Lang: i18n.Lang(c.lang)}, docs); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "s.pdf")
		os.WriteFile(p, buf.Bytes(), 0o644)
		out, _ := exec.Command("pdftotext", p, "-").Output()
		txt := string(out)
		note := msgs.T(i18n.Lang(c.lang), "sheetGlyphNote")
		if got := strings.Count(txt, note[:20]); got != map[bool]int{true: 1, false: 0}[c.note] {
			t.Errorf("%q: note %d times:\n%s", c.title, got, txt)
		}
		if strings.Contains(txt, "\uFFFD") != c.note {
			t.Errorf("%q: U+FFFD in the text %v", c.title, !c.note)
		}
		if !c.note && !strings.Contains(txt, "1. "+c.title) {
			t.Errorf("%q: title changed:\n%s", c.title, txt)
		}
	}
}
