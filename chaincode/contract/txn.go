package contract

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
)

// txn is one transaction: the stub, the deterministic clock (the transaction
// timestamp), the submitting identity, and the events it appends.
type txn struct {
	stub    shim.ChaincodeStubInterface
	id      string
	now     time.Time
	channel string
	msp     string
	subject string
	cert    *x509.Certificate
	role    string // the creator's Fabric CA attribute qrsign.role, if any
	events  []model.Event
	cas     map[string][]certchain.Anchor // per-transaction memo of orgCAs (batch and group signatures)
	crls    map[string]*model.CRLInfo     // per-transaction memo of latestCRL, nil when none
}

func begin(ctx contractapi.TransactionContextInterface) (*txn, error) {
	stub := ctx.GetStub()
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return nil, internal("transaction timestamp: %v", err)
	}
	t := &txn{stub: stub, id: stub.GetTxID(), now: ts.AsTime().UTC(), channel: stub.GetChannelID()}
	ci := ctx.GetClientIdentity()
	if ci == nil {
		return nil, model.Errorf(model.CodeForbidden, "the submitting identity is not an X.509 identity")
	}
	if t.msp, err = ci.GetMSPID(); err != nil {
		return nil, internal("creator MSP: %v", err)
	}
	if t.cert, err = ci.GetX509Certificate(); err != nil || t.cert == nil {
		return nil, model.Errorf(model.CodeForbidden, "the submitting identity is not an X.509 identity")
	}
	t.subject = t.cert.Subject.String()
	// A malformed attribute extension counts as no role (FORBIDDEN where one is needed).
	if v, ok, err := ci.GetAttributeValue(RoleAttribute); err == nil && ok {
		t.role = v
	}
	return t, nil
}

func internal(format string, args ...any) *model.Error {
	return model.Errorf(model.CodeInternal, format, args...)
}

// requireAdmin allows only an admin of the submitter's own MSP (NodeOU "admin").
func (t *txn) requireAdmin() error {
	if t.isAdmin() {
		return nil
	}
	return model.Errorf(model.CodeForbidden, "only an admin of %s may do this (certificate OU %v)",
		t.msp, t.cert.Subject.OrganizationalUnit)
}

// RoleAttribute is the Fabric CA attribute naming a client's role; RoleRelay
// is the value relays are enrolled with (--id.attrs qrsign.role=relay:ecert).
const (
	RoleAttribute = "qrsign.role"
	RoleRelay     = "relay"
)

// requireWriter allows document writes only to a relay identity or an org
// admin: a signer's proof is necessary but not sufficient, so a plain member
// cannot register documents or push signatures around the relay.
func (t *txn) requireWriter(action string) error {
	if t.role == RoleRelay || t.isAdmin() {
		return nil
	}
	return model.Errorf(model.CodeForbidden, "only a relay (attribute %s=%s) or an org admin may %s; the submitter of %s has neither",
		RoleAttribute, RoleRelay, action, t.msp)
}

// isAdmin: the creator certificate carries the OU "admin", exactly (Fabric
// NodeOUs compare the OU identifier byte for byte).
func (t *txn) isAdmin() bool {
	for _, ou := range t.cert.Subject.OrganizationalUnit {
		if ou == "admin" {
			return true
		}
	}
	return false
}

// checkClock refuses a document write whose transaction timestamp is before
// the document's last event. Fabric 2.5 peers do not bound a proposal's
// timestamp, so without it a client could back-date a signature (before an
// expiry, before a void) or make history run backwards.
func (t *txn) checkClock(doc *model.Document) error {
	last := doc.UpdatedAt
	if last.IsZero() || last.Before(doc.CreatedAt) { // projections written before updatedAt existed
		last = doc.CreatedAt
	}
	if t.now.Before(last) {
		return model.Errorf(model.CodeClockSkew, "transaction time %s is before document %s's last event at %s",
			t.now.Format(time.RFC3339Nano), doc.ID, last.Format(time.RFC3339Nano))
	}
	return nil
}

// event stamps a new event with the transaction's id, time and submitter.
func (t *txn) event(typ model.EventType, docID string, seq int) model.Event {
	return model.Event{Type: typ, DocumentID: docID, Seq: seq, TxID: t.id, Timestamp: t.now,
		CreatorMSP: t.msp, CreatorSubject: t.subject}
}

// getJSON reads key into v; found is false when the key is absent.
func (t *txn) getJSON(key string, v any) (found bool, err error) {
	b, err := t.stub.GetState(key)
	if err != nil {
		return false, internal("read %s: %v", key, err)
	}
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, internal("decode %s: %v", key, err)
	}
	return true, nil
}

func (t *txn) putJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return internal("encode %s: %v", key, err)
	}
	return t.put(key, b)
}

func (t *txn) put(key string, b []byte) error {
	if err := t.stub.PutState(key, b); err != nil {
		return internal("write %s: %v", key, err)
	}
	return nil
}

func (t *txn) del(key string) error {
	if err := t.stub.DelState(key); err != nil {
		return internal("delete %s: %v", key, err)
	}
	return nil
}

// scan returns the values under prefix in key order. It is an unpaginated
// range query, allowed in writing transactions (the peer re-checks it for
// phantoms at commit), used only for small groups (an org's CAs and CRLs).
func (t *txn) scan(prefix string, each func(key string, value []byte) error) error {
	it, err := t.stub.GetStateByRange(prefix, prefixEnd(prefix))
	if err != nil {
		return internal("range %s: %v", prefix, err)
	}
	defer it.Close()
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return internal("range %s: %v", prefix, err)
		}
		if err := each(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	return nil
}

// emit writes the transaction's events (one key each), the projection doc
// (if any) and the one chaincode event, and returns the WriteResult JSON.
func (t *txn) emit(doc *model.Document) (string, error) {
	if doc == nil {
		return t.emitDocs(nil, oneDocument)
	}
	return t.emitDocs([]*model.Document{doc}, oneDocument)
}

// resultShape is how emitDocs lays out the WriteResult it returns.
type resultShape int

const (
	oneDocument  resultShape = iota // events, and the projection (if any) in "document"
	documentList                    // events, and every projection in "documents" (batches)
	// documentsOnly is documentList without the events: a group's events
	// are already in its chaincode event and its ledger keys, and a third
	// copy in the result would be carried by both endorsements, the
	// transaction and every block reader for nothing (the relay answers a
	// grouped signature from its projection).
	documentsOnly
)

// emitDocs is emit for any number of projections, laid out as shape says.
// Each event is marshalled once and the bytes reused for its key, the
// chaincode event and the result.
func (t *txn) emitDocs(docs []*model.Document, shape resultShape) (string, error) {
	encoded := make([][]byte, len(t.events))
	size := 2
	for i, e := range t.events {
		b, err := json.Marshal(e)
		if err != nil {
			return "", internal("encode event: %v", err)
		}
		k := orgEventKey(e)
		if e.DocumentID != "" {
			k = eventKey(e.DocumentID, e.Seq)
		}
		if err := t.put(k, b); err != nil {
			return "", err
		}
		encoded[i] = b
		size += len(b) + 1
	}
	// Sized once: a group's events are tens of kilobytes.
	all := append(make([]byte, 0, size), '[')
	for i, b := range encoded {
		if i > 0 {
			all = append(all, ',')
		}
		all = append(all, b...)
	}
	all = append(all, ']')
	if err := t.stub.SetEvent(model.ChaincodeEventName, all); err != nil {
		return "", internal("set event: %v", err)
	}
	// The result is model.WriteResult's JSON, assembled from bytes already
	// encoded: the events, and the projections as stored plus the view fields.
	out := append(make([]byte, 0, 2*len(all)+1024*len(docs)), '{')
	if shape != documentsOnly {
		out = append(append(out, `"events":`...), all...)
	}
	switch shape {
	case documentList:
		out = append(out, `,"documents":[`...)
	case documentsOnly:
		out = append(out, `"documents":[`...)
	}
	for i, doc := range docs {
		docJSON, err := json.Marshal(doc)
		if err != nil {
			return "", internal("encode document: %v", err)
		}
		if err := t.put(docKey(doc.ID), docJSON); err != nil {
			return "", err
		}
		v := doc.View(t.now)
		extra, err := json.Marshal(struct {
			EffectiveStatus model.Status `json:"effectiveStatus"`
			AsOf            time.Time    `json:"asOf"`
		}{v.EffectiveStatus, v.AsOf})
		if err != nil {
			return "", internal("encode view: %v", err)
		}
		switch {
		case shape == oneDocument:
			out = append(out, `,"document":`...)
		case i > 0:
			out = append(out, ',')
		}
		out = append(out, docJSON[:len(docJSON)-1]...) // the projection without its closing brace
		out = append(out, ',')
		out = append(out, extra[1:]...) // the view fields and the closing brace
	}
	if shape != oneDocument {
		out = append(out, ']')
	}
	if err := t.indexTx(docs); err != nil {
		return "", err
	}
	return string(append(out, '}')), nil
}

// indexTx writes the transaction's lookup key: every projection written
// here got events from it. One key per transaction, not per document (a
// group or batch would pay a peer round trip, a state and a history entry
// per document), and no two transactions share it.
func (t *txn) indexTx(docs []*model.Document) error {
	if len(docs) == 0 {
		return nil
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return t.putJSON(txListKey(t.id), ids)
}

// txDocs is the ids of the documents transaction txID appended events to,
// sorted and each once, from either index form (txListKey, txKey).
func (t *txn) txDocs(txID string) ([]string, error) {
	var ids []string
	prefix := txPrefix(txID)
	err := t.scan(prefix, func(k string, v []byte) error {
		if k != txListKey(txID) {
			ids = append(ids, k[len(prefix):])
			return nil
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return internal("decode %s: %v", k, err)
		}
		ids = append(ids, list...)
		return nil
	})
	slices.Sort(ids)
	return slices.Compact(ids), err
}

func jsonResult(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", internal("encode result: %v", err)
	}
	return string(b), nil
}

// asError keeps *model.Error as is and makes anything else INTERNAL, so every
// error crossing the gateway reads "CODE: message".
func asError(err error) error {
	if err == nil {
		return nil
	}
	var me *model.Error
	if errors.As(err, &me) {
		return me
	}
	return internal("%v", err)
}

// beginWrite starts a writing transaction in the one order every write
// follows: the submitter may `action`, then the request decodes strictly (at
// most limit bytes) into req and passes its own shape checks.
func beginWrite(ctx contractapi.TransactionContextInterface, action, request string, limit int, req interface{ Validate() error }) (*txn, error) {
	t, err := begin(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.requireWriter(action); err != nil {
		return nil, err
	}
	if err := model.DecodeLimit([]byte(request), req, limit); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}
