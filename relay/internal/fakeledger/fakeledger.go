// Package fakeledger is an in-memory ledger.Ledger for tests of the relay's
// domain and HTTP layers. It mimics the chaincode's rules that the relay's
// behaviour depends on (nonce reuse, signer membership, routing order,
// closing) with the chaincode's error codes; it does not verify chains.
package fakeledger

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/ledger"
)

// Ledger is the fake.
type Ledger struct {
	mu      sync.Mutex
	MSPID   string // the submitter's MSP
	docs    map[string]*model.Document
	events  map[string][]model.Event
	nonces  map[string]model.NonceRecord
	blocks  map[string]uint64
	block   uint64
	tx      int
	Submits int // writing transactions attempted (endorsed)
	// Down makes every call fail as if the network were unreachable.
	Down bool
	// Delay is added to each write (to make concurrent duplicates overlap).
	Delay time.Duration
	Now   func() time.Time
	// Trust is what GetOrgTrust answers, by MSP id (no entry: no CAs).
	Trust map[string]*model.OrgTrust
	// Tampered makes VerifyRecord report a failing check (name → detail) for a document id.
	Tampered map[string]model.Check
	// FailRegisterAfter, when > 0, makes RegisterDocument fail as unavailable
	// once that many documents are registered (a network failure mid-batch).
	FailRegisterAfter int
	// NonceLag makes the next NonceLag GetNonce calls answer "unused", as a
	// peer that has not committed the latest block yet would.
	NonceLag int
}

// New returns an empty fake ledger.
func New() *Ledger {
	return &Ledger{MSPID: "Org1MSP", docs: map[string]*model.Document{}, events: map[string][]model.Event{},
		nonces: map[string]model.NonceRecord{}, blocks: map[string]uint64{}, block: 5, Now: time.Now}
}

func (l *Ledger) newTx() ledger.Tx {
	l.tx++
	l.block++
	id := fmt.Sprintf("%064x", l.tx)
	l.blocks[id] = l.block
	return ledger.Tx{TxID: id, BlockNumber: l.block, ValidationCode: "VALID"}
}

// Ping implements ledger.Ledger.
func (l *Ledger) Ping(ctx context.Context) error {
	if l.down() {
		return ledger.Unavailable("Ping", "", fmt.Errorf("fake: down"))
	}
	return nil
}

func (l *Ledger) down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Down
}

func (l *Ledger) view(d *model.Document) *model.DocumentView {
	cp := *d
	cp.Signers = append([]model.SignerState(nil), d.Signers...)
	v := &model.DocumentView{Document: cp, EffectiveStatus: d.Status, AsOf: l.Now().UTC()}
	if d.Status == model.StatusPending && !l.Now().Before(d.ExpiresAt) {
		v.EffectiveStatus = model.StatusExpired
	}
	return v
}

// RegisterDocument implements ledger.Ledger.
func (l *Ledger) RegisterDocument(ctx context.Context, req model.RegisterDocumentRequest) (*ledger.Written, error) {
	if l.down() {
		return nil, ledger.Unavailable("RegisterDocument", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.FailRegisterAfter > 0 && len(l.docs) >= l.FailRegisterAfter {
		return nil, ledger.Unavailable("RegisterDocument", "", fmt.Errorf("fake: failing after %d", l.FailRegisterAfter))
	}
	l.Submits++
	if err := req.Validate(l.Now()); err != nil {
		me := err.(*model.Error)
		return nil, ledger.Rejected("RegisterDocument", "", me.Code, me.Message)
	}
	if _, ok := l.docs[req.ID]; ok {
		return nil, ledger.Rejected("RegisterDocument", "", model.CodeDocumentExists, "document "+req.ID+" exists")
	}
	tx := l.newTx()
	d := &model.Document{ID: req.ID, SHA256: req.SHA256, Size: req.Size, MediaType: req.MediaType, Title: req.Title,
		DocType: req.DocType, Owner: req.Owner, OwnerMSP: l.MSPID, Priority: req.Priority, ExpiresAt: req.ExpiresAt,
		CreatedAt: l.Now().UTC(), CreatedTxID: tx.TxID, Status: model.StatusPending, Tags: []string{},
		BatchID: req.BatchID, BatchOrder: req.BatchOrder}
	for _, s := range req.Signers {
		d.Signers = append(d.Signers, model.SignerState{SignerSpec: s, Status: model.SignerPending})
	}
	d.CurrentOrder = l.minPending(d)
	ev := model.Event{Type: model.EventDocumentRegistered, DocumentID: d.ID, TxID: tx.TxID, Timestamp: l.Now().UTC(),
		CreatorMSP: l.MSPID, CreatorSubject: "CN=relay", Registered: &model.DocumentRegistered{RegisterDocumentRequest: req, OwnerMSP: l.MSPID}}
	l.append(d, ev)
	l.docs[d.ID] = d
	return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: []model.Event{ev}, Document: l.view(d)}}, nil
}

func (l *Ledger) append(d *model.Document, ev model.Event) {
	ev.Seq = len(l.events[d.ID])
	l.events[d.ID] = append(l.events[d.ID], ev)
	d.EventCount = len(l.events[d.ID])
}

func (l *Ledger) minPending(d *model.Document) int {
	min := 0
	for _, s := range d.Signers {
		if s.Status == model.SignerPending && (min == 0 || s.RoutingOrder < min) {
			min = s.RoutingOrder
		}
	}
	return min
}

// RecordSignature implements ledger.Ledger.
func (l *Ledger) RecordSignature(ctx context.Context, req model.SignatureRequest) (*ledger.Written, error) {
	return l.sign(ctx, "RecordSignature", req, model.EventSignatureRecorded)
}

// RecordRevision implements ledger.Ledger with the chaincode's checks
// (not the submitter's org): a retry of the latest revision writes nothing.
func (l *Ledger) RecordRevision(ctx context.Context, req model.RevisionRequest) (*ledger.Written, error) {
	if l.down() {
		return nil, ledger.Unavailable("RecordRevision", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Submits++
	rej := func(err error) (*ledger.Written, error) {
		me := err.(*model.Error)
		return nil, ledger.Rejected("RecordRevision", "", me.Code, me.Message)
	}
	if err := req.Validate(); err != nil {
		return rej(err)
	}
	d, ok := l.docs[req.DocumentID]
	if !ok {
		return rej(model.Errorf(model.CodeDocumentNotFound, "document %s not found", req.DocumentID))
	}
	tx := l.newTx()
	if req.Revision == d.Revisions && req.SHA256 == d.LatestSHA256() {
		return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: []model.Event{}, Document: l.view(d)}}, nil
	}
	if d.Status != model.StatusCompleted {
		return rej(model.Errorf(model.CodeOutOfTurn, "document %s is %s", d.ID, d.Status))
	}
	r := req.PDFRevision()
	if err := d.CheckNextRevision(r); err != nil {
		return rej(err)
	}
	ev := model.Event{Type: model.EventRevisionRecorded, DocumentID: d.ID, TxID: tx.TxID, Timestamp: l.Now().UTC(),
		CreatorMSP: l.MSPID, CreatorSubject: "CN=relay", Revision: r}
	l.append(d, ev)
	d.Revisions, d.RevisionSHA256 = r.Revision, r.SHA256
	return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: []model.Event{ev}, Document: l.view(d)}}, nil
}

// DeclineSignature implements ledger.Ledger.
func (l *Ledger) DeclineSignature(ctx context.Context, req model.SignatureRequest) (*ledger.Written, error) {
	return l.sign(ctx, "DeclineSignature", req, model.EventSignatureDeclined)
}

func (l *Ledger) sign(ctx context.Context, op string, req model.SignatureRequest, typ model.EventType) (*ledger.Written, error) {
	return l.signIn(ctx, op, req, typ, nil)
}

// signIn is sign within tx (nil: a transaction of its own), so that a batch's
// documents share one transaction as they do on the ledger.
func (l *Ledger) signIn(ctx context.Context, op string, req model.SignatureRequest, typ model.EventType, in *ledger.Tx) (*ledger.Written, error) {
	if l.down() {
		return nil, ledger.Unavailable(op, "", fmt.Errorf("fake: down"))
	}
	if l.Delay > 0 {
		time.Sleep(l.Delay)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Submits++
	rej := func(c model.Code, f string, a ...any) (*ledger.Written, error) {
		return nil, ledger.Rejected(op, "", c, fmt.Sprintf(f, a...))
	}
	if err := req.Validate(); err != nil {
		me := err.(*model.Error)
		return rej(me.Code, "%s", me.Message)
	}
	d, ok := l.docs[req.DocumentID]
	if !ok {
		return rej(model.CodeDocumentNotFound, "no document %s", req.DocumentID)
	}
	if d.Status != model.StatusPending {
		return rej(model.CodeDocumentClosed, "document %s is %s", d.ID, d.Status)
	}
	if !l.Now().Before(d.ExpiresAt) {
		return rej(model.CodeDocumentExpired, "document %s expired", d.ID)
	}
	if _, used := l.nonces[req.Nonce]; used {
		return rej(model.CodeNonceReused, "nonce %s was used", req.Nonce)
	}
	idx, cert, me := signerOf(d, req.CertChainPEM, req.MSPID)
	if me != nil {
		return rej(me.Code, "%s", me.Message)
	}
	s := &d.Signers[idx]
	if s.Status != model.SignerPending {
		return rej(model.CodeAlreadySigned, "%s already %s", s.Key(), s.Status)
	}
	if typ == model.EventSignatureRecorded && s.RoutingOrder != d.CurrentOrder { // a decline may come before its turn, as in the chaincode
		return rej(model.CodeOutOfTurn, "routing order %d has not finished", d.CurrentOrder)
	}
	if req.PDF != nil {
		if err := d.CheckNextRevision(req.PDF); err != nil {
			return rej(err.(*model.Error).Code, "%s", err.(*model.Error).Message)
		}
		d.Revisions, d.RevisionSHA256 = req.PDF.Revision, req.PDF.SHA256
	}
	if req.P7S != nil {
		if err := d.CheckP7S(); err != nil {
			return rej(err.(*model.Error).Code, "%s", err.(*model.Error).Message)
		}
	}
	var tx ledger.Tx
	if in != nil {
		tx = *in
	} else {
		tx = l.newTx()
	}
	now := l.Now().UTC()
	ev := model.Event{Type: typ, DocumentID: d.ID, TxID: tx.TxID, Timestamp: now, CreatorMSP: l.MSPID, CreatorSubject: "CN=relay",
		Signature: &model.SignatureEvidence{Signer: s.SignerSpec, Nonce: req.Nonce, Algorithm: req.Algorithm, Signature: req.Signature,
			CertChainPEM: req.CertChainPEM, CertFingerprint: payload.Fingerprint(cert.Raw), CertSubject: cert.Subject.String(),
			Reason: req.Reason, PDF: req.PDF, P7S: req.P7S}}
	l.append(d, ev)
	evs := []model.Event{ev}
	if typ == model.EventSignatureRecorded {
		s.Status = model.SignerSigned
	} else {
		s.Status = model.SignerDeclined
		d.Status = model.StatusDeclined
	}
	s.At, s.TxID = &now, tx.TxID
	d.CurrentOrder = l.minPending(d)
	if d.Status == model.StatusPending && d.CurrentOrder == 0 {
		d.Status = model.StatusCompleted
		done := model.Event{Type: model.EventDocumentCompleted, DocumentID: d.ID, TxID: tx.TxID, Timestamp: now,
			CreatorMSP: l.MSPID, CreatorSubject: "CN=relay", Completed: &model.Completed{Signatures: len(d.Signers)}}
		l.append(d, done)
		evs = append(evs, done)
	}
	if d.Status != model.StatusPending {
		d.CurrentOrder = 0
		d.ClosedAt, d.ClosedTxID = &now, tx.TxID
	}
	l.nonces[req.Nonce] = model.NonceRecord{Nonce: req.Nonce, Used: true, TxID: tx.TxID, DocumentID: d.ID, EventType: typ, Timestamp: &now}
	return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: evs, Document: l.view(d)}}, nil
}

// GetDocument implements ledger.Ledger.
func (l *Ledger) GetDocument(ctx context.Context, id string) (*model.DocumentView, error) {
	if l.down() {
		return nil, ledger.Unavailable("GetDocument", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.docs[id]
	if !ok {
		return nil, ledger.Rejected("GetDocument", "", model.CodeDocumentNotFound, "no document "+id)
	}
	return l.view(d), nil
}

// GetHistory implements ledger.Ledger.
func (l *Ledger) GetHistory(ctx context.Context, id string) (*model.History, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.docs[id]; !ok {
		return nil, ledger.Rejected("GetHistory", "", model.CodeDocumentNotFound, "no document "+id)
	}
	return &model.History{DocumentID: id, Events: append([]model.Event(nil), l.events[id]...)}, nil
}

// GetNonce implements ledger.Ledger.
func (l *Ledger) GetNonce(ctx context.Context, nonce string) (*model.NonceRecord, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.NonceLag > 0 {
		l.NonceLag--
		return &model.NonceRecord{Nonce: nonce}, nil
	}
	if r, ok := l.nonces[nonce]; ok {
		return &r, nil
	}
	return &model.NonceRecord{Nonce: nonce}, nil
}

// BlockOfTx implements ledger.Ledger.
func (l *Ledger) BlockOfTx(ctx context.Context, txID string) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.blocks[txID]
	if !ok {
		return 0, ledger.Rejected("GetBlockByTxID", "", model.CodeInternal, "no tx "+txID)
	}
	return b, nil
}

// EventCount is how many events a document has.
func (l *Ledger) EventCount(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events[id])
}

// GetOrgTrust implements ledger.Ledger.
func (l *Ledger) GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	if l.down() {
		return nil, ledger.Unavailable("GetOrgTrust", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if t, ok := l.Trust[mspID]; ok {
		cp := *t
		return &cp, nil
	}
	return &model.OrgTrust{MSPID: mspID, CAs: []model.SignerCA{}, CRLs: []model.CRLInfo{}}, nil
}

// Annotate implements ledger.Ledger: a signer of the document (by CN and
// mspId) adds tags and a note; the nonce is consumed.
func (l *Ledger) Annotate(ctx context.Context, req model.AnnotateRequest) (*ledger.Written, error) {
	if l.down() {
		return nil, ledger.Unavailable("Annotate", "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Submits++
	rej := func(c model.Code, f string, a ...any) (*ledger.Written, error) {
		return nil, ledger.Rejected("Annotate", "", c, fmt.Sprintf(f, a...))
	}
	if err := req.Validate(); err != nil {
		me := err.(*model.Error)
		return rej(me.Code, "%s", me.Message)
	}
	d, ok := l.docs[req.DocumentID]
	if !ok {
		return rej(model.CodeDocumentNotFound, "no document %s", req.DocumentID)
	}
	if _, used := l.nonces[req.Nonce]; used {
		return rej(model.CodeNonceReused, "nonce %s was used", req.Nonce)
	}
	if _, _, me := signerOf(d, req.CertChainPEM, req.MSPID); me != nil {
		return rej(me.Code, "%s", me.Message)
	}
	tx := l.newTx()
	now := l.Now().UTC()
	ev := model.Event{Type: model.EventAnnotated, DocumentID: d.ID, TxID: tx.TxID, Timestamp: now, CreatorMSP: l.MSPID,
		CreatorSubject: "CN=relay", Annotation: &model.Annotation{Tags: req.Tags, Note: req.Note}}
	l.append(d, ev)
	set := map[string]bool{}
	for _, t := range append(d.Tags, req.Tags...) {
		set[t] = true
	}
	d.Tags = d.Tags[:0:0]
	for t := range set {
		d.Tags = append(d.Tags, t)
	}
	sort.Strings(d.Tags)
	l.nonces[req.Nonce] = model.NonceRecord{Nonce: req.Nonce, Used: true, TxID: tx.TxID, DocumentID: d.ID, EventType: model.EventAnnotated, Timestamp: &now}
	return &ledger.Written{Tx: tx, Result: model.WriteResult{Events: []model.Event{ev}, Document: l.view(d)}}, nil
}

// List implements ledger.Ledger with the chaincode's orders (pending:
// priority desc, routing order, oldest; others oldest first); the bookmark
// is the offset of the next record.
func (l *Ledger) List(ctx context.Context, fn ledger.ListFunc, q model.ListQuery) (*model.Page, error) {
	if l.down() {
		return nil, ledger.Unavailable(string(fn), "", fmt.Errorf("fake: down"))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	type hit struct {
		v     *model.DocumentView
		order int
	}
	var hits []hit
	for _, d := range l.docs {
		v := l.view(d)
		order, ok := 0, false
		switch fn {
		case ledger.ListBySigner, ledger.ListPending:
			for _, s := range d.Signers {
				if s.MSPID == q.MSPID && s.ID == q.SignerID {
					ok, order = fn == ledger.ListBySigner || s.Status == model.SignerPending, s.RoutingOrder
				}
			}
			if fn == ledger.ListPending && q.Status == "" && v.EffectiveStatus != model.StatusPending {
				ok = false
			}
		case ledger.ListByOwner:
			ok = d.Owner == q.Owner && d.OwnerMSP == q.MSPID
		case ledger.ListByTag:
			for _, t := range d.Tags {
				ok = ok || t == q.Tag
			}
		case ledger.ListByHash: // the registered file or any recorded PDF revision, as the chaincode indexes them
			ok = d.SHA256 == q.SHA256
			for _, e := range l.events[d.ID] {
				ok = ok || e.PDFRevision() != nil && e.PDFRevision().SHA256 == q.SHA256
			}
		default:
			return nil, ledger.Rejected(string(fn), "", model.CodeBadRequest, "unknown query")
		}
		switch {
		case q.Status != "" && v.EffectiveStatus != q.Status,
			q.DocType != "" && d.DocType != q.DocType,
			q.Tag != "" && fn != ledger.ListByTag && !contains(d.Tags, q.Tag),
			q.From != nil && d.CreatedAt.Before(*q.From),
			q.To != nil && !d.CreatedAt.Before(*q.To):
			ok = false
		}
		if ok {
			hits = append(hits, hit{v, order})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if fn == ledger.ListPending && a.v.Priority != b.v.Priority {
			return a.v.Priority > b.v.Priority
		}
		if fn == ledger.ListPending && a.order != b.order {
			return a.order < b.order
		}
		if !a.v.CreatedAt.Equal(b.v.CreatedAt) {
			return a.v.CreatedAt.Before(b.v.CreatedAt)
		}
		return a.v.ID < b.v.ID
	})
	off := 0
	if q.Bookmark != "" {
		n, err := strconv.Atoi(q.Bookmark)
		if err != nil || n < 0 {
			return nil, ledger.Rejected(string(fn), "", model.CodeInvalidField, "bad bookmark")
		}
		off = n
	}
	size := q.PageSize
	if size <= 0 {
		size = 100
	}
	p := &model.Page{Records: []model.DocumentView{}}
	for i := off; i < len(hits) && len(p.Records) < size; i++ {
		p.Records = append(p.Records, *hits[i].v)
	}
	if off+size < len(hits) {
		p.Bookmark = strconv.Itoa(off + size)
	}
	return p, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// RecordBatchSignature implements ledger.Ledger: it checks the nonce and
// every item's Merkle proof against the signed root and size, then records
// each document's signature in one transaction (not atomically: a document
// refused after others leaves them signed, which the chaincode never does).
func (l *Ledger) RecordBatchSignature(ctx context.Context, req model.BatchSignatureRequest) (*ledger.Written, error) {
	return l.recordBatch(ctx, "RecordBatchSignature", req, model.EventSignatureRecorded)
}

// RecordBatchDecline implements ledger.Ledger as RecordBatchSignature does,
// declining each listed document with the request's reason.
func (l *Ledger) RecordBatchDecline(ctx context.Context, req model.BatchSignatureRequest) (*ledger.Written, error) {
	return l.recordBatch(ctx, "RecordBatchDecline", req, model.EventSignatureDeclined)
}

func (l *Ledger) recordBatch(ctx context.Context, op string, req model.BatchSignatureRequest, typ model.EventType) (*ledger.Written, error) {
	if l.down() {
		return nil, ledger.Unavailable(op, "", fmt.Errorf("fake: down"))
	}
	rej := func(c model.Code, f string, a ...any) (*ledger.Written, error) {
		return nil, ledger.Rejected(op, "", c, fmt.Sprintf(f, a...))
	}
	if typ == model.EventSignatureRecorded && req.Reason != "" {
		return rej(model.CodeInvalidField, "reason is bound only for RecordBatchDecline")
	}
	if err := req.Validate(); err != nil {
		me := err.(*model.Error)
		return rej(me.Code, "%s", me.Message)
	}
	batch, err := merkle.ParseBatch(req.Root, req.Size)
	if err != nil {
		return rej(model.CodeInvalidField, "%v", err)
	}
	l.mu.Lock()
	if _, used := l.nonces[req.Nonce]; used {
		l.mu.Unlock()
		return rej(model.CodeNonceReused, "nonce %s was used", req.Nonce)
	}
	for i, it := range req.Items {
		d, ok := l.docs[it.DocumentID]
		if !ok {
			l.mu.Unlock()
			return rej(model.CodeDocumentNotFound, "no document %s", it.DocumentID)
		}
		if d.BatchID != req.BatchID || it.Proof.Index != d.BatchOrder {
			l.mu.Unlock()
			return rej(model.CodeInvalidField, "items[%d]: not at its batch position", i)
		}
		var h [32]byte
		hb, _ := hex.DecodeString(d.SHA256)
		copy(h[:], hb)
		if err := batch.Verify(h, it.Proof); err != nil {
			l.mu.Unlock()
			return rej(model.CodeBadSignature, "items[%d]: %v", i, err)
		}
		if it.PDF != nil { // before any write, as the chaincode's one transaction
			if err := d.CheckNextRevision(it.PDF); err != nil {
				l.mu.Unlock()
				return rej(err.(*model.Error).Code, "%s", err.(*model.Error).Message)
			}
		}
	}
	tx := l.newTx()
	l.mu.Unlock()
	out := &ledger.Written{}
	for i, it := range req.Items {
		sub := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", req.Nonce, i)))
		w, err := l.signIn(ctx, op, model.SignatureRequest{DocumentID: it.DocumentID, MSPID: req.MSPID, Nonce: hex.EncodeToString(sub[:16]),
			CertChainPEM: req.CertChainPEM, Signature: req.Signature, Algorithm: req.Algorithm, Reason: req.Reason, PDF: it.PDF, P7S: it.P7S}, typ, &tx)
		if err != nil {
			return nil, err
		}
		out.Tx = w.Tx
		out.Result.Events = append(out.Result.Events, w.Result.Events...)
	}
	l.mu.Lock()
	now := l.Now().UTC()
	l.nonces[req.Nonce] = model.NonceRecord{Nonce: req.Nonce, Used: true, TxID: out.TxID, BatchID: req.BatchID, // as the chaincode: no documentId
		EventType: typ, Timestamp: &now}
	l.mu.Unlock()
	return out, nil
}

var _ ledger.Ledger = (*Ledger)(nil)

// signerOf finds the signer of d named by the chain's leaf certificate (its
// CN, and mspID when given), as the chaincode does minus the chain checks.
func signerOf(d *model.Document, chainPEM, mspID string) (int, *x509.Certificate, *model.Error) {
	blk, _ := pem.Decode([]byte(chainPEM))
	if blk == nil {
		return -1, nil, model.Errorf(model.CodeBadCertificate, "no PEM certificate")
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return -1, nil, model.Errorf(model.CodeBadCertificate, "certificate does not parse")
	}
	idx := -1
	for i, s := range d.Signers {
		if s.ID == cert.Subject.CommonName && (mspID == "" || mspID == s.MSPID) {
			idx = i
		}
	}
	if idx < 0 {
		return -1, nil, model.Errorf(model.CodeNotASigner, "%s is not a signer of %s", cert.Subject.CommonName, d.ID)
	}
	return idx, cert, nil
}
