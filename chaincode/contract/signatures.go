package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// RecordSignature records a signer's signature over the document's canonical
// payload; the last required signature also completes the document.
func (c *Contract) RecordSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordSignature(ctx, request)
	return out, asError(err)
}

func recordSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.SignatureRequest
	t, err := beginWrite(ctx, "record signatures", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	if req.Reason != "" {
		return "", model.Errorf(model.CodeInvalidField, "reason is bound only for DeclineSignature")
	}
	c := singleClaim(&req, payload.PurposeSign, nil, "")
	c.pdf, c.p7s = req.PDF, req.P7S
	return t.record(c)
}

// DeclineSignature records a signer's refusal, proven like a signature with
// the reason bound; it closes the document as DECLINED. A signer may decline
// before their turn.
func (c *Contract) DeclineSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := declineSignature(ctx, request)
	return out, asError(err)
}

func declineSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.SignatureRequest
	t, err := beginWrite(ctx, "record declines", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	if req.PDF != nil || req.P7S != nil {
		return "", model.Errorf(model.CodeInvalidField, "pdf and p7s are bound only for RecordSignature")
	}
	return t.record(singleClaim(&req, payload.PurposeDecline, nil, ""))
}

// record proves a signature or decline claim and writes it: per document
// (in request order) its event, DocumentCompleted after the last
// signature, the pending keys of whoever no longer owes anything; then the
// nonce, once; then the projections and the one chaincode event.
func (t *txn) record(c *claim) (string, error) {
	proofs, err := t.prove(c)
	if err != nil {
		return "", err
	}
	docs, err := t.settleClaim(c, proofs)
	if err != nil {
		return "", err
	}
	if c.batch == nil {
		return t.finish(docs[0])
	}
	return t.emitDocs(docs, documentList)
}

// settleClaim writes a proven claim's events, pending keys and nonce, and
// returns its documents; the projections are emit's.
func (t *txn) settleClaim(c *claim, proofs []proof) ([]*model.Document, error) {
	typ := model.EventSignatureRecorded
	if c.purpose.IsDecline() {
		typ = model.EventSignatureDeclined
	}
	docs := make([]*model.Document, len(proofs))
	var first model.Event
	for i := range proofs {
		e, err := t.settle(&proofs[i], typ)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = e
		}
		docs[i] = proofs[i].doc
	}
	batchID := ""
	if c.batch != nil {
		batchID = c.batch.BatchID
	}
	return docs, t.useNonce(c.nonce, first, batchID)
}

// settle applies one proven signature (typ SignatureRecorded) or decline
// (SignatureDeclined, which closes the document: nobody is waited for any
// more) and returns its event.
func (t *txn) settle(p *proof, typ model.EventType) (model.Event, error) {
	doc := p.doc
	done := []model.SignerSpec{doc.Signers[p.idx].SignerSpec}
	if typ == model.EventSignatureDeclined {
		done = pendingSigners(doc)
	}
	e := t.event(typ, doc.ID, doc.EventCount)
	e.Signature = &p.evidence
	if err := t.apply(doc, e); err != nil {
		return e, err
	}
	if err := t.indexRevision(doc, p.evidence.PDF); err != nil {
		return e, err
	}
	if typ == model.EventSignatureRecorded && doc.CurrentOrder == 0 { // nobody left to sign: the same transaction completes it
		c := t.event(model.EventDocumentCompleted, doc.ID, doc.EventCount)
		c.Completed = &model.Completed{Signatures: len(doc.Signers)}
		if err := t.apply(doc, c); err != nil {
			return e, err
		}
	}
	return e, t.dropPending(doc, done)
}

// Annotate adds tags and a note to a document in any status, proven by one of
// its signers' signature over them.
func (c *Contract) Annotate(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := annotate(ctx, request)
	return out, asError(err)
}

func annotate(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.AnnotateRequest
	t, err := beginWrite(ctx, "annotate documents", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	proofs, err := t.prove(singleClaim(&req.SignatureRequest, payload.PurposeAnnotate, req.Tags, req.Note))
	if err != nil {
		return "", err
	}
	p := proofs[0]
	doc := p.doc
	had := map[string]bool{}
	for _, tag := range doc.Tags {
		had[tag] = true
	}
	e := t.event(model.EventAnnotated, doc.ID, doc.EventCount)
	tags := append([]string{}, req.Tags...)
	e.Annotation = &model.Annotation{Tags: tags, Note: req.Note, Evidence: p.evidence}
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	for _, tag := range doc.Tags { // sorted: deterministic write order
		if !had[tag] {
			if err := t.put(tagKey(doc, tag), indexValue); err != nil {
				return "", err
			}
		}
	}
	if err := t.useNonce(req.Nonce, e, ""); err != nil {
		return "", err
	}
	return t.finish(doc)
}

// useNonce spends a nonce: the record names the transaction, the event type
// and the document, or for a batch the batch.
func (t *txn) useNonce(nonce string, e model.Event, batchID string) error {
	ts := e.Timestamp
	rec := model.NonceRecord{Nonce: nonce, Used: true, TxID: e.TxID, DocumentID: e.DocumentID, EventType: e.Type, Timestamp: &ts}
	if batchID != "" {
		rec.DocumentID, rec.BatchID = "", batchID
	}
	return t.putJSON(nonceKey(nonce), rec)
}
