package export_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/export"
)

func TestCSVRoundTripsThroughEncodingCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := export.Write(export.CSV, &buf, []export.Record{completedRecord(), pendingRecord()}, export.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\r\n") {
		t.Error("rows are not CRLF-terminated (RFC 4180)")
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		export.CSVHeader,
		{"contract-42", "Master services agreement between Example Corp and Contoso Ltd, including annexes A-C", "contract", "COMPLETED",
			completedRecord().Document.SHA256, "carol", "2026-11-20T09:00:00Z", "2026-11-20T09:47:00Z",
			"Org1MSP/alice:SIGNED@2026-11-20T09:12:00Z;Org2MSP/bob@example.com:SIGNED@2026-11-20T09:47:00Z", "legal;q4"},
		{"nda-7", "Mutual NDA", "contract", "PENDING", completedRecord().Document.SHA256, "carol", "2026-11-20T09:00:00Z", "",
			"Org1MSP/alice:SIGNED@2026-11-20T09:12:00Z;Org2MSP/bob@example.com:PENDING", ""},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows\n got %q\nwant %q", rows, want)
	}
}

func TestCSVDefusesSpreadsheetFormulas(t *testing.T) {
	cases := []struct{ name, title, want string }{
		{"Equals", `=HYPERLINK("http://evil","x")`, `'=HYPERLINK("http://evil","x")`},
		{"Plus", "+1+2", "'+1+2"},
		{"Minus", "-2+3", "'-2+3"},
		{"At", "@SUM(A1)", "'@SUM(A1)"},
		{"Tab", "\t=1", "'\t=1"},
		{"CarriageReturn", "\r=1", "'=1"}, // with UseCRLF, encoding/csv drops a bare CR; the quote stays first
		{"PlainTextUntouched", "Lease 2027", "Lease 2027"},
		{"InnerEqualsUntouched", "a=b", "a=b"},
		{"QuotesAndCommasRoundTrip", `He said "hi", then left`, `He said "hi", then left`},
		{"NewlineRoundTrips", "two\nlines", "two\nlines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := pendingRecord()
			r.Document.Title = c.title
			var buf bytes.Buffer
			if err := export.Write(export.CSV, &buf, []export.Record{r}, export.Options{}); err != nil {
				t.Fatal(err)
			}
			if c.title[0] == '\r' && !strings.Contains(buf.String(), "\"'=1\"") {
				t.Errorf("raw output %q lacks the defused cell", buf.String())
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			// encoding/csv reads \r\n inside quotes as \n; a lone \r likewise.
			want := strings.ReplaceAll(c.want, "\r", "\n")
			if got := rows[1][1]; got != want {
				t.Errorf("title cell %q, want %q", got, want)
			}
		})
	}
}

func TestEmptyCSVExportStillHasItsHeader(t *testing.T) {
	var buf bytes.Buffer
	if err := export.Write(export.CSV, &buf, nil, export.Options{}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), strings.Join(export.CSVHeader, ",")+"\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// With a byte-order mark, the export starts with EF BB BF and, the mark
// stripped, parses back to the same rows, Chinese intact.
func TestCSVWithBOMParsesBack(t *testing.T) {
	r := pendingRecord()
	r.Document.Title = "劳动合同 2026"
	var plain, marked bytes.Buffer
	export.Write(export.CSV, &plain, []export.Record{r}, export.Options{})
	if err := export.Write(export.CSV, &marked, []export.Record{r}, export.Options{BOM: true}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(marked.Bytes(), []byte{0xEF, 0xBB, 0xBF}) || bytes.HasPrefix(plain.Bytes(), []byte{0xEF}) {
		t.Fatalf("BOM wrong: marked % x, plain % x", marked.Bytes()[:4], plain.Bytes()[:4])
	}
	if !bytes.Equal(marked.Bytes()[3:], plain.Bytes()) {
		t.Fatal("the BOM changed more than the first three bytes")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(marked.Bytes(), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "id" || rows[1][1] != "劳动合同 2026" {
		t.Fatalf("rows %q", rows)
	}
	var empty bytes.Buffer
	export.Write(export.CSV, &empty, nil, export.Options{BOM: true})
	if want := "\ufeff" + strings.Join(export.CSVHeader, ",") + "\r\n"; empty.String() != want {
		t.Fatalf("empty export %q", empty.String())
	}
}
