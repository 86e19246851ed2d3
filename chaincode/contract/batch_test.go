package contract

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// registerBatch registers n documents of batch id (batchOrder 0..n-1), each
// with its own content hash, signed by signers; it returns their hashes.
func (w *world) registerBatch(id string, n int, signers ...*signer) [][32]byte {
	w.tb.Helper()
	hashes := make([][32]byte, n)
	for i := range n {
		hashes[i] = sha256.Sum256([]byte(fmt.Sprintf("%s document %d", id, i)))
		r := docRequest(batchDoc(id, i), signers...)
		r.SHA256, r.BatchID, r.BatchOrder = merkle.Hex(hashes[i]), id, i
		w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(r))
	}
	return hashes
}

func batchDoc(batch string, i int) string { return fmt.Sprintf("%s-%03d", batch, i) }

// batchRequest is what the relay submits after s scanned the batch QR: one
// signature over (batch id, root, size), and the proofs of the documents at
// positions idx (all when idx is nil).
func (w *world) batchRequest(s *signer, id string, hashes [][32]byte, idx []int) model.BatchSignatureRequest {
	w.tb.Helper()
	return w.batchAnswer(s, id, hashes, idx, payload.PurposeBatchSign, "")
}

// batchDecline is batchRequest for RecordBatchDecline: the batch-decline
// payload binds the reason.
func (w *world) batchDecline(s *signer, id string, hashes [][32]byte, idx []int, reason string) model.BatchSignatureRequest {
	w.tb.Helper()
	return w.batchAnswer(s, id, hashes, idx, payload.PurposeBatchDecline, reason)
}

func (w *world) batchAnswer(s *signer, id string, hashes [][32]byte, idx []int, purpose payload.Purpose, reason string) model.BatchSignatureRequest {
	w.tb.Helper()
	root, proofs, err := merkle.Proofs(hashes)
	if err != nil {
		w.tb.Fatal(err)
	}
	if idx == nil {
		for i := range hashes {
			idx = append(idx, i)
		}
	}
	req := model.BatchSignatureRequest{BatchID: id, MSPID: s.spec.MSPID, Nonce: w.nextNonce(), CertChainPEM: s.chain,
		Algorithm: s.alg, Root: merkle.Hex(root), Size: len(hashes), Reason: reason}
	for _, i := range idx {
		req.Items = append(req.Items, model.BatchItem{DocumentID: batchDoc(id, i), Proof: proofs[i]})
	}
	w.signBatch(s, &req, purpose, nil)
	return req
}

// signBatch signs req's batch payload as s, binding pdfs.
func (w *world) signBatch(s *signer, req *model.BatchSignatureRequest, purpose payload.Purpose, pdfs *payload.BatchPDFs) {
	w.tb.Helper()
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: testChannel, DocumentID: req.BatchID,
		DocumentSHA256: req.Root, Nonce: req.Nonce, SignerFingerprint: payload.Fingerprint(s.cert.Raw), Size: req.Size,
		Reason: req.Reason, PDFs: pdfs})
	if err != nil {
		w.tb.Fatal(err)
	}
	sig, err := sigalg.Sign(s.alg, s.key, msg)
	if err != nil {
		w.tb.Fatal(err)
	}
	req.Signature = base64.StdEncoding.EncodeToString(sig)
}

func TestRecordBatchSignature300(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	hashes := w.registerBatch("b1", 300, alice)
	req := w.batchRequest(alice, "b1", hashes, nil)
	out := w.must(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(req))
	if w.last.EventCount() != 1 {
		t.Fatalf("%d chaincode events", w.last.EventCount())
	}
	res := decode[model.WriteResult](t, out)
	if len(res.Events) != 600 || len(res.Documents) != 300 || res.Document != nil {
		t.Fatalf("%d events, %d documents", len(res.Events), len(res.Documents))
	}
	for i, d := range res.Documents {
		e := res.Events[2*i]
		if d.ID != batchDoc("b1", i) || d.Status != model.StatusCompleted || e.Type != model.EventSignatureRecorded ||
			e.Signature.Batch == nil || e.Signature.Batch.Index != i || e.Signature.Batch.Root != req.Root ||
			res.Events[2*i+1].Type != model.EventDocumentCompleted {
			t.Fatalf("document %d: %+v / %+v", i, d, e)
		}
	}
	for _, i := range []int{0, 1, 150, 299} {
		rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", batchDoc("b1", i)))
		if !rep.OK {
			t.Fatalf("VerifyRecord %d: %+v", i, rep)
		}
	}
	list := decode[model.Page](t, w.must(nil, "ListBatch", "b1"))
	if len(list.Records) != 300 || list.Records[0].ID != "b1-000" || list.Records[299].ID != "b1-299" {
		t.Fatalf("ListBatch: %d records", len(list.Records))
	}
	nr := decode[model.NonceRecord](t, w.must(nil, "GetNonce", req.Nonce))
	if nr.BatchID != "b1" || nr.TxID != res.Events[0].TxID || nr.DocumentID != "" {
		t.Fatalf("nonce record %+v", nr)
	}
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(req)); err == nil ||
		err.Error() != fmt.Sprintf("NONCE_REUSED: nonce %s was used by transaction %s", req.Nonce, nr.TxID) {
		t.Fatalf("replay: %v", err)
	}
}

// A batch decline records what DeclineSignature would on every listed
// document: a SignatureDeclined event with the reason and the batch evidence,
// the document closed DECLINED and nobody waited for any more; a signer may
// decline before their turn; VerifyRecord re-verifies it; the nonce is spent.
func TestRecordBatchDeclineClosesEveryListedDocument(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	hashes := w.registerBatch("bd", 3, alice, bob)
	req := w.batchDecline(bob, "bd", hashes, []int{0, 2}, "Salary wrong in both")
	res := decode[model.WriteResult](t, w.must(w.orgs["Org2MSP"].client, "RecordBatchDecline", js(req)))
	if len(res.Events) != 2 || len(res.Documents) != 2 || w.last.EventCount() != 1 {
		t.Fatalf("%d events, %d documents", len(res.Events), len(res.Documents))
	}
	for i, d := range res.Documents {
		e := res.Events[i]
		if d.Status != model.StatusDeclined || d.CurrentOrder != 0 || e.Type != model.EventSignatureDeclined ||
			e.Signature.Reason != "Salary wrong in both" || e.Signature.Batch == nil || e.Signature.Batch.Root != req.Root ||
			e.Signature.Batch.Index != []int{0, 2}[i] {
			t.Fatalf("document %d: %+v / %+v", i, d, e)
		}
		if rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", d.ID)); !rep.OK {
			t.Fatalf("VerifyRecord %s: %+v", d.ID, rep)
		}
	}
	for _, who := range []*signer{alice, bob} { // nothing waits for either signer on the declined documents
		page := decode[model.Page](t, w.must(nil, "ListPending", js(model.ListQuery{MSPID: who.spec.MSPID, SignerID: who.spec.ID})))
		if len(page.Records) != 1 || page.Records[0].ID != "bd-001" {
			t.Fatalf("%s pending: %+v", who.spec.ID, page.Records)
		}
	}
	nr := decode[model.NonceRecord](t, w.must(nil, "GetNonce", req.Nonce))
	if nr.BatchID != "bd" || nr.EventType != model.EventSignatureDeclined {
		t.Fatalf("nonce record %+v", nr)
	}
	// The documents are closed: signing or declining them again is refused.
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(w.batchRequest(alice, "bd", hashes, []int{0}))); err == nil ||
		err.Error() != "DOCUMENT_CLOSED: document bd-000 is DECLINED" {
		t.Fatalf("signing a declined document: %v", err)
	}
}

// Each refusal names its cause: a reason is bound only for declines, the
// signature must be over the batch-decline payload (a batch-sign signature,
// or another reason, is a bad signature), and the checks of
// RecordBatchSignature apply.
func TestRecordBatchDeclineRefusals(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	hashes := w.registerBatch("bx", 2, alice)
	client := w.orgs["Org1MSP"].client
	withReason := w.batchRequest(alice, "bx", hashes, nil)
	withReason.Reason = "no"
	signed := w.batchRequest(alice, "bx", hashes, nil)
	otherReason := w.batchDecline(alice, "bx", hashes, nil, "no")
	otherReason.Reason = "yes"
	declineNoReason := w.batchDecline(alice, "bx", hashes, nil, "")
	// A document of another batch listed under bx, with its own (valid) proof.
	w.registerBatch("by", 2, alice)
	foreign := w.batchDecline(alice, "bx", hashes, []int{0}, "no")
	foreign.Items[0].DocumentID = batchDoc("by", 0)
	for _, c := range []struct {
		name, fn string
		req      model.BatchSignatureRequest
		want     string
	}{
		{"a reason on a batch signature", "RecordBatchSignature", withReason, "INVALID_FIELD: reason is bound only for RecordBatchDecline"},
		{"a batch-sign signature as a decline", "RecordBatchDecline", signed, "BAD_SIGNATURE: "},
		{"a batch-decline signature as a batch signature", "RecordBatchSignature", declineNoReason, "BAD_SIGNATURE: "},
		{"another reason than the one signed", "RecordBatchDecline", otherReason, "BAD_SIGNATURE: "},
		{"a document of another batch", "RecordBatchDecline", foreign, "INVALID_FIELD: items[0]: document by-000 is not in batch bx"},
	} {
		_, err := w.invoke(client, c.fn, js(c.req))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %s…", c.name, err, c.want)
		}
	}
	for i := range 2 {
		if v := decode[model.DocumentView](t, w.must(nil, "GetDocument", batchDoc("bx", i))); v.Status != model.StatusPending || v.EventCount != 1 {
			t.Fatalf("a refused decline wrote: %+v", v)
		}
	}
	// A document the signer already signed (on its own) cannot be declined by
	// the batch: the whole transaction is refused.
	mustOK(t)(w.sign(alice, batchDoc("bx", 1)))
	if _, err := w.invoke(client, "RecordBatchDecline", js(w.batchDecline(alice, "bx", hashes, nil, "no"))); err == nil ||
		!strings.HasPrefix(err.Error(), "DOCUMENT_CLOSED: document bx-001 is COMPLETED") {
		t.Fatalf("declining a signed document: %v", err)
	}
}

// A batch signature records exactly what RecordSignature would: turns,
// parallel signers, completion only after the last one.
func TestRecordBatchSignatureRouting(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 2)
	hashes := w.registerBatch("b2", 3, alice, bob)
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(w.batchRequest(bob, "b2", hashes, nil))); err == nil ||
		err.Error() != "OUT_OF_TURN: Org2MSP/bob has routing order 2; order 1 has not finished" {
		t.Fatalf("bob first: %v", err)
	}
	res := decode[model.WriteResult](t, w.must(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(w.batchRequest(alice, "b2", hashes, []int{2, 0}))))
	if len(res.Events) != 2 || res.Documents[0].ID != "b2-002" || res.Documents[0].CurrentOrder != 2 {
		t.Fatalf("alice on two: %+v", res)
	}
	mustOK(t)(w.sign(alice, "b2-001")) // one document signed on its own
	res = decode[model.WriteResult](t, w.must(w.orgs["Org2MSP"].client, "RecordBatchSignature", js(w.batchRequest(bob, "b2", hashes, nil))))
	if len(res.Events) != 6 || res.Documents[1].Status != model.StatusCompleted {
		t.Fatalf("bob: %+v", res)
	}
	for i := range 3 {
		if rep := decode[model.VerifyReport](t, w.must(nil, "VerifyRecord", batchDoc("b2", i))); !rep.OK {
			t.Fatalf("VerifyRecord %d: %+v", i, rep)
		}
	}
}

// batchRejects: each request RecordBatchSignature refuses, with the exact error.
var batchRejects = []struct {
	name string
	run  func(w *world, alice *signer, hashes [][32]byte) (model.BatchSignatureRequest, string)
}{
	{"tampered proof", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Items[1].Proof.Path[0] = strings.Repeat("0", 64)
		return r, "BAD_SIGNATURE: items[1]: document b-001 is not leaf 1 of the signed batch: merkle: proof does not lead to the root: leaf 1 of 6"
	}},
	{"proof of another document", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Items[2].Proof.Path = r.Items[3].Proof.Path
		return r, "BAD_SIGNATURE: items[2]: document b-002 is not leaf 2 of the signed batch: merkle: proof does not lead to the root: leaf 2 of 6"
	}},
	{"tampered root", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Root = strings.Repeat("ab", 32)
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"root of a tree without one document, signed", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		other := append([][32]byte{}, h...)
		other[4] = sha256.Sum256([]byte("something else"))
		r := w.batchRequest(a, "b", other, nil)
		return r, "BAD_SIGNATURE: items[4]: document b-004 is not leaf 4 of the signed batch: merkle: proof does not lead to the root: leaf 4 of 6"
	}},
	{"tampered size", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Size = 7
		return r, "INVALID_FIELD: items[0].proof.size 6 is not the batch size 7"
	}},
	{"size and proofs tampered together", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, []int{0})
		r.Size, r.Items[0].Proof.Size = 8, 8 // leaf 0's path of a 6-tree is as long as in an 8-tree
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"malformed proof", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Items[0].Proof.Path = r.Items[0].Proof.Path[1:]
		return r, "INVALID_FIELD: items[0].proof: merkle: malformed: path has 2 hashes, index 0 of size 6 needs 3"
	}},
	{"proof index is not the batchOrder", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Items[0].DocumentID, r.Items[1].DocumentID = r.Items[1].DocumentID, r.Items[0].DocumentID
		return r, "INVALID_FIELD: items[0]: proof index 0 is not document b-001's batchOrder 1"
	}},
	{"document of another batch", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		w.registerBatch("c", 1, a)
		r := w.batchRequest(a, "b", h, []int{0})
		r.Items[0].DocumentID = "c-000"
		return r, "INVALID_FIELD: items[0]: document c-000 is not in batch b"
	}},
	{"one document already signed", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		mustOK(w.tb.(*testing.T))(w.sign(a, "b-003"))
		return w.batchRequest(a, "b", h, nil), "DOCUMENT_CLOSED: document b-003 is COMPLETED"
	}},
	{"one document voided", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		w.must(w.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: "b-005", Reason: "x"}))
		return w.batchRequest(a, "b", h, nil), "DOCUMENT_CLOSED: document b-005 is VOIDED"
	}},
	{"unknown document", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Items[5].DocumentID = "nope"
		return r, "DOCUMENT_NOT_FOUND: document nope not found"
	}},
	{"listed twice", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, []int{1, 1})
		return r, "INVALID_FIELD: items[1] document b-001 is listed twice"
	}},
	{"not a signer", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		m := w.signer("Org1MSP", "mallory", 1)
		return w.batchRequest(m, "b", h, nil), "NOT_A_SIGNER: Org1MSP/mallory is not a signer of document b-000"
	}},
	{"signature over a single-document payload", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, []int{0})
		r.Signature = w.sigRequest(a, "b-000", payload.PurposeSign, "", nil, "").Signature
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"too many items", func(w *world, a *signer, h [][32]byte) (model.BatchSignatureRequest, string) {
		r := w.batchRequest(a, "b", h, nil)
		r.Size = 600
		for len(r.Items) <= model.MaxBatchItems {
			r.Items = append(r.Items, r.Items[0])
		}
		return r, "INVALID_FIELD: items must list 1..500 documents"
	}},
}

func TestRecordBatchSignatureRejects(t *testing.T) {
	for _, c := range batchRejects {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			alice := w.signer("Org1MSP", "alice", 1)
			req, want := c.run(w, alice, w.registerBatch("b", 6, alice))
			wantError(t, want)(w.invoke(w.orgs["Org1MSP"].client, "RecordBatchSignature", js(req)))
		})
	}
}
