package export_test

import (
	"bytes"
	"flag"
	"os"
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
