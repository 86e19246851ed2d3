package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/pades/pdfsigntest"
)

// signedChain is a registered PDF, alice's and bob's signature revisions
// (real CMS signatures; the digests each signed) and the DSS revision, as
// pades writes them.
func signedChain(t *testing.T, at time.Time, signers ...*pdfsigntest.Signer) (revs, digests []string) {
	revs, digests = []string{string(padestest.SimplePDF())}, []string{""}
	for n, s := range signers {
		next, digest := s.Sign(t, []byte(revs[n]), fmt.Sprintf("qrsign-%d", n+1), at)
		revs, digests = append(revs, string(next)), append(digests, digest)
	}
	dss, err := pades.AppendDSS([]byte(revs[len(revs)-1]), pades.Validation{Certs: [][]byte{signers[0].CA.Cert.Raw}})
	if err != nil {
		t.Fatal(err)
	}
	return append(revs, string(dss)), digests
}

func TestCheckPDFRevisions(t *testing.T) {
	h := func(s string) string { b := sha256.Sum256([]byte(s)); return hex.EncodeToString(b[:]) }
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	signers := map[string]*pdfsigntest.Signer{"alice": pdfsigntest.New("alice", at), "bob": pdfsigntest.New("bob", at)}
	revs, digests := signedChain(t, at, signers["alice"], signers["bob"])
	r0, r1, r2, r3 := revs[0], revs[1], revs[2], revs[3]
	sig := func(seq, n int, prev, file, who string) model.Event {
		return model.Event{Type: model.EventSignatureRecorded, Seq: seq, TxID: "tx" + who + "0123456789abcdef", Timestamp: at,
			Signature: &model.SignatureEvidence{Signer: model.SignerSpec{MSPID: "Org1MSP", ID: who}, CertFingerprint: signers[who].Fingerprint(),
				PDF: &model.PDFRevision{Revision: n, PrevSHA256: h(prev), SHA256: h(file), Digest: digests[n]}}}
	}
	dss := model.Event{Type: model.EventRevisionRecorded, Seq: 4, TxID: "txdss0123456789abcdef", Timestamp: at,
		Revision: &model.PDFRevision{Kind: model.RevisionDSS, Revision: 3, PrevSHA256: h(r2), SHA256: h(r3)}}
	events := []model.Event{
		{Type: model.EventDocumentRegistered, TxID: "txreg0123456789abcdef", Timestamp: at,
			Registered: &model.DocumentRegistered{RegisterDocumentRequest: model.RegisterDocumentRequest{SHA256: h(r0)}}},
		sig(1, 1, r0, r1, "alice"), sig(2, 2, r1, r2, "bob"), dss,
	}
	rev := func(n int, file, by string, seq int, tx, judged string) Check {
		return Check{Name: "pdf revision " + string(rune('0'+n)), OK: true,
			Detail: "bytes 0.." + itoa(uint64(len(file))) + " hash to " + h(file) + ", recorded by " + by + " (event " + string(rune('0'+seq)) + ", tx " + tx + ")" + judged}
	}
	const signed = "; exactly one signed signature increment"
	c0 := rev(0, r0, "the registration", 0, "txreg0123456789a", "")
	c1 := rev(1, r1, "the signature of Org1MSP/alice", 1, "txalice012345678", signed)
	c2 := rev(2, r2, "the signature of Org1MSP/bob", 2, "txbob0123456789a", signed)
	c3 := rev(3, r3, "the DSS revision", 4, "txdss0123456789a", "; exactly a DSS increment (1 certificates, 0 CRLs)")
	other := "%PDF-1.7 other"
	edit := r3 + "% an edit\n%%EOF\n"
	// bob's revision recorded as a DSS: the hashes match, the increment is not one.
	misrecorded := []model.Event{events[0], events[1], {Type: model.EventRevisionRecorded, Seq: 2, TxID: "txdss0123456789abcdef", Timestamp: at,
		Revision: &model.PDFRevision{Kind: model.RevisionDSS, Revision: 2, PrevSHA256: h(r1), SHA256: h(r2)}}}
	tests := []struct {
		name   string
		events []model.Event
		file   string
		want   []Check
	}{
		{"the latest revision", events, r3, []Check{c0, c1, c2, c3, {Name: "document file", OK: true,
			Detail: "SHA-256 " + h(r3) + " = revision 3 of the bundle's document, chain 0 → 3 complete"}}},
		{"an earlier revision", events, r1, []Check{c0, c1, {Name: "document file", OK: true,
			Detail: "SHA-256 " + h(r1) + " = revision 1 of the bundle's document, chain 0 → 1 complete (the bundle records later revisions)"}}},
		{"bytes after the last", events, edit, []Check{c0, c1, c2, c3, {Name: "document file",
			Detail: "revisions 0..3 are recorded, but the " + itoa(uint64(len(edit)-len(r3))) + " bytes after revision 3 are not"}}},
		{"revision 0 missing", events, r2[len(r0):], []Check{{Name: "document file",
			Detail: "the file hashes to " + h(r2[len(r0):]) + ", the bundle's document to " + h(r0) + ", and no revision of it is recorded"}}},
		{"a revision recorded over another file", []model.Event{events[0], sig(1, 1, "x", r1, "alice")}, r1, []Check{c0, c1,
			{Name: "document file", Detail: "the file holds recorded revisions 0, 1 but not the whole chain from the registered file"}}},
		{"a signature recorded as a DSS", misrecorded, r2, []Check{c0, c1,
			{Name: "pdf revision 2", Detail: "revision 2 is not a DSS increment over revision 1: pades: INCREMENT_REFUSED: the revision has no /DSS"},
			{Name: "document file", Detail: "revision 2 of the file is not the increment its event records"}}},
		{"another file", events, other, []Check{{Name: "document file",
			Detail: "the file hashes to " + h(other) + ", the bundle's document to " + h(r0) + ", and no revision of it is recorded"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{}
			checkPDFRevisions(r, &Bundle{DocumentSHA256: h(r0)}, tc.events, []byte(tc.file), h(tc.file))
			// The English as it was; codes and params say it again (qrsign's catalogue).
			english := make([]Check, len(r.Checks))
			for i, c := range r.Checks {
				english[i] = Check{Name: c.Name, OK: c.OK, Detail: c.Detail}
				if want := map[bool]string{true: CheckPDFRevision, false: CheckDocumentFile}[strings.HasPrefix(c.Name, "pdf revision")]; c.Code != want ||
					(c.Code == CheckPDFRevision && "pdf revision "+c.Params["revision"] != c.Name) || (c.OK && c.Params["sha256"] == "") {
					t.Errorf("check %q: code %q, params %v", c.Name, c.Code, c.Params)
				}
			}
			if !reflect.DeepEqual(english, tc.want) {
				t.Fatalf("got  %s\nwant %s", show(r.Checks), show(tc.want))
			}
		})
	}
}

func show(cs []Check) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "\n  %s ok=%v: %s", c.Name, c.OK, c.Detail)
	}
	return b.String()
}
