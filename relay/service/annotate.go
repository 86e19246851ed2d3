package service

import (
	"context"
	"slices"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// Annotate pre-verifies a signer's annotation (as a scan callback is) and
// submits Annotate, answering after the commit status is VALID.
func (s *Service) Annotate(ctx context.Context, c Caller, docID string, b api.AnnotationRequest) (res *api.Annotated, err error) {
	started := time.Now()
	var tx *ledger.Tx
	defer func() { s.op(c, "annotate", docID, started, tx, err) }()
	v, err := s.Document(ctx, docID)
	if err != nil {
		return nil, err
	}
	chain, err := parseChain(b.CertChainPEM)
	if err != nil {
		return nil, err
	}
	cn := chain[0].Subject.CommonName
	// Nothing here needs a key, so nothing may tell an outsider who signs:
	// the proof (shape, signature, chain) is checked first, against the
	// document's orgs, and refused alike whoever the CN names; only a
	// certificate one of those orgs issued learns whether it holds a slot.
	req := model.AnnotateRequest{SignatureRequest: model.SignatureRequest{DocumentID: docID, MSPID: b.MSPID, Nonce: b.Nonce,
		CertChainPEM: b.CertChainPEM, Signature: b.Signature, Algorithm: b.Algorithm}, Tags: b.Tags, Note: b.Note}
	if err := req.Validate(); err != nil {
		return nil, fault.From(err)
	}
	f := payload.Fields{Purpose: payload.PurposeAnnotate, Channel: s.Channel, DocumentID: docID, DocumentSHA256: v.SHA256,
		Nonce: b.Nonce, Tags: b.Tags, Note: b.Note}
	if err := verifyProof(chain[0], &req.SignatureRequest, f); err != nil {
		return nil, err
	}
	orgs := []string{b.MSPID}
	if b.MSPID == "" {
		orgs = orgs[:0]
		for _, sg := range v.Signers {
			orgs = append(orgs, sg.MSPID) // issuingOrgs tries each once
		}
	}
	issuers, err := s.issuingOrgs(ctx, orgs, chain)
	if err != nil {
		return nil, err
	}
	if len(issuers) == 0 {
		return nil, fault.New(model.CodeUntrustedChain, "the certificate is not issued by a signer CA of this document's organisations")
	}
	msp := ""
	for _, sg := range v.Signers {
		if sg.ID != cn || !slices.Contains(issuers, sg.MSPID) {
			continue
		}
		if msp != "" && msp != sg.MSPID {
			return nil, fault.Newf(model.CodeNotASigner, "%q is a signer of %s in more than one org; send mspId", clip(cn), docID)
		}
		msp = sg.MSPID
	}
	if msp == "" {
		return nil, fault.Newf(model.CodeNotASigner, "%q is not a signer of document %s", clip(cn), docID)
	}
	req.MSPID = msp
	t0 := time.Now()
	w, err := s.Ledger.Annotate(ctx, req)
	s.observe("Annotate", t0)
	if code, _ := ledger.CodeOf(err); code == model.CodeNonceReused {
		// A retry after a success (a lost answer, a 503 whose outcome was unknown).
		if nr, nerr := s.Ledger.GetNonce(ctx, b.Nonce); nerr == nil && nr.Used && nr.DocumentID == docID && nr.EventType == model.EventAnnotated {
			out := &api.Annotated{TxID: nr.TxID, ValidationCode: "VALID", DocumentID: docID, Replayed: true}
			out.BlockNumber, _ = s.Ledger.BlockOfTx(ctx, nr.TxID)
			if out.Document, err = s.Ledger.GetDocument(ctx, docID); err == nil {
				out.Tags = out.Document.Tags
			}
			return out, nil
		}
	}
	if err != nil {
		return nil, fromLedger(err)
	}
	tx = &w.Tx
	out := &api.Annotated{TxID: w.TxID, BlockNumber: w.BlockNumber, ValidationCode: w.ValidationCode, DocumentID: docID,
		Document: w.Result.Document}
	if out.Document != nil {
		out.Tags = out.Document.Tags
	}
	return out, nil
}
