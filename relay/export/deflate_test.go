package export

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// A minimal PDF as fpdf writes it: one raw page stream (object 2) and a
// filtered one (object 1, left alone), written out of number order.
func tinyPDF(content string) string {
	objs := []string{
		"2 0 obj\n<</Length " + strconv.Itoa(len(content)) + ">>\nstream\n" + content + "\nendstream\nendobj\n",
		"1 0 obj\n<</Length 3/Filter /FlateDecode>>\nstream\nxyz\nendstream\nendobj\n",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.3\n")
	offs := map[int]int{}
	for i, o := range objs {
		offs[2-i] = b.Len()
		b.WriteString(o)
	}
	xref := b.Len()
	b.WriteString("xref\n0 3\n0000000000 65535 f \n")
	for n := 1; n <= 2; n++ {
		b.WriteString(fmt.Sprintf("%010d 00000 n \n", offs[n]))
	}
	b.WriteString("trailer\n<<\n/Size 3\n>>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n")
	return b.String()
}

func TestDeflatePagesCompressesRawStreamsOnly(t *testing.T) {
	content := strings.Repeat("BT 48.00 807.89 Td <00510052> Tj ET\n", 50)
	var out bytes.Buffer
	if err := deflatePages(&out, []byte(tinyPDF(content))); err != nil {
		t.Fatal(err)
	}
	o := out.String()
	if !strings.Contains(o, "1 0 obj\n<</Length 3/Filter /FlateDecode>>\nstream\nxyz\nendstream") {
		t.Errorf("filtered stream changed:\n%s", o)
	}
	head := "2 0 obj\n<</Filter /FlateDecode /Length "
	i := strings.Index(o, head)
	if i < 0 {
		t.Fatalf("page stream not deflated:\n%q", o)
	}
	data := o[strings.Index(o[i:], "stream\n")+i+len("stream\n"):]
	zr, err := zlib.NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(zr)
	if string(got) != content {
		t.Errorf("inflated %q, want %q", got, content)
	}
	// The new table points at the moved objects, and startxref at it.
	xref, offs, err := xrefTable(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < len(offs); n++ {
		if want := strconv.Itoa(n) + " 0 obj\n"; !strings.HasPrefix(o[offs[n]:], want) {
			t.Errorf("object %d at %d: %q", n, offs[n], o[offs[n]:offs[n]+8])
		}
	}
	if !strings.HasPrefix(o[xref:], "xref\n0 3\n") || !strings.Contains(o[xref:], "trailer\n<<\n/Size 3\n>>\nstartxref\n") {
		t.Errorf("table or trailer: %q", o[xref:])
	}
}

func TestDeflatePagesRejectsWhatFpdfDoesNotWrite(t *testing.T) {
	good := tinyPDF("q Q")
	xref := strings.Index(good, "xref\n")
	for _, tc := range []struct{ name, pdf, err string }{
		{"no startxref", "%PDF-1.3\n", "export: reading fpdf output: no startxref"},
		{"startxref not a number", strings.Replace(good, "startxref\n"+strconv.Itoa(xref), "startxref\nx", 1), "export: reading fpdf output: bad startxref"},
		{"startxref misses the table", strings.Replace(good, "startxref\n"+strconv.Itoa(xref), "startxref\n3", 1), "export: reading fpdf output: bad startxref"},
		{"table larger than the file", strings.Replace(good, "xref\n0 3\n", "xref\n0 9\n", 1), "export: reading fpdf output: bad xref size"},
		{"entry not a number", strings.Replace(good, "65535 f \n", "65535 f \nx", 1), "export: reading fpdf output: bad xref entry 1"},
		{"no trailer", strings.Replace(good, "trailer\n", "trailer ", 1), "export: reading fpdf output: no trailer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := deflatePages(&out, []byte(tc.pdf))
			if err == nil || err.Error() != tc.err {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestShortNamesRenameFontHashesOnly(t *testing.T) {
	const h1, h2 = "a1f968b9493f8963daded73332ad9bcdaeb12e51", "0123456789abcdef0123456789abcdef01234567"
	m := shortNames{}
	got := string(m.shorten([]byte("BT /F" + h1 + " 7.00 Tf ET\n/Filter /FlateDecode /F" + h2 + "0 /F" + h1 + ">>")))
	got += string(m.shorten([]byte("/Font <</F" + h2 + " 5 0 R /F" + h1 + " 4 0 R>>")))
	want := "BT /F1 7.00 Tf ET\n/Filter /FlateDecode /F" + h2 + "0 /F1>>" + "/Font <</F2 5 0 R /F1 4 0 R>>"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
