package export_test

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

	"github.com/qrsign/qrsign/chaincode/model"

	"github.com/qrsign/qrsign/relay/export"
)

const publicURL = "https://sign.example.com"

func pdfOf(t testing.TB, recs ...export.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	o := export.Options{PublicURL: publicURL, GeneratedAt: t0.Add(72 * 3600e9), Issuer: "Org1 relay", Fonts: fonts(t)}
	if err := export.Write(export.PDF, &buf, recs, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every xref entry must point at the "N 0 obj" it names, and startxref at
// the table: readers that do not repair files depend on it.
func TestPDFCrossReferenceOffsetsPointAtTheirObjects(t *testing.T) {
	pdf := pdfOf(t, completedRecord(), pendingRecord())
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("missing header or EOF marker")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	lines := strings.Split(string(pdf[xref:]), "\n")
	count, _ := strconv.Atoi(strings.Fields(lines[1])[1])
	if lines[2] != "0000000000 65535 f " {
		t.Fatalf("free entry %q", lines[2])
	}
	for num := 1; num < count; num++ {
		e := lines[2+num]
		if len(e)+1 != 20 || !strings.HasSuffix(e, " 00000 n ") {
			t.Fatalf("entry %d %q is not a 20-byte in-use entry", num, e)
		}
		off, _ := strconv.Atoi(e[:10])
		if want := strconv.Itoa(num) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: offset %d holds %q", num, off, pdf[off:off+12])
		}
	}
	if !regexp.MustCompile(`/Size ` + strconv.Itoa(count) + `\b`).Match(pdf) {
		t.Error("trailer /Size does not match the xref count")
	}
}

// fpdf leaves page streams raw for deflatePages: none may reach the file so.
func TestPDFEveryStreamIsCompressed(t *testing.T) {
	pdf := pdfOf(t, completedRecord(), pendingRecord())
	streams := bytes.Count(pdf, []byte(">>\nstream\n"))
	if raw := regexp.MustCompile(`<</Length \d+>>\nstream\n`).FindAll(pdf, -1); len(raw) > 0 || streams < 3 {
		t.Errorf("%d streams, %d of them raw", streams, len(raw))
	}
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (apt-get install -y poppler-utils zbar-tools): this test must not be skipped", name)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(needTool(t, name), args...)
	cmd.Stderr = &stderr // zbarimg complains about D-Bus there
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.Bytes())
	}
	return string(out)
}

// Rendered by poppler, each page shows the title and hash, and its QR code
// decodes (zbar) to that document's verification URL.
func TestPDFRendersAndItsQRCodeOpensTheVerificationURL(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "certs.pdf")
	recs := []export.Record{completedRecord(), pendingRecord()}
	if err := os.WriteFile(file, pdfOf(t, recs...), 0o644); err != nil {
		t.Fatal(err)
	}
	info := run(t, "pdfinfo", file)
	if !regexp.MustCompile(`Pages:\s+2\n`).MatchString(info) {
		t.Fatalf("want 2 pages:\n%s", info)
	}
	for i, r := range recs {
		page := strconv.Itoa(i + 1)
		text := run(t, "pdftotext", "-layout", "-f", page, "-l", page, file, "-")
		for _, want := range []string{map[bool]string{true: "Certificate of Completion", false: "Signature Record"}[i == 0], r.Document.SHA256, firstWords(r.Document.Title), string(r.Document.EffectiveStatus)} {
			if !strings.Contains(text, want) {
				t.Errorf("page %s text lacks %q:\n%s", page, want, text)
			}
		}
		png := filepath.Join(dir, "page"+page)
		run(t, "pdftoppm", "-png", "-r", "150", "-f", page, "-l", page, "-singlefile", file, png)
		if *keep != "" {
			b, _ := os.ReadFile(png + ".png")
			os.WriteFile(filepath.Join(*keep, "page"+page+".png"), b, 0o644)
		}
		got := strings.TrimSpace(run(t, "zbarimg", "-q", "--raw", png+".png"))
		if want := publicURL + "/verify?doc=" + r.Document.ID; got != want {
			t.Errorf("page %s QR decodes to %q, want %q", page, got, want)
		}
	}
	text := run(t, "pdftotext", "-f", "1", "-l", "1", file, "-")
	for _, want := range []string{"CN=alice,OU=client,O=Org1", "CN=fabric-ca-server,OU=Fabric,O=Org2", "2026-11-20 09:47:00 UTC", "block 19"} {
		if !strings.Contains(text, want) {
			t.Errorf("page 1 lacks %q", want)
		}
	}
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

// Titles in any script the ledger accepts come back out of the PDF as they
// went in: the font is embedded as a subset and maps glyphs to Unicode.
// PDF delimiters in titles do not break the stream; runes fpdf cannot encode
// (beyond U+FFFF) become U+FFFD rather than corrupting the page.
func TestPDFRoundTripsTitlesInEveryScript(t *testing.T) {
	lacking := func(s string) string { // what the font cannot draw prints as U+FFFD
		return strings.Map(func(r rune) rune {
			if r == ' ' {
				return r
			}
			return '\uFFFD'
		}, s)
	}
	cases := []struct {
		name, title, want string
		note              bool // the certificate says some characters could not be shown
	}{
		{"Simplified", "劳动合同 2026", "劳动合同 2026", false},
		{"Traditional", "勞動契約書（第二版）", "勞動契約書（第二版）", false},
		{"Kana", "秘密保持契約書 ひらがな カタカナ", "秘密保持契約書 ひらがな カタカナ", false},
		{"AccentedLatin", `Vertrag über Lieferung – Müller & Söhne (€ 5\6) à Besançon`, `Vertrag über Lieferung – Müller & Söhne (€ 5\6) à Besançon`, false},
		{"Cyrillic", "Договор поставки № 7", "Договор поставки № 7", false},
		{"Greek", "Σύμβαση εργασίας", "Σύμβαση εργασίας", false},
		{"Supplementary", "Gift 🎁 ok", "Gift \ufffd ok", true},
		// Not in the font: Romanian comma-below letters, Thai.
		{"Romanian", "Contract de prestări servicii între părți", "Contract de prestări servicii între păr\ufffdi", true},
		{"Thai", "สัญญาบริการ", lacking("สัญญาบริการ"), true},
		// Right to left: fpdf would print it in logical order, reversed.
		{"Hebrew", "חוזה שירותים", lacking("חוזה שירותים"), true},
		{"Arabic", "عقد الخدمات", lacking("عقد الخدمات"), true},
	}
	note := "Some characters cannot be shown in this font"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := completedRecord()
			r.Document.Title = c.title
			file := filepath.Join(t.TempDir(), "t.pdf")
			os.WriteFile(file, pdfOf(t, r, completedRecord()), 0o644) // the second needs no note
			text := strings.Join(strings.Fields(run(t, "pdftotext", file, "-")), " ")
			if !strings.Contains(text, c.want) {
				t.Errorf("text lacks %q:\n%s", c.want, text)
			}
			if n := strings.Count(text, note); n != map[bool]int{true: 1}[c.note] {
				t.Errorf("the note is there %d times:\n%s", n, text)
			}
			if !c.note && strings.Contains(text, "\uFFFD") {
				t.Errorf("a U+FFFD in the text:\n%s", text)
			}
			assertFontsEmbedded(t, file)
		})
	}
}

func TestPDFNoteOfReplacedCharactersInChinese(t *testing.T) {
	r := completedRecord()
	r.Document.Title = "Contract între părți"
	var buf bytes.Buffer
	o := export.Options{PublicURL: publicURL, Lang: "zh-CN", Fonts: fonts(t)}
	if err := export.Write(export.PDF, &buf, []export.Record{r}, o); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "t.pdf")
	os.WriteFile(file, buf.Bytes(), 0o644)
	if text := run(t, "pdftotext", file, "-"); !strings.Contains(text, "部分字符无法以此字体显示") {
		t.Errorf("no note in Chinese:\n%s", text)
	}
}

// assertFontsEmbedded fails unless pdffonts lists fonts and every one is
// embedded as a subset with a Unicode map.
func assertFontsEmbedded(t *testing.T, file string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(run(t, "pdffonts", file)), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no fonts:\n%s", strings.Join(lines, "\n"))
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		// name type... encoding emb sub uni object ID
		if n := len(f); n < 7 || f[n-5] != "yes" || f[n-4] != "yes" || f[n-3] != "yes" {
			t.Errorf("font not embedded as a subset with a Unicode map: %s", l)
		}
	}
}

// A document with the maximum number of signers continues on further pages
// rather than clipping; every page is numbered "k of n" and only the first
// carries the QR code.
func TestPDFOverflowContinuesOnNumberedPages(t *testing.T) {
	r := completedRecord()
	base := r.Document.Signers[0]
	for len(r.Document.Signers) < model.MaxSigners {
		s := base
		s.ID = fmt.Sprintf("signer-%02d", len(r.Document.Signers))
		r.Document.Signers = append(r.Document.Signers, s)
	}
	file := filepath.Join(t.TempDir(), "t.pdf")
	os.WriteFile(file, pdfOf(t, r), 0o644)
	if *keep != "" {
		os.WriteFile(filepath.Join(*keep, "overflow.pdf"), pdfOf(t, r), 0o644)
	}
	info := run(t, "pdfinfo", file)
	n, _ := strconv.Atoi(regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)[1])
	if n < 3 {
		t.Fatalf("32 signers on %d pages", n)
	}
	text := run(t, "pdftotext", file, "-")
	for k := 1; k <= n; k++ {
		if !strings.Contains(text, fmt.Sprintf("Page %d of %d", k, n)) {
			t.Errorf("no \"Page %d of %d\"", k, n)
		}
	}
	if !strings.Contains(text, "signer-31") || !strings.Contains(text, "DocumentCompleted") {
		t.Error("last signer or events missing")
	}
	if got := strings.Count(text, "Certificate of Completion (continued)"); got != n-1 {
		t.Errorf("%d continuation headers, want %d", got, n-1)
	}
}

// Fields at their maximum length are cut with an ellipsis, never drawn
// over their neighbours or off the page.
func TestPDFLongFieldsAreCutWithAnEllipsis(t *testing.T) {
	r := completedRecord()
	r.Document.Title = strings.Repeat("Supplementary agreement ", 11)[:model.MaxTitleLen]
	r.Document.Signers[0].ID = strings.Repeat("a", 64)
	file := filepath.Join(t.TempDir(), "t.pdf")
	os.WriteFile(file, pdfOf(t, r), 0o644)
	if *keep != "" {
		os.WriteFile(filepath.Join(*keep, "long.pdf"), pdfOf(t, r), 0o644)
	}
	text := run(t, "pdftotext", "-layout", file, "-")
	if strings.Count(text, "…") < 2 {
		t.Errorf("want the title and the long signer id cut with '…':\n%s", text)
	}
	bbox := run(t, "pdftotext", "-bbox", file, "-")
	for _, m := range regexp.MustCompile(`xMax="([0-9.]+)"`).FindAllStringSubmatch(bbox, -1) {
		if x, _ := strconv.ParseFloat(m[1], 64); x > 595.28-40 {
			t.Errorf("text reaches x=%.1f, past the right margin", x)
		}
	}
}

// A Chinese certificate speaks Chinese around the data: heading, labels,
// status and page numbers.
func TestPDFInChinese(t *testing.T) {
	r := completedRecord()
	r.Document.Title = "劳动合同 2026"
	var buf bytes.Buffer
	o := export.Options{PublicURL: publicURL, Fonts: fonts(t), Lang: "zh-CN", Issuer: "Org1 relay"}
	if err := export.Write(export.PDF, &buf, []export.Record{r}, o); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "zh.pdf")
	os.WriteFile(file, buf.Bytes(), 0o644)
	text := strings.Join(strings.Fields(run(t, "pdftotext", file, "-")), " ")
	for _, want := range []string{"签署完成证书", "劳动合同 2026", "已完成", "签名（2）", "第 1 页，共 1 页", "扫码验证"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	assertFontsEmbedded(t, file)
}
