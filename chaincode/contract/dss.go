package contract

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// RecordRevision records a PDF revision that is not a signature: the DSS
// increment (PAdES B-LT: the chains and CRLs a validator needs later) a
// relay appends once a PDF document is completed. Only a relay (or admin)
// of an org the document involves (its owner's or a signer's) may; the
// revision must be the one after the latest recorded (REVISION_STALE
// otherwise). A retry of the revision already recorded last writes nothing
// and answers the document as it is.
func (c *Contract) RecordRevision(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordRevision(ctx, request)
	return out, asError(err)
}

func recordRevision(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.RevisionRequest
	t, err := beginWrite(ctx, "record PDF revisions", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	doc, err := t.loadDoc(req.DocumentID)
	if err != nil {
		return "", err
	}
	if !involves(doc, t.msp) {
		return "", model.Errorf(model.CodeForbidden, "%s is neither the owner's org nor a signer's org of document %s", t.msp, doc.ID)
	}
	if err := t.checkClock(doc); err != nil {
		return "", err
	}
	if doc.MediaType != model.PDFMediaType {
		return "", model.Errorf(model.CodeInvalidField, "document %s is %s, not %s: it has no PDF revisions", doc.ID, doc.MediaType, model.PDFMediaType)
	}
	if doc.Status == model.StatusCompleted && req.Revision == doc.Revisions && req.SHA256 == doc.LatestSHA256() && t.lastIsDSS(doc, req.PDFRevision()) {
		v := doc.View(t.now)
		return jsonResult(model.WriteResult{Events: []model.Event{}, Document: &v})
	}
	switch doc.Status {
	case model.StatusCompleted:
	case model.StatusPending:
		return "", model.Errorf(model.CodeOutOfTurn, "document %s is %s: a %s revision follows the last signature", doc.ID, doc.Status, req.Kind)
	default:
		return "", model.Errorf(model.CodeDocumentClosed, "document %s is %s: only a completed document gets a %s revision", doc.ID, doc.Status, req.Kind)
	}
	r := req.PDFRevision()
	if err := doc.CheckNextRevision(r); err != nil {
		return "", err
	}
	e := t.event(model.EventRevisionRecorded, doc.ID, doc.EventCount)
	e.Revision = r
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	if err := t.indexRevision(doc, r); err != nil {
		return "", err
	}
	return t.finish(doc)
}

// involves: msp owns doc or one of its signers belongs to msp.
func involves(doc *model.Document, msp string) bool {
	if doc.OwnerMSP == msp {
		return true
	}
	for _, s := range doc.Signers {
		if s.MSPID == msp {
			return true
		}
	}
	return false
}

// lastIsDSS: the document's last event recorded exactly revision r.
func (t *txn) lastIsDSS(doc *model.Document, r *model.PDFRevision) bool {
	var e model.Event
	found, err := t.getJSON(eventKey(doc.ID, doc.EventCount-1), &e)
	return err == nil && found && e.Type == model.EventRevisionRecorded && e.Revision != nil && *e.Revision == *r
}
