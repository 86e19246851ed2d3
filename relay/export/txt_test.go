package export_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/export"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestTXTReportMatchesGolden(t *testing.T) {
	var buf bytes.Buffer
	o := export.Options{PublicURL: "https://sign.example.com/", GeneratedAt: t0.Add(72 * 3600e9), Issuer: "Org1 relay"}
	if err := export.Write(export.TXT, &buf, []export.Record{completedRecord(), pendingRecord()}, o); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/report.txt"
	if *update {
		os.WriteFile(golden, buf.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("report differs from %s (run with -update to accept)\n%s", golden, buf.String())
	}
	for i, l := range bytes.Split(buf.Bytes(), []byte("\n")) {
		if n := len([]rune(string(l))); n > 80 {
			t.Errorf("line %d is %d columns wide: %s", i+1, n, l)
		}
	}
}

func TestTXTStripsControlCharacters(t *testing.T) {
	r := pendingRecord()
	r.Document.Title = "Invoice\x1b[2J\x1b]0;pwned\x07 final\r\nversion"
	var buf bytes.Buffer
	if err := export.Write(export.TXT, &buf, []export.Record{r}, export.Options{}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(buf.Bytes(), "\x1b\x07\r") {
		t.Errorf("control characters reached the report:\n%q", buf.String())
	}
	if !bytes.Contains(buf.Bytes(), []byte("Title      Invoice[2J]0;pwned final version")) {
		t.Errorf("title line not as expected:\n%s", buf.String())
	}
}

// In Chinese, labels and statuses are Chinese, no line is wider than 80
// terminal columns (a Chinese character takes two), and the signer table's
// columns line up by display width even when ids are Chinese.
func TestTXTInChineseAlignsByDisplayWidth(t *testing.T) {
	r := completedRecord()
	r.Document.Title = strings.Repeat("劳动合同补充协议，", 12)
	r.Document.Signers[0].ID = "张三"
	var buf bytes.Buffer
	if err := export.Write(export.TXT, &buf, []export.Record{r}, export.Options{Lang: "zh-CN"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"QRSIGN 文件历史", "    标题       劳动合同补充协议", "已完成", "共 1 份文件：1 份已完成"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	var statusCols []int
	for i, l := range strings.Split(out, "\n") {
		if w := displayCols(l); w > 80 {
			t.Errorf("line %d is %d columns wide: %s", i+1, w, l)
		}
		if j := strings.Index(l, "已签署"); j >= 0 {
			statusCols = append(statusCols, displayCols(l[:j]))
		}
	}
	if len(statusCols) != 2 || statusCols[0] != statusCols[1] {
		t.Errorf("signer status columns %v, want two equal", statusCols)
	}
}

// displayCols counts a CJK character as two columns, as terminals do.
func displayCols(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 && r <= 0xFFEF && !(r >= 0xFF61 && r <= 0xFFDC) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
