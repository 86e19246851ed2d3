package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/token"
)

// awaiting is one document of a batch that awaits the session's signer.
type awaiting struct {
	index int // in the batch manifest (the document's batchOrder)
	view  *model.DocumentView
}

// awaitingBatch lists, in batch order, the batch's registered documents
// that await signer key's signature now (decline: at all; a signer may
// decline before their turn).
func (s *Service) awaitingBatch(ctx context.Context, b *api.Batch, key string, decline bool) ([]awaiting, error) {
	var out []awaiting
	for i, d := range b.Documents {
		v, err := s.Ledger.GetDocument(ctx, d.ID)
		if code, _ := ledger.CodeOf(err); code == model.CodeDocumentNotFound {
			continue // not registered (a batch cut short)
		}
		if err != nil {
			return nil, fromLedger(err)
		}
		if effective(v) != model.StatusPending {
			continue
		}
		for _, sg := range v.Signers {
			if sg.Key() == key && sg.Status == model.SignerPending && (decline || sg.RoutingOrder == v.CurrentOrder) {
				out = append(out, awaiting{index: i, view: v})
			}
		}
	}
	return out, nil
}

// PrepareBatch answers GET /v1/sessions/{token}/batch: for each document of
// the session's batch that awaits the signer now, the PDF increment it signs
// (over the latest recorded revision, stated now) or that it makes a .p7s;
// a PDF this relay cannot write into (PDF_UNREADABLE, PDF_UNSUPPORTED) is
// left out and gets the batch signature alone.
func (s *Service) PrepareBatch(ctx context.Context, tok string) (*api.BatchSignatures, error) {
	c, err := s.VerifyToken(tok)
	if err != nil {
		return nil, err
	}
	if s.PDF == nil {
		return nil, fault.New(fault.CodeNotFound, "this relay does not make PDF or .p7s signatures (no time-stamping authority configured)")
	}
	b, ok := s.batchOfToken(c)
	if !ok {
		return nil, fault.New(model.CodeInvalidField, "the session is not a batch session (GET /v1/sessions/{token}/pdf serves one document)")
	}
	docs, err := s.awaitingBatch(ctx, b, c.MSPID+"/"+c.SignerID, false)
	if err != nil {
		return nil, err
	}
	signer := model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID}
	out := &api.BatchSignatures{Documents: []api.BatchSignatureDoc{}}
	for _, d := range docs {
		e := api.BatchSignatureDoc{DocumentID: d.view.ID, P7S: d.view.MediaType != model.PDFMediaType}
		if !e.P7S {
			e.PDF, err = s.prepareIncrement(ctx, d.view, signer, tok)
			var pe *pades.Error
			if errors.As(err, &pe) && (pe.Code == pades.CodeNotPDF || pe.Code == pades.CodeUnsupported) {
				continue // a file this relay cannot write into (as GET .../pdf says): the batch signature alone
			}
			if err != nil {
				return nil, err
			}
		}
		out.Documents = append(out.Documents, e)
	}
	return out, nil
}

// batchPDFs is what a batch-sign callback's payload binds of its documents'
// PDF signatures (nil without any): the tree the chaincode rebuilds from the
// request's items, computed here from the callback in its (batch) order.
func batchPDFs(docs []api.BatchDocSignature) (*payload.BatchPDFs, error) {
	items := make([]model.BatchItem, len(docs))
	for i, d := range docs {
		items[i].DocumentID = d.DocumentID
		if p := d.PDF; p != nil {
			items[i].PDF = &model.PDFRevision{Revision: p.Revision, PrevSHA256: p.PrevSHA256, Digest: p.Digest}
		}
	}
	pdfs, _, err := model.BatchPDFTree(items)
	if err != nil {
		return nil, fault.From(err)
	}
	return pdfs, nil
}

// signBatchDocs makes what a batch-sign callback signs beside the batch
// signature: each listed document's PDF revision (under its lock, taken in
// batch order, held until the caller's ledger write: the unlock returned) or
// .p7s, set on the matching item. The callback must list documents that
// await the signer, in batch order, each once, a PDF revision for a PDF and
// a .p7s for the others; a stale revision refuses the whole callback with
// REVISION_STALE (the client prepares all again). Nothing reaches the ledger
// before every document passed.
func (s *Service) signBatchDocs(ctx context.Context, claims token.Claims, req api.CallbackRequest, items []model.BatchItem,
	docs []awaiting) ([]api.BatchSigned, []newBlob, func(), error) {
	unlocks := []func(){}
	unlock := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	if len(req.Documents) == 0 {
		return nil, nil, unlock, nil
	}
	if s.PDF == nil {
		return nil, nil, unlock, fault.New(fault.CodeNotFound, "this relay does not make PDF or .p7s signatures (no time-stamping authority configured)")
	}
	signer := model.SignerSpec{ID: claims.SignerID, MSPID: claims.MSPID}
	var signed []api.BatchSigned
	var stored []newBlob // dropped by the caller if the ledger refuses the batch
	k := 0               // the next item a listed document may be
	for i, d := range req.Documents {
		for k < len(items) && items[k].DocumentID != d.DocumentID {
			k++
		}
		if k == len(items) {
			unlock()
			s.dropBlobs(ctx, stored...)
			return nil, nil, nil, fault.Newf(model.CodeInvalidField, "documents[%d]: %s is not a later document of batch %s that awaits %s now",
				i, clip(d.DocumentID), claims.DocID, signer.Key())
		}
		v := docs[k].view
		isPDF := v.MediaType == model.PDFMediaType
		out := api.BatchSigned{DocumentID: v.ID}
		var err error
		var nb newBlob
		switch {
		case (d.PDF == nil) == (d.P7S == nil):
			err = fault.Newf(model.CodeInvalidField, "documents[%d]: give pdf or p7s", i)
		case isPDF && d.PDF == nil:
			err = fault.Newf(model.CodeInvalidField, "documents[%d]: document %s is %s: its signature is a PDF revision (pdf)", i, v.ID, v.MediaType)
		case !isPDF && d.PDF != nil:
			err = fault.Newf(model.CodeInvalidField, "documents[%d]: document %s is %s: its signature is a .p7s (p7s)", i, v.ID, v.MediaType)
		case isPDF:
			unlocks = append(unlocks, s.PDF.lock(v.ID))
			if items[k].PDF, nb, err = s.makeRevision(ctx, v.ID, signer, d.PDF, req.CertChainPEM); err == nil {
				r := items[k].PDF
				out.Revision = &api.PDFRevisionResult{Revision: r.Revision, SHA256: r.SHA256,
					URL: fmt.Sprintf("%s/v1/documents/%s/signed.pdf?revision=%d", s.PublicURL, v.ID, r.Revision)}
			}
		default:
			if nb, err = s.p7sFor(ctx, v, req.CertChainPEM, *d.P7S); err == nil {
				items[k].P7S = &model.P7S{SHA256: nb.SHA256}
				out.P7S = &api.P7SResult{SHA256: nb.SHA256, URL: fmt.Sprintf("%s/v1/documents/%s/signatures/%d.p7s", s.PublicURL, v.ID,
					signerNumber(v, signer))}
			}
		}
		if err != nil {
			unlock()
			s.dropBlobs(ctx, stored...)
			return nil, nil, nil, err
		}
		stored = append(stored, nb)
		signed = append(signed, out)
		k++
	}
	return signed, stored, unlock, nil
}

// p7sFor makes the .p7s of document v (not a PDF) over its registered bytes.
func (s *Service) p7sFor(ctx context.Context, v *model.DocumentView, chainPEM string, ps api.P7SSignature) (newBlob, error) {
	content, err := s.revisionBytes(ctx, v.ID, v.SHA256)
	if err != nil {
		return newBlob{}, err
	}
	chain, err := parseChain(chainPEM)
	if err != nil {
		return newBlob{}, err
	}
	return s.makeP7S(ctx, content, chain, ps)
}
