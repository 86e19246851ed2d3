package contract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

func hexOf(n int) string { return fmt.Sprintf("%064x", n) }

// rev is revision n over prev, with a digest and a new hash derived from n.
func rev(n int, prev string) *model.PDFRevision {
	return &model.PDFRevision{Revision: n, PrevSHA256: prev, Digest: hexOf(0xd00 + n), SHA256: hexOf(0xf00 + n)}
}

// Two signers add revisions 1 and 2; the chain original → 1 → 2 is on the
// ledger (events, projection), and the lookup by content finds the document
// by every revision's hash.
func TestPDFRevisionsChain(t *testing.T) {
	f := newFixture(t)
	orig := docRequest("d1").SHA256
	f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, orig))))
	out := f.must(f.orgs["Org2MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.bob, "d1", payload.PurposeSign, "", nil, "", rev(2, hexOf(0xf01)))))
	doc := decode[model.WriteResult](t, out).Document
	if doc.Revisions != 2 || doc.RevisionSHA256 != hexOf(0xf02) || doc.Status != model.StatusCompleted {
		t.Fatalf("projection: revisions %d %s status %s", doc.Revisions, doc.RevisionSHA256, doc.Status)
	}
	h := decode[model.History](t, f.must(nil, "GetHistory", "d1"))
	var chain []string
	for _, e := range h.Events {
		if e.Signature != nil && e.Signature.PDF != nil {
			p := e.Signature.PDF
			chain = append(chain, fmt.Sprintf("%d:%s>%s", p.Revision, p.PrevSHA256[60:], p.SHA256[60:]))
		}
	}
	if want := []string{"1:0002>0f01", "2:0f01>0f02"}; fmt.Sprint(chain) != fmt.Sprint(want) {
		t.Fatalf("chain %v, want %v", chain, want)
	}
	for _, sha := range []string{orig, hexOf(0xf01), hexOf(0xf02)} {
		page := decode[model.Page](t, f.must(nil, "ListByHash", js(model.ListQuery{SHA256: sha})))
		if len(page.Records) != 1 || page.Records[0].ID != "d1" {
			t.Errorf("ListByHash(%s…) = %d records", sha[:8], len(page.Records))
		}
	}
	rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", "d1"))
	if !rep.OK {
		t.Fatalf("VerifyRecord: %+v", rep.Checks)
	}
}

// TestPDFRevisionRejects covers the PDF revision and .p7s fields.
func TestPDFRevisionRejects(t *testing.T) {
	orig := docRequest("d1").SHA256
	for _, tc := range []struct {
		name string
		run  func(f *fixture) (fn string, req model.SignatureRequest)
		want string
	}{
		{"revision 2 first", func(f *fixture) (string, model.SignatureRequest) {
			return "RecordSignature", f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(2, orig))
		}, "REVISION_STALE: PDF revision 2 over " + orig + " is stale: document d1's latest is revision 0 (" + orig + ")"},
		{"over another file", func(f *fixture) (string, model.SignatureRequest) {
			return "RecordSignature", f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, hexOf(7)))
		}, "REVISION_STALE: PDF revision 1 over " + hexOf(7) + " is stale: document d1's latest is revision 0 (" + orig + ")"},
		{"stale after another signer", func(f *fixture) (string, model.SignatureRequest) {
			carol := f.signer("Org1MSP", "carol", 1)
			f.register("d2", f.alice, carol)
			o2 := docRequest("d2").SHA256
			f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d2", payload.PurposeSign, "", nil, "", rev(1, o2))))
			return "RecordSignature", f.pdfSigRequest(carol, "d2", payload.PurposeSign, "", nil, "", rev(1, o2))
		}, "REVISION_STALE: PDF revision 1 over " + docRequest("d2").SHA256 + " is stale: document d2's latest is revision 1 (" + hexOf(0xf01) + ")"},
		{"digest not signed", func(f *fixture) (string, model.SignatureRequest) {
			r := f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, orig))
			r.PDF.Digest = hexOf(1)
			return "RecordSignature", r
		}, "BAD_SIGNATURE: signature does not verify"},
		{"revision not signed", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
			r.PDF = rev(1, orig)
			return "RecordSignature", r
		}, "BAD_SIGNATURE: signature does not verify"},
		{"new hash is the old", func(f *fixture) (string, model.SignatureRequest) {
			r := f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, orig))
			r.PDF.SHA256 = orig
			return "RecordSignature", r
		}, "INVALID_FIELD: pdf.sha256 must differ from pdf.prevSha256"},
		{"revision 0", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
			r.PDF = rev(0, orig)
			return "RecordSignature", r
		}, "INVALID_FIELD: pdf.revision must be 1..999"},
		{"digest upper case", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
			r.PDF = rev(1, orig)
			r.PDF.Digest = strings.ToUpper(r.PDF.Digest)
			return "RecordSignature", r
		}, "INVALID_FIELD: pdf.digest must be 64 lowercase hex"},
		{"decline with a revision", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeDecline, "no", nil, "")
			r.PDF = rev(1, orig)
			return "DeclineSignature", r
		}, "INVALID_FIELD: pdf and p7s are bound only for RecordSignature"},
		{"not a PDF", func(f *fixture) (string, model.SignatureRequest) {
			req := docRequest("t1", f.alice)
			req.MediaType = "text/plain"
			f.must(f.orgs["Org1MSP"].client, "RegisterDocument", js(req))
			return "RecordSignature", f.pdfSigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "", rev(1, req.SHA256))
		}, "INVALID_FIELD: document t1 is text/plain, not application/pdf: it has no PDF revisions"},
		{"PDF document", func(f *fixture) (string, model.SignatureRequest) {
			r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{SHA256: hexOf(0xa7)}
			return "RecordSignature", r
		}, "INVALID_FIELD: document d1 is application/pdf: its signatures are PDF revisions, not .p7s files"},
		{"upper-case hash", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{SHA256: strings.ToUpper(hexOf(0xa7))}
			return "RecordSignature", r
		}, "INVALID_FIELD: p7s.sha256 must be 64 lowercase hex"},
		{"no hash", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
			r.P7S = &model.P7S{}
			return "RecordSignature", r
		}, "INVALID_FIELD: p7s.sha256 must be 64 lowercase hex"},
		{"decline with a p7s", func(f *fixture) (string, model.SignatureRequest) {
			f.registerText("t1")
			r := f.sigRequest(f.alice, "t1", payload.PurposeDecline, "no", nil, "")
			r.P7S = &model.P7S{SHA256: hexOf(0xa7)}
			return "DeclineSignature", r
		}, "INVALID_FIELD: pdf and p7s are bound only for RecordSignature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			fn, req := tc.run(f)
			before := len(f.L.State)
			_, err := f.invoke(f.orgs["Org1MSP"].client, fn, js(req))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if len(f.L.State) != before {
				t.Fatalf("a refused request wrote %d keys", len(f.L.State)-before)
			}
		})
	}
}

// Fold refuses a revision that does not follow the latest one, so an auditor
// folding events from elsewhere sees a broken chain.
func TestFoldRefusesBrokenRevisionChain(t *testing.T) {
	f := newFixture(t)
	f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, docRequest("d1").SHA256))))
	f.must(f.orgs["Org2MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.bob, "d1", payload.PurposeSign, "", nil, "", rev(2, hexOf(0xf01)))))
	h := decode[model.History](t, f.must(nil, "GetHistory", "d1"))
	if _, err := model.Fold(h.Events); err != nil {
		t.Fatal(err)
	}
	h.Events[2].Signature.PDF.PrevSHA256 = hexOf(9)
	_, err := model.Fold(h.Events)
	want := "event rejected: SignatureRecorded seq 2: REVISION_STALE: PDF revision 2 over " + hexOf(9) +
		" is stale: document d1's latest is revision 1 (" + hexOf(0xf01) + ")"
	if err == nil || err.Error() != want {
		t.Fatalf("Fold error %v\nwant %s", err, want)
	}
}
