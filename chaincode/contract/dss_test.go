package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// signedPDF makes d1 completed with PDF revisions 1 (alice) and 2 (bob).
func (f *fixture) signedPDF() {
	f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, docRequest("d1").SHA256))))
	f.must(f.orgs["Org2MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.bob, "d1", payload.PurposeSign, "", nil, "", rev(2, hexOf(0xf01)))))
}

func dssRequest(n int, prev string) model.RevisionRequest {
	return model.RevisionRequest{DocumentID: "d1", Kind: model.RevisionDSS, Revision: n, PrevSHA256: prev, SHA256: hexOf(0xe00 + n)}
}

// A completed PDF document gets a DSS revision after its signatures: the
// chain original → 1 → 2 → 3 folds, the lookup by content finds revision 3,
// and a retry of the same request writes nothing.
func TestRecordRevisionDSS(t *testing.T) {
	f := newFixture(t)
	f.signedPDF()
	out := f.must(f.orgs["Org2MSP"].client, "RecordRevision", js(dssRequest(3, hexOf(0xf02))))
	res := decode[model.WriteResult](t, out)
	if len(res.Events) != 1 || res.Events[0].Type != model.EventRevisionRecorded || res.Events[0].Seq != 4 {
		t.Fatalf("events %+v", res.Events)
	}
	if d := res.Document; d.Revisions != 3 || d.RevisionSHA256 != hexOf(0xe03) || d.Status != model.StatusCompleted {
		t.Fatalf("projection: revisions %d %s status %s", d.Revisions, d.RevisionSHA256, d.Status)
	}
	h := decode[model.History](t, f.must(nil, "GetHistory", "d1"))
	if _, err := model.Fold(h.Events); err != nil {
		t.Fatal(err)
	}
	last := h.Events[len(h.Events)-1]
	if r := last.PDFRevision(); r == nil || *r != (model.PDFRevision{Kind: "dss", Revision: 3, PrevSHA256: hexOf(0xf02), SHA256: hexOf(0xe03)}) {
		t.Fatalf("last event's revision %+v", r)
	}
	page := decode[model.Page](t, f.must(nil, "ListByHash", js(model.ListQuery{SHA256: hexOf(0xe03)})))
	if len(page.Records) != 1 || page.Records[0].ID != "d1" {
		t.Fatalf("ListByHash(DSS revision) = %d records", len(page.Records))
	}
	before := len(f.L.State)
	again := decode[model.WriteResult](t, f.must(f.orgs["Org1MSP"].client, "RecordRevision", js(dssRequest(3, hexOf(0xf02)))))
	if len(again.Events) != 0 || again.Document.Revisions != 3 || len(f.L.State) != before || len(f.last.Writes()) != 0 {
		t.Fatalf("retry: %d events, %d writes", len(again.Events), len(f.last.Writes()))
	}
	rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", "d1"))
	if !rep.OK {
		t.Fatalf("VerifyRecord: %+v", rep.Checks)
	}
	// Fold refuses a DSS revision on a broken chain.
	h.Events[len(h.Events)-1].Revision.PrevSHA256 = hexOf(9)
	want := "event rejected: RevisionRecorded seq 4: REVISION_STALE: PDF revision 3 over " + hexOf(9) +
		" is stale: document d1's latest is revision 2 (" + hexOf(0xf02) + ")"
	if _, err := model.Fold(h.Events); err == nil || err.Error() != want {
		t.Fatalf("Fold error %v\nwant %s", err, want)
	}
}

// TestRecordRevisionRejects: every refusal, with its exact error, writes nothing.
func TestRecordRevisionRejects(t *testing.T) {
	orig := docRequest("d1").SHA256
	for _, tc := range []struct {
		name string
		run  func(f *fixture) (creator []byte, req model.RevisionRequest)
		want string
	}{
		{"pending document", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, orig))))
			return f.orgs["Org1MSP"].client, dssRequest(2, hexOf(0xf01))
		}, "OUT_OF_TURN: document d1 is PENDING: a dss revision follows the last signature"},
		{"declined document", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.must(f.orgs["Org1MSP"].client, "DeclineSignature", js(f.sigRequest(f.alice, "d1", payload.PurposeDecline, "no", nil, "")))
			return f.orgs["Org1MSP"].client, dssRequest(1, orig)
		}, "DOCUMENT_CLOSED: document d1 is DECLINED: only a completed document gets a dss revision"},
		{"stale revision", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			return f.orgs["Org1MSP"].client, dssRequest(2, hexOf(0xf01))
		}, "REVISION_STALE: PDF revision 2 over " + hexOf(0xf01) + " is stale: document d1's latest is revision 2 (" + hexOf(0xf02) + ")"},
		{"over another file", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			return f.orgs["Org1MSP"].client, dssRequest(3, hexOf(0xf01))
		}, "REVISION_STALE: PDF revision 3 over " + hexOf(0xf01) + " is stale: document d1's latest is revision 2 (" + hexOf(0xf02) + ")"},
		{"second DSS raced", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			f.must(f.orgs["Org1MSP"].client, "RecordRevision", js(dssRequest(3, hexOf(0xf02))))
			r := dssRequest(3, hexOf(0xf02))
			r.SHA256 = hexOf(0xe99)
			return f.orgs["Org2MSP"].client, r
		}, "REVISION_STALE: PDF revision 3 over " + hexOf(0xf02) + " is stale: document d1's latest is revision 3 (" + hexOf(0xe03) + ")"},
		// A retry of a recorded DSS writes nothing (TestRecordRevisionDSS);
		// the latest signature revision named as a DSS is no such retry.
		{"a signature's revision as a DSS, pending", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, orig))))
			r := dssRequest(1, hexOf(0x999))
			r.SHA256 = hexOf(0xf01)
			return f.orgs["Org1MSP"].client, r
		}, "OUT_OF_TURN: document d1 is PENDING: a dss revision follows the last signature"},
		{"a signature's revision as a DSS, completed", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			r := dssRequest(2, hexOf(0xf01))
			r.SHA256 = hexOf(0xf02)
			return f.orgs["Org1MSP"].client, r
		}, "REVISION_STALE: PDF revision 2 over " + hexOf(0xf01) + " is stale: document d1's latest is revision 2 (" + hexOf(0xf02) + ")"},
		{"org not involved", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			return f.newOrg("Org3MSP").client, dssRequest(3, hexOf(0xf02))
		}, "FORBIDDEN: Org3MSP is neither the owner's org nor a signer's org of document d1"},
		{"plain member", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.signedPDF()
			return f.orgs["Org1MSP"].member, dssRequest(3, hexOf(0xf02))
		}, "FORBIDDEN: only a relay (attribute qrsign.role=relay) or an org admin may record PDF revisions; the submitter of Org1MSP has neither"},
		{"unknown kind", func(f *fixture) ([]byte, model.RevisionRequest) {
			r := dssRequest(3, hexOf(0xf02))
			r.Kind = "doc-timestamp"
			return f.orgs["Org1MSP"].client, r
		}, `INVALID_FIELD: kind must be "dss"`},
		{"same hash", func(f *fixture) ([]byte, model.RevisionRequest) {
			r := dssRequest(3, hexOf(0xf02))
			r.SHA256 = r.PrevSHA256
			return f.orgs["Org1MSP"].client, r
		}, "INVALID_FIELD: pdf.sha256 must differ from pdf.prevSha256"},
		{"revision 0", func(f *fixture) ([]byte, model.RevisionRequest) {
			return f.orgs["Org1MSP"].client, dssRequest(0, orig)
		}, "INVALID_FIELD: pdf.revision must be 1..999"},
		{"unknown document", func(f *fixture) ([]byte, model.RevisionRequest) {
			r := dssRequest(1, orig)
			r.DocumentID = "nope"
			return f.orgs["Org1MSP"].client, r
		}, "DOCUMENT_NOT_FOUND: document nope not found"},
		{"not a PDF", func(f *fixture) ([]byte, model.RevisionRequest) {
			f.registerText("t1")
			r := dssRequest(1, orig)
			r.DocumentID = "t1"
			return f.orgs["Org1MSP"].client, r
		}, "INVALID_FIELD: document t1 is text/plain, not application/pdf: it has no PDF revisions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			creator, req := tc.run(f)
			before := len(f.L.State)
			_, err := f.invoke(creator, "RecordRevision", js(req))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if len(f.L.State) != before {
				t.Fatalf("a refused request wrote %d keys", len(f.L.State)-before)
			}
		})
	}
}
