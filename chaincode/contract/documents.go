package contract

import (
	"encoding/json"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// RegisterDocument records a document's hash, metadata and signers. The
// owner's org is the submitter's MSP.
func (c *Contract) RegisterDocument(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := registerDocument(ctx, request)
	return out, asError(err)
}

func registerDocument(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	t, err := begin(ctx)
	if err != nil {
		return "", err
	}
	if err := t.requireWriter("register documents"); err != nil {
		return "", err
	}
	var req model.RegisterDocumentRequest
	if err := model.Decode([]byte(request), &req); err != nil {
		return "", err
	}
	if err := req.Validate(t.now); err != nil {
		return "", err
	}
	req.ExpiresAt = req.ExpiresAt.UTC()
	b, err := t.stub.GetState(docKey(req.ID))
	if err != nil {
		return "", internal("read document: %v", err)
	}
	if b != nil {
		return "", model.Errorf(model.CodeDocumentExists, "document %s already exists", req.ID)
	}
	e := t.event(model.EventDocumentRegistered, req.ID, 0)
	e.Registered = &model.DocumentRegistered{RegisterDocumentRequest: req, OwnerMSP: t.msp}
	doc := &model.Document{}
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	if doc.BatchID != "" { // one document per batch position, read before any write
		prefix := batchSlotPrefix(doc)
		if err := t.scan(prefix, func(k string, _ []byte) error {
			return model.Errorf(model.CodeInvalidField, "batch %s position %d is taken by document %s", doc.BatchID, doc.BatchOrder, k[len(prefix):])
		}); err != nil {
			return "", err
		}
	}
	// Index keys: one per (signer, document), so signatures on different
	// documents never share a key.
	for _, s := range doc.Signers {
		if err := t.put(signerKey(doc, s.SignerSpec), indexValue); err != nil {
			return "", err
		}
		if err := t.put(pendingKey(doc, s.SignerSpec), indexValue); err != nil {
			return "", err
		}
	}
	if err := t.put(ownerKey(doc), indexValue); err != nil {
		return "", err
	}
	if err := t.put(hashKey(doc), indexValue); err != nil {
		return "", err
	}
	if doc.BatchID != "" {
		if err := t.put(batchKey(doc), indexValue); err != nil {
			return "", err
		}
	}
	return t.finish(doc)
}

// VoidDocument closes a pending document. Only the owner's org may.
func (c *Contract) VoidDocument(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := voidDocument(ctx, request)
	return out, asError(err)
}

func voidDocument(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.VoidRequest
	t, err := beginWrite(ctx, "void documents", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	doc, err := t.loadDoc(req.DocumentID)
	if err != nil {
		return "", err
	}
	if err := t.checkClock(doc); err != nil {
		return "", err
	}
	if t.msp != doc.OwnerMSP {
		return "", model.Errorf(model.CodeForbidden, "only the owner's org %s may void document %s", doc.OwnerMSP, doc.ID)
	}
	if doc.Status != model.StatusPending {
		return "", model.Errorf(model.CodeDocumentClosed, "document %s is %s", doc.ID, doc.Status)
	}
	pending := pendingSigners(doc)
	e := t.event(model.EventDocumentVoided, doc.ID, doc.EventCount)
	e.Voided = &model.Voided{Reason: req.Reason}
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	if err := t.dropPending(doc, pending); err != nil {
		return "", err
	}
	return t.finish(doc)
}

// apply folds e into doc and queues it for writing; the projection the
// chaincode stores is, by construction, the fold of the stored events.
func (t *txn) apply(doc *model.Document, e model.Event) error {
	if err := doc.Apply(e); err != nil {
		return internal("%v", err)
	}
	t.events = append(t.events, e)
	return nil
}

// finish writes the projection, the events and the chaincode event.
func (t *txn) finish(doc *model.Document) (string, error) { return t.emit(doc) }

func pendingSigners(doc *model.Document) []model.SignerSpec {
	var out []model.SignerSpec
	for _, s := range doc.Signers {
		if s.Status == model.SignerPending {
			out = append(out, s.SignerSpec)
		}
	}
	return out
}

// dropPending deletes the pending-index keys of signers who no longer owe
// anything on doc.
func (t *txn) dropPending(doc *model.Document, signers []model.SignerSpec) error {
	for _, s := range signers {
		if err := t.del(pendingKey(doc, s)); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) loadDoc(id string) (*model.Document, error) {
	var doc model.Document
	found, err := t.getJSON(docKey(id), &doc)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, model.Errorf(model.CodeDocumentNotFound, "document %s not found", id)
	}
	return &doc, nil
}

// GetDocument returns a document's projection as of the query's timestamp.
func (c *Contract) GetDocument(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	out, err := getDocument(ctx, id)
	return out, asError(err)
}

func getDocument(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if !model.ValidID(id) {
		return "", model.Errorf(model.CodeInvalidField, "document id %q is not valid", clip(id))
	}
	doc, err := t.loadDoc(id)
	if err != nil {
		return "", err
	}
	return jsonResult(doc.View(t.now))
}

// GetHistory returns a document's events in order.
func (c *Contract) GetHistory(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	out, err := getHistory(ctx, id)
	return out, asError(err)
}

func getHistory(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if !model.ValidID(id) {
		return "", model.Errorf(model.CodeInvalidField, "document id %q is not valid", clip(id))
	}
	events, err := t.history(id)
	if err != nil {
		return "", err
	}
	return jsonResult(model.History{DocumentID: id, Events: events})
}

func (t *txn) history(id string) ([]model.Event, error) {
	events := []model.Event{}
	err := t.scan(eventPrefix(id), func(k string, v []byte) error {
		var e model.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return internal("decode %s: %v", k, err)
		}
		events = append(events, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, model.Errorf(model.CodeDocumentNotFound, "document %s not found", id)
	}
	return events, nil
}

// beginQuery is begin for evaluate-only transactions: the clock and channel,
// without requiring an X.509 submitter.
func beginQuery(ctx contractapi.TransactionContextInterface) (*txn, error) {
	stub := ctx.GetStub()
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, internal("transaction timestamp: %v", err)
	}
	return &txn{stub: stub, id: stub.GetTxID(), now: ts.AsTime().UTC(), channel: stub.GetChannelID()}, nil
}
