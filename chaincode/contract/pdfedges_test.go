package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// A grouped signature (RecordSignatures, what a relay sends for concurrent
// signers) records its PDF revision and its .p7s exactly as RecordSignature
// does: the payload binds the revision, the event carries both, and a .p7s on
// a PDF is refused for that item alone.
func TestGroupedSignatureKeepsPDFAndP7S(t *testing.T) {
	f := newFixture(t)
	f.registerText("t1")
	pdf := f.pdfSigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "", rev(1, docRequest("d1").SHA256))
	text := f.sigRequest(f.alice, "t1", payload.PurposeSign, "", nil, "")
	text.P7S = &model.P7S{SHA256: hexOf(0xa7)}
	out, err := f.group(pdf, text)
	if err != nil {
		t.Fatal(err)
	}
	res := decode[model.GroupResult](t, out)
	if res.Items[0].Code != "" || res.Items[1].Code != "" {
		t.Fatalf("items refused: %+v", res.Items)
	}
	if d := res.Documents[0]; d.ID != "d1" || d.Revisions != 1 || d.RevisionSHA256 != hexOf(0xf01) {
		t.Fatalf("d1: %d revisions, latest %s", d.Revisions, d.RevisionSHA256)
	}
	for id, check := range map[string]func(*model.SignatureEvidence) bool{
		"d1": func(s *model.SignatureEvidence) bool { return s.PDF != nil && *s.PDF == *pdf.PDF },
		"t1": func(s *model.SignatureEvidence) bool { return s.P7S != nil && s.P7S.SHA256 == hexOf(0xa7) },
	} {
		h := decode[model.History](t, f.must(nil, "GetHistory", id))
		if e := h.Events[1]; e.Type != model.EventSignatureRecorded || !check(e.Signature) {
			t.Errorf("%s: event %s %+v", id, e.Type, e.Signature)
		}
		if rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", id)); !rep.OK {
			t.Errorf("VerifyRecord %s: %+v", id, rep.Checks)
		}
	}

	f = newFixture(t)
	onPDF := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
	onPDF.P7S = &model.P7S{SHA256: hexOf(0xa8)}
	if out, err = f.group(onPDF); err != nil {
		t.Fatal(err)
	}
	res = decode[model.GroupResult](t, out)
	want := model.GroupItem{DocumentID: "d1", Code: model.CodeInvalidField,
		Message: "document d1 is application/pdf: its signatures are PDF revisions, not .p7s files"}
	if res.Items[0] != want {
		t.Fatalf("a grouped .p7s on a PDF: %+v\nwant %+v", res.Items[0], want)
	}
}

// Only what binds a file in the signed payload may carry it: a batch decline
// (with or without a reason) and an annotation take neither pdf nor p7s, and
// write nothing.
func TestDeclinesAndAnnotationsCarryNoFiles(t *testing.T) {
	const batchWant = "INVALID_FIELD: items[1]: pdf and p7s are only for RecordBatchSignature"
	for _, reason := range []string{"", "not this one"} {
		w, alice, hashes := batchPDFWorld(t)
		req := w.batchDecline(alice, "bp", hashes, nil, reason)
		req.Items[1].P7S = &model.P7S{SHA256: hexOf(0xa7)}
		before := len(w.L.State)
		if _, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchDecline", js(req)); err == nil || err.Error() != batchWant {
			t.Fatalf("batch decline (reason %q) with a .p7s: %v\nwant %s", reason, err, batchWant)
		}
		if len(w.L.State) != before {
			t.Fatalf("a refused batch decline wrote %d keys", len(w.L.State)-before)
		}
	}

	const annotateWant = "INVALID_FIELD: pdf and p7s are bound only for RecordSignature"
	for name, set := range map[string]func(*model.SignatureRequest){
		"pdf": func(r *model.SignatureRequest) { r.PDF = rev(1, docRequest("d1").SHA256) },
		"p7s": func(r *model.SignatureRequest) { r.P7S = &model.P7S{SHA256: hexOf(0xa7)} },
	} {
		f := newFixture(t)
		r := f.sigRequest(f.alice, "d1", payload.PurposeAnnotate, "", []string{"x"}, "")
		set(&r)
		before := len(f.L.State)
		_, err := f.invoke(f.orgs["Org1MSP"].client, "Annotate", js(model.AnnotateRequest{SignatureRequest: r, Tags: []string{"x"}}))
		if err == nil || err.Error() != annotateWant {
			t.Fatalf("Annotate with %s: %v\nwant %s", name, err, annotateWant)
		}
		if len(f.L.State) != before {
			t.Fatalf("a refused annotation wrote %d keys", len(f.L.State)-before)
		}
	}
}

// Fold (what VerifyRecord and every reader replay) refuses revision events
// the chaincode never writes.
func TestFoldRefusesMalformedRevisions(t *testing.T) {
	f := newFixture(t)
	f.signedPDF()
	f.must(f.orgs["Org1MSP"].client, "RecordRevision", js(dssRequest(3, hexOf(0xf02))))
	base := decode[model.History](t, f.must(nil, "GetHistory", "d1")).Events
	for _, tc := range []struct {
		name   string
		change func(ev []model.Event)
		want   string
	}{
		{"a signature's revision of kind dss", func(ev []model.Event) {
			s := *ev[1].Signature
			p := *s.PDF
			p.Kind = model.RevisionDSS
			s.PDF, ev[1].Signature = &p, &s
		}, "event rejected: SignatureRecorded seq 1: INVALID_FIELD: pdf.kind is only for RecordRevision"},
		{"a DSS with a digest", func(ev []model.Event) {
			r := *ev[4].Revision
			r.Digest = hexOf(1)
			ev[4].Revision = &r
		}, "event rejected: RevisionRecorded seq 4: a dss revision has no digest"},
		{"a DSS that changes nothing", func(ev []model.Event) {
			r := *ev[4].Revision
			r.SHA256 = r.PrevSHA256
			ev[4].Revision = &r
		}, "event rejected: RevisionRecorded seq 4: INVALID_FIELD: pdf.sha256 must differ from pdf.prevSha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := append([]model.Event(nil), base...)
			tc.change(ev)
			if _, err := model.Fold(ev); err == nil || err.Error() != tc.want {
				t.Fatalf("Fold: %v\nwant %s", err, tc.want)
			}
		})
	}
	if _, err := model.Fold(base); err != nil {
		t.Fatalf("Fold of the history as written: %v", err)
	}
}
