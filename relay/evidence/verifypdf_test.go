package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestCheckPDFRevisions(t *testing.T) {
	h := func(s string) string { b := sha256.Sum256([]byte(s)); return hex.EncodeToString(b[:]) }
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	r0 := "%PDF-1.7\n%%EOF\n"
	r1 := r0 + "rev1\n%%EOF\n"
	r2 := r1 + "rev2\n%%EOF\n"
	sig := func(seq, n int, prev, file, who string) model.Event {
		return model.Event{Type: model.EventSignatureRecorded, Seq: seq, TxID: "tx" + who + "0123456789abcdef", Timestamp: at,
			Signature: &model.SignatureEvidence{Signer: model.SignerSpec{MSPID: "Org1MSP", ID: who},
				PDF: &model.PDFRevision{Revision: n, PrevSHA256: h(prev), SHA256: h(file)}}}
	}
	events := []model.Event{
		{Type: model.EventDocumentRegistered, TxID: "txreg0123456789abcdef", Timestamp: at,
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{SHA256: h(r0)}}},
		sig(1, 1, r0, r1, "alice"), sig(2, 2, r1, r2, "bob"),
	}
	rev := func(n, end int, file, by string, seq int, tx string) Check {
		return Check{Name: "pdf revision " + string(rune('0'+n)), OK: true,
			Detail: "bytes 0.." + itoa(uint64(end)) + " hash to " + h(file) + ", recorded by " + by + " (event " + string(rune('0'+seq)) + ", tx " + tx + ")"}
	}
	c0 := rev(0, len(r0), r0, "the registration", 0, "txreg0123456789a")
	c1 := rev(1, len(r1), r1, "the signature of Org1MSP/alice", 1, "txalice012345678")
	c2 := rev(2, len(r2), r2, "the signature of Org1MSP/bob", 2, "txbob0123456789a")
	other := "%PDF-1.7 other"
	tests := []struct {
		name   string
		events []model.Event
		file   string
		want   []Check
	}{
		{"the latest revision", events, r2, []Check{c0, c1, c2, {Name: "document file", OK: true,
			Detail: "SHA-256 " + h(r2) + " = revision 2 of the bundle's document, chain 0 → 2 complete"}}},
		{"an earlier revision", events, r1, []Check{c0, c1, {Name: "document file", OK: true,
			Detail: "SHA-256 " + h(r1) + " = revision 1 of the bundle's document, chain 0 → 1 complete (the bundle records later revisions)"}}},
		{"bytes after the last", events, r2 + "edit\n%%EOF\n", []Check{c0, c1, c2, {Name: "document file",
			Detail: "revisions 0..2 are recorded, but the 11 bytes after revision 2 are not"}}},
		{"revision 0 missing", events, r2[len(r0):], []Check{{Name: "document file",
			Detail: "the file hashes to " + h(r2[len(r0):]) + ", the bundle's document to " + h(r0) + ", and no revision of it is recorded"}}},
		{"a revision recorded over another file", []model.Event{events[0], sig(1, 1, "x", r1, "alice")}, r1, []Check{c0, c1,
			{Name: "document file", Detail: "the file holds recorded revisions 0, 1 but not the whole chain from the registered file"}}},
		{"another file", events, other, []Check{{Name: "document file",
			Detail: "the file hashes to " + h(other) + ", the bundle's document to " + h(r0) + ", and no revision of it is recorded"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{}
			checkPDFRevisions(r, &Bundle{DocumentSHA256: h(r0)}, tc.events, []byte(tc.file), h(tc.file))
			if !reflect.DeepEqual(r.Checks, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", r.Checks, tc.want)
			}
		})
	}
}
