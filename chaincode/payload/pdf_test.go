package payload_test

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/payload"
)

func pdfFields(p *payload.PDF) payload.Fields {
	return payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: "d-1",
		DocumentSHA256: strings.Repeat("a", 64), Nonce: strings.Repeat("0", 32),
		SignerFingerprint: strings.Repeat("b", 64), PDF: p}
}

// A sign payload with a PDF revision ends with its three lines and parses back.
func TestPDFRevisionLines(t *testing.T) {
	f := pdfFields(&payload.PDF{Revision: 12, PrevSHA256: strings.Repeat("c", 64), Digest: strings.Repeat("d", 64)})
	b, err := payload.Build(f)
	if err != nil {
		t.Fatal(err)
	}
	want := "signer=64:" + strings.Repeat("b", 64) + "\nrevision=2:12\nprevsha256=64:" + strings.Repeat("c", 64) +
		"\npdfdigest=64:" + strings.Repeat("d", 64) + "\n"
	if !strings.HasSuffix(string(b), want) {
		t.Fatalf("payload:\n%s\nwant suffix:\n%s", b, want)
	}
	got, err := payload.Parse(b)
	if err != nil || got.PDF == nil || *got.PDF != *f.PDF {
		t.Fatalf("Parse = %+v, %v", got.PDF, err)
	}
}

func TestPDFRevisionRefused(t *testing.T) {
	hex := strings.Repeat("c", 64)
	decline := pdfFields(&payload.PDF{Revision: 1, PrevSHA256: hex, Digest: hex})
	decline.Purpose = payload.PurposeDecline
	for _, tc := range []struct {
		name string
		f    payload.Fields
		want string
	}{
		{"revision 0", pdfFields(&payload.PDF{Revision: 0, PrevSHA256: hex, Digest: hex}), "payload: PDF revision must be 1..999"},
		{"revision 1000", pdfFields(&payload.PDF{Revision: 1000, PrevSHA256: hex, Digest: hex}), "payload: PDF revision must be 1..999"},
		{"upper-case digest", pdfFields(&payload.PDF{Revision: 1, PrevSHA256: hex, Digest: strings.Repeat("C", 64)}),
			"payload: prevsha256 and pdfdigest must be 64 lowercase hex characters"},
		{"decline", decline, "payload: a PDF revision is bound only for sign"},
	} {
		if _, err := payload.Build(tc.f); err == nil || err.Error() != tc.want {
			t.Errorf("%s: Build error %v, want %q", tc.name, err, tc.want)
		}
	}
	ok, _ := payload.Build(pdfFields(&payload.PDF{Revision: 1, PrevSHA256: hex, Digest: hex}))
	for name, in := range map[string]string{
		"leading zero":   strings.Replace(string(ok), "revision=1:1", "revision=2:01", 1),
		"digest missing": string(ok[:strings.Index(string(ok), "pdfdigest=")]),
	} {
		if _, err := payload.Parse([]byte(in)); err == nil {
			t.Errorf("%s: Parse accepted %q", name, in)
		}
	}
}
