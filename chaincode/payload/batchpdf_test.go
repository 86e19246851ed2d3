package payload_test

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/payload"
)

func batchPDFFields(p *payload.BatchPDFs) payload.Fields {
	return payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: "b-1",
		DocumentSHA256: strings.Repeat("a", 64), Nonce: strings.Repeat("0", 32),
		SignerFingerprint: strings.Repeat("b", 64), Size: 3, PDFs: p}
}

// A batch-sign payload with PDF signatures ends with pdfroot and pdfcount
// after size, and parses back.
func TestBatchPDFLines(t *testing.T) {
	f := batchPDFFields(&payload.BatchPDFs{Root: strings.Repeat("e", 64), Count: 2})
	b, err := payload.Build(f)
	if err != nil {
		t.Fatal(err)
	}
	want := "size=1:3\npdfroot=64:" + strings.Repeat("e", 64) + "\npdfcount=1:2\n"
	if !strings.HasSuffix(string(b), want) {
		t.Fatalf("payload:\n%s\nwant suffix:\n%s", b, want)
	}
	got, err := payload.Parse(b)
	if err != nil || got.PDFs == nil || *got.PDFs != *f.PDFs {
		t.Fatalf("Parse = %+v, %v", got.PDFs, err)
	}
	plain, _ := payload.Build(batchPDFFields(nil))
	if g, err := payload.Parse(plain); err != nil || g.PDFs != nil || strings.Contains(string(plain), "pdfroot") {
		t.Fatalf("without PDFs: %q %+v %v", plain, g.PDFs, err)
	}
}

func TestBatchPDFRefused(t *testing.T) {
	root := strings.Repeat("e", 64)
	decline := batchPDFFields(&payload.BatchPDFs{Root: root, Count: 1})
	decline.Purpose, decline.Reason = payload.PurposeBatchDecline, "no"
	sign := batchPDFFields(&payload.BatchPDFs{Root: root, Count: 1})
	sign.Purpose, sign.Size, sign.DocumentID = payload.PurposeSign, 0, "d-1"
	for _, tc := range []struct {
		name string
		f    payload.Fields
		want string
	}{
		{"count 0", batchPDFFields(&payload.BatchPDFs{Root: root}), "payload: pdfcount must be 1..size (3)"},
		{"count above size", batchPDFFields(&payload.BatchPDFs{Root: root, Count: 4}), "payload: pdfcount must be 1..size (3)"},
		{"upper-case root", batchPDFFields(&payload.BatchPDFs{Root: strings.ToUpper(root), Count: 1}), "payload: pdfroot must be 64 lowercase hex characters"},
		{"batch-decline", decline, "payload: PDF signatures of a batch are bound only for batch-sign"},
		{"sign", sign, "payload: PDF signatures of a batch are bound only for batch-sign"},
	} {
		if _, err := payload.Build(tc.f); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Build error %v, want %q", tc.name, err, tc.want)
		}
	}
	ok, _ := payload.Build(batchPDFFields(&payload.BatchPDFs{Root: root, Count: 2}))
	for name, in := range map[string]string{
		"leading zero":   strings.Replace(string(ok), "pdfcount=1:2", "pdfcount=2:02", 1),
		"count missing":  string(ok[:strings.Index(string(ok), "pdfcount=")]),
		"count too high": strings.Replace(string(ok), "pdfcount=1:2", "pdfcount=1:4", 1),
	} {
		if _, err := payload.Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, in)
		}
	}
}

// The statement is the payload's field encoding under its own header, so
// it can never be taken for a payload; its leaf is its SHA-256.
func TestPDFStatement(t *testing.T) {
	p := payload.PDF{Revision: 2, PrevSHA256: strings.Repeat("c", 64), Digest: strings.Repeat("d", 64)}
	st, err := payload.PDFStatement("b-1.0001", p)
	if err != nil {
		t.Fatal(err)
	}
	want := "QRSIGN-PDF/1\ndocument=8:b-1.0001\nrevision=1:2\nprevsha256=64:" + strings.Repeat("c", 64) + "\npdfdigest=64:" + strings.Repeat("d", 64) + "\n"
	if string(st) != want {
		t.Fatalf("statement %q, want %q", st, want)
	}
	if _, err := payload.Parse(st); err == nil {
		t.Fatal("a PDF statement parses as a payload")
	}
	for name, tc := range map[string]struct {
		doc  string
		p    payload.PDF
		want string
	}{
		"no document":  {"", p, "payload: a PDF statement names its document"},
		"revision 0":   {"d", payload.PDF{PrevSHA256: p.PrevSHA256, Digest: p.Digest}, "payload: PDF revision must be 1..999"},
		"short digest": {"d", payload.PDF{Revision: 1, PrevSHA256: p.PrevSHA256, Digest: "dd"}, "payload: prevsha256 and pdfdigest must be 64 lowercase hex characters"},
	} {
		if _, err := payload.PDFLeaf(tc.doc, tc.p); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
