package contract

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// batchPDFWorld registers batch "bp" of three documents signed by alice:
// 0 and 2 PDFs, 1 text/plain; it returns the world, alice and the hashes.
func batchPDFWorld(t *testing.T) (*world, *signer, [][32]byte) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	var hashes [][32]byte
	for i := range 3 {
		r := docRequest(batchDoc("bp", i), alice)
		r.SHA256, r.BatchID, r.BatchOrder = hexOf(0xb00+i), "bp", i
		if i == 1 {
			r.MediaType = "text/plain"
		}
		w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(r))
		h, _ := merkle.ParseHash(r.SHA256)
		hashes = append(hashes, h)
	}
	return w, alice, hashes
}

// batchPDFRequest is alice's batch-sign over all three documents with a PDF
// revision 1 for each PDF and a .p7s for the text, the payload binding the
// PDF statements' root (edit may change the request before it is signed).
func batchPDFRequest(w *world, s *signer, hashes [][32]byte, edit func(*model.BatchSignatureRequest)) model.BatchSignatureRequest {
	req := w.batchAnswer(s, "bp", hashes, nil, payload.PurposeBatchSign, "")
	req.Items[0].PDF = rev(1, hexOf(0xb00))
	req.Items[1].P7S = &model.P7S{SHA256: hexOf(0xa7)}
	req.Items[2].PDF = rev(1, hexOf(0xb02))
	req.Items[2].PDF.SHA256 = hexOf(0xf21)
	if edit != nil {
		edit(&req)
	}
	pdfs, _, err := model.BatchPDFTree(req.Items)
	if err != nil {
		w.tb.Fatal(err)
	}
	w.signBatch(s, &req, payload.PurposeBatchSign, pdfs)
	return req
}

// One batch signature records each PDF's revision with its statement's
// proof and the text's .p7s; each revision is findable by its hash and every
// record re-verifies (VerifyRecord rebuilds the payload with pdfroot).
func TestBatchPDFRevisionsRecorded(t *testing.T) {
	w, alice, hashes := batchPDFWorld(t)
	req := batchPDFRequest(w, alice, hashes, nil)
	res := decode[model.WriteResult](t, w.must(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(req)))
	pdfs, _, _ := model.BatchPDFTree(req.Items)
	var sigs []*model.SignatureEvidence
	for _, e := range res.Events {
		if e.Type == model.EventSignatureRecorded {
			sigs = append(sigs, e.Signature)
		}
	}
	if len(sigs) != 3 {
		t.Fatalf("%d signature events", len(sigs))
	}
	for i, ev := range sigs {
		b := ev.Batch
		if b.PDFs == nil || *b.PDFs != *pdfs {
			t.Fatalf("document %d: batch evidence binds %+v, want %+v", i, b.PDFs, pdfs)
		}
		switch i {
		case 0, 2:
			if ev.PDF == nil || *ev.PDF != *req.Items[i].PDF || ev.P7S != nil || b.PDFIndex != i/2 {
				t.Fatalf("document %d: pdf %+v p7s %+v statement %d", i, ev.PDF, ev.P7S, b.PDFIndex)
			}
		case 1:
			if ev.PDF != nil || ev.P7S == nil || ev.P7S.SHA256 != hexOf(0xa7) || b.PDFProof != nil {
				t.Fatalf("document 1: pdf %+v p7s %+v proof %v", ev.PDF, ev.P7S, b.PDFProof)
			}
		}
		if err := b.CheckPDF(batchDoc("bp", i), ev.PDF); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
	}
	for i, d := range res.Documents {
		want := map[int]int{0: 1, 1: 0, 2: 1}[i]
		if d.Revisions != want {
			t.Fatalf("document %d: %d revisions, want %d", i, d.Revisions, want)
		}
	}
	for _, sha := range []string{hexOf(0xf01), hexOf(0xf21)} {
		page := decode[model.Page](t, w.must(nil, "ListByHash", js(model.ListQuery{SHA256: sha})))
		if len(page.Records) != 1 {
			t.Fatalf("ListByHash(%s…) = %d records", sha[:8], len(page.Records))
		}
	}
	for i := range 3 {
		rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", batchDoc("bp", i)))
		if !rep.OK {
			t.Fatalf("VerifyRecord %d: %+v", i, rep.Checks)
		}
	}
	// A statement moved to another document's event does not prove in.
	if err := sigs[2].Batch.CheckPDF(batchDoc("bp", 0), sigs[2].PDF); err == nil {
		t.Fatal("document 2's statement proves for document 0")
	}
}

// Every refusal of a batch signature's PDF revisions and .p7s files: exact
// error, nothing written.
func TestBatchPDFRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(w *world, alice *signer, hashes [][32]byte) model.BatchSignatureRequest
		want string
	}{
		{"stale revision", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) { r.Items[2].PDF = rev(2, hexOf(0xb02)) })
		}, "REVISION_STALE: PDF revision 2 over " + hexOf(0xb02) + " is stale: document bp-002's latest is revision 0 (" + hexOf(0xb02) + ")"},
		{"revision not bound", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			r := batchPDFRequest(w, a, h, nil)
			r.Items[2].PDF.Digest = hexOf(1)
			return r
		}, "BAD_SIGNATURE: signature does not verify"},
		{"signed without pdfroot", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			r := batchPDFRequest(w, a, h, nil)
			w.signBatch(a, &r, payload.PurposeBatchSign, nil)
			return r
		}, "BAD_SIGNATURE: signature does not verify"},
		{"revision dropped", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			r := batchPDFRequest(w, a, h, nil)
			r.Items[2].PDF = nil
			return r
		}, "BAD_SIGNATURE: signature does not verify"},
		{"PDF revision of a text", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) { r.Items[1].P7S, r.Items[1].PDF = nil, rev(1, hexOf(0xb01)) })
		}, "INVALID_FIELD: document bp-001 is text/plain, not application/pdf: it has no PDF revisions"},
		{"p7s of a PDF", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) {
				r.Items[0].PDF, r.Items[0].P7S = nil, &model.P7S{SHA256: hexOf(0xa8)}
			})
		}, "INVALID_FIELD: document bp-000 is application/pdf: its signatures are PDF revisions, not .p7s files"},
		{"both", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) { r.Items[0].P7S = &model.P7S{SHA256: hexOf(0xa8)} })
		}, "INVALID_FIELD: items[0]: a document has a PDF revision or a .p7s, not both"},
		{"bad revision shape", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) { r.Items[2].PDF.SHA256 = r.Items[2].PDF.PrevSHA256 })
		}, "INVALID_FIELD: items[2].pdf.sha256 must differ from pdf.prevSha256"},
		{"bad p7s shape", func(w *world, a *signer, h [][32]byte) model.BatchSignatureRequest {
			return batchPDFRequest(w, a, h, func(r *model.BatchSignatureRequest) { r.Items[1].P7S.SHA256 = "A7" })
		}, "INVALID_FIELD: items[1].p7s.sha256 must be 64 lowercase hex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, alice, hashes := batchPDFWorld(t)
			req := tc.run(w, alice, hashes)
			before := len(w.L.State)
			_, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(req))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %v\nwant %s", err, tc.want)
			}
			if len(w.L.State) != before {
				t.Fatalf("a refused request wrote %d keys", len(w.L.State)-before)
			}
		})
	}
}

// A batch decline carries no PDF revision or .p7s.
func TestBatchDeclineRefusesPDF(t *testing.T) {
	w, alice, hashes := batchPDFWorld(t)
	req := w.batchDecline(alice, "bp", hashes, nil, "no")
	req.Items[0].PDF = rev(1, hexOf(0xb00))
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchDecline", js(req)); err == nil ||
		err.Error() != "INVALID_FIELD: items[0]: pdf and p7s are only for RecordBatchSignature" {
		t.Fatalf("error %v", err)
	}
}
