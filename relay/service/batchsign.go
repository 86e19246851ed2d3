package service

import (
	"context"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/token"
)

// BatchSignerSession issues a batch session token for signer ("mspId/id"):
// token claims DocID = batch id, SHA256 = Merkle root. The size is not in
// the token; GET /v1/sessions/{token} answers it (batch.size), and the
// signer recomputes the root from the documents' hashes, which pins it.
func (s *Service) BatchSignerSession(ctx context.Context, batchID, signer string) (*session.Session, error) {
	b, err := s.GetBatch(ctx, batchID)
	if err != nil {
		return nil, err
	}
	for _, sg := range b.Signers {
		if sg.Key() == signer {
			sess, err := s.Sessions.Issue(b.ID, b.Root, sg, b.ExpiresAt, s.now())
			if err != nil {
				return nil, fault.From(err)
			}
			return &sess, nil
		}
	}
	return nil, fault.Newf(fault.CodeNotFound, "%q is not a signer of batch %s", clip(signer), b.ID)
}

// batchOfToken is the batch a token was issued for, if it is a batch token.
func (s *Service) batchOfToken(c token.Claims) (*api.Batch, bool) {
	if s.BatchDir == "" || !model.ValidID(c.DocID) {
		return nil, false
	}
	b, err := s.readManifest(c.DocID)
	if err != nil || b.Root != c.SHA256 {
		return nil, false
	}
	return b, true
}

// TokenCoversDocument says whether a session token grants reading docID:
// a document token for it, or a batch token of the batch holding it.
func (s *Service) TokenCoversDocument(c token.Claims, docID string) bool {
	if c.DocID == docID {
		return true
	}
	b, ok := s.batchOfToken(c)
	if !ok {
		return false
	}
	for _, d := range b.Documents {
		if d.ID == docID {
			return true
		}
	}
	return false
}

func (s *Service) batchSession(ctx context.Context, tok string, c token.Claims, b *api.Batch) (*api.Session, error) {
	nr, err := s.Ledger.GetNonce(ctx, c.Nonce)
	if err != nil {
		return nil, fromLedger(err)
	}
	if nr.Used {
		return nil, fault.Newf(model.CodeNonceReused, "this signing session was already used (tx %s)", nr.TxID)
	}
	signer := model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID}
	for _, sg := range b.Signers {
		if sg.Key() == signer.Key() {
			signer = sg
		}
	}
	bs := &api.BatchSession{ID: b.ID, Root: b.Root, Size: len(b.Documents)}
	for _, d := range b.Documents {
		bs.Documents = append(bs.Documents, api.BatchSessionEntry{ID: d.ID, Title: d.Title, SHA256: d.SHA256,
			ContentURL: s.PublicURL + "/v1/documents/" + d.ID + "/content?token=" + tok})
	}
	return &api.Session{Token: tok, DocumentID: b.ID, Title: b.Title, SHA256: b.Root, MediaType: "application/vnd.qrsign.batch",
		Signer: signer, Nonce: c.Nonce, Channel: s.Channel, ExpiresAt: time.Unix(c.Expiry, 0).UTC(), MatchCode: session.MatchCode(tok),
		CallbackURL: s.PublicURL + "/v1/callbacks/scan", DocumentStatus: model.StatusPending, Batch: bs}, nil
}

// scanBatch turns a batch-sign callback into one RecordBatchSignature over
// the batch's documents that await this signer now, each with its proof; a
// batch-decline callback into one RecordBatchDecline over those that await
// this signer at all (a signer may decline before their turn).
func (s *Service) scanBatch(ctx context.Context, claims token.Claims, req api.CallbackRequest, want model.EventType, purpose payload.Purpose) (*api.CallbackResult, error) {
	decline := purpose == payload.PurposeBatchDecline
	b, ok := s.batchOfToken(claims)
	if !ok {
		return nil, fault.New(fault.CodeTokenInvalid, "the token is not a session of a batch at this relay")
	}
	leaves, err := batchLeaves(b.Documents)
	if err != nil {
		return nil, fault.From(err)
	}
	root, proofs, err := merkle.Proofs(leaves)
	if err != nil || merkle.Hex(root) != b.Root {
		return nil, fault.New(model.CodeInternal, "the batch manifest does not match its root")
	}
	key := claims.MSPID + "/" + claims.SignerID
	docs, err := s.awaitingBatch(ctx, b, key, decline)
	if err != nil {
		return nil, err
	}
	items := make([]model.BatchItem, len(docs))
	for i, d := range docs {
		items[i] = model.BatchItem{DocumentID: d.view.ID, Proof: proofs[d.index]}
	}
	if len(items) == 0 {
		// Nothing left to answer: perhaps because this very session answered
		// it (a retry this relay does not remember), as the nonce record says.
		if r, err := s.fromNonce(ctx, claims, want); err != nil || r != nil {
			return r, err
		}
	}
	if len(items) == 0 && decline {
		return nil, fault.Newf(model.CodeDocumentClosed, "no open document of batch %s awaits %s", b.ID, key)
	}
	if len(items) == 0 {
		return nil, fault.Newf(model.CodeOutOfTurn, "no document of batch %s awaits %s's signature now", b.ID, key)
	}
	var signed []api.BatchSigned
	var stored []newBlob // revisions and .p7s files stored before the ledger write: dropped if it is refused
	if len(req.Documents) > 0 {
		// A retry after a success this relay forgot: answer it, make no second revision.
		if r, err := s.fromNonce(ctx, claims, want); err != nil || r != nil {
			return r, err
		}
		var unlock func()
		if signed, stored, unlock, err = s.signBatchDocs(ctx, claims, req, items, docs); err != nil {
			return nil, err
		}
		defer unlock() // the next revision of these documents is made after this batch's is on the ledger
	}
	breq := model.BatchSignatureRequest{BatchID: b.ID, MSPID: claims.MSPID, Nonce: claims.Nonce, CertChainPEM: req.CertChainPEM,
		Signature: req.Signature, Algorithm: req.Algorithm, Root: b.Root, Size: len(leaves), Items: items, Reason: req.Reason}
	if err := breq.Validate(); err != nil {
		return nil, fault.From(err)
	}
	t0 := time.Now()
	var w *ledger.Written
	if decline {
		w, err = s.Ledger.RecordBatchDecline(ctx, breq)
		s.observe("RecordBatchDecline", t0)
	} else {
		w, err = s.Ledger.RecordBatchSignature(ctx, breq)
		s.observe("RecordBatchSignature", t0)
	}
	if err != nil {
		return s.writeFailed(ctx, err, claims, want, stored...)
	}
	res := &api.CallbackResult{TxID: w.TxID, BlockNumber: w.BlockNumber, ValidationCode: w.ValidationCode, DocumentID: b.ID,
		EventType: want, DocumentStatus: model.StatusPending}
	if decline {
		res.DocumentStatus = model.StatusDeclined // every document it names
	}
	for _, it := range items {
		res.Documents = append(res.Documents, it.DocumentID)
	}
	res.Signed = signed
	for _, it := range items {
		if it.PDF != nil {
			s.sealAfter(ctx, it.DocumentID) // B-LT for each PDF this batch completed (AppendDSS skips the others)
		}
	}
	s.rememberResult(claims.Nonce, res)
	return res, nil
}
