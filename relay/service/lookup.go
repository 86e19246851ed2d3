package service

import (
	"context"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// MaxLookupMatches bounds the documents one public lookup answers with: each
// costs a VerifyRecord evaluation and block look-ups, and the endpoint needs
// no key. A hash lookup continues with its cursor; a transaction that wrote
// more documents (a batch signature) says so in More.
const MaxLookupMatches = 20

// LookupParams are the query parameters of GET /v1/verify: exactly one of
// SHA256, TxID, DocumentID; Cursor continues a hash lookup.
type LookupParams struct {
	SHA256, TxID, DocumentID, Cursor string
}

// Lookup is the answer of a public lookup: every matching document with its
// ledger position and the chaincode's re-verification of its record.
type Lookup struct {
	By         string        `json:"by"` // sha256, txId or doc
	Value      string        `json:"value"`
	Channel    string        `json:"channel"`
	Matches    []LookupMatch `json:"matches"`
	More       bool          `json:"more"`                 // more documents match than are listed
	NextCursor string        `json:"nextCursor,omitempty"` // hash lookups: continue with ?cursor=
	// View is "full" when every match carries its titles, owners, tags and
	// signer identities (an API key with documents:read), else "public"
	// (see Redact; a session token shows its own document in full).
	View string `json:"view"`
	// LedgerCalls counts the evaluations and block look-ups this lookup made:
	// the HTTP layer charges the rate limit for them.
	LedgerCalls int `json:"-"`
}

// LookupMatch is one document found, as a verifier needs it.
// Fields marked omitzero are absent from the public view (see Redact).
type LookupMatch struct {
	View         string         `json:"view"` // "full" or "public"
	DocumentID   string         `json:"documentId,omitzero"`
	Title        string         `json:"title,omitzero"`
	SHA256       string         `json:"sha256"`
	Size         int64          `json:"size"`
	MediaType    string         `json:"mediaType"`
	DocType      string         `json:"docType,omitzero"`
	OwnerMSP     string         `json:"ownerMsp,omitzero"`
	Status       model.Status   `json:"status"` // effective status at asOf
	ExpiresAt    time.Time      `json:"expiresAt"`
	Registration LedgerPosition `json:"registration"`
	// Closed is where the document was completed, declined or voided.
	Closed *LedgerPosition `json:"closed,omitempty"`
	// Signatures counts the signers by status: what a public verifier may know.
	Signatures SignatureCounts `json:"signatures"`
	// Signers in routing order; in the public view with id and mspId as the
	// SignerDisclosure allows.
	Signers []LookupSigner `json:"signers"`
	Tags    []string       `json:"tags,omitzero"`
	// TxEvents are, for a txId lookup, the events that transaction appended to this document.
	TxEvents     []LookupEvent       `json:"txEvents,omitempty"`
	Verified     bool                `json:"verified"` // verification.ok
	Verification *model.VerifyReport `json:"verification"`
}

// LedgerPosition is a committed transaction: its id, time and block.
type LedgerPosition struct {
	TxID        string    `json:"txId"`
	At          time.Time `json:"at"`
	BlockNumber uint64    `json:"blockNumber"`
}

// LookupSigner is one signer and, once they acted, where that was recorded.
type LookupSigner struct {
	ID           string             `json:"id,omitzero"`
	MSPID        string             `json:"mspId,omitzero"`
	RoutingOrder int                `json:"routingOrder"`
	Status       model.SignerStatus `json:"status"`
	At           *time.Time         `json:"at,omitempty"`
	TxID         string             `json:"txId,omitempty"`
	BlockNumber  *uint64            `json:"blockNumber,omitempty"`
}

// LookupEvent is one event of the looked-up transaction.
type LookupEvent struct {
	Seq       int             `json:"seq"`
	Type      model.EventType `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Signer    string          `json:"signer,omitempty"` // mspId/id for signatures, declines and annotations
}

// Lookup answers GET /v1/verify. Input is checked here (400 INVALID_FIELD) so
// malformed values cost no evaluation; nothing matching is 404
// DOCUMENT_NOT_FOUND.
func (s *Service) Lookup(ctx context.Context, p LookupParams) (*Lookup, error) {
	given := 0
	for _, v := range []string{p.SHA256, p.TxID, p.DocumentID} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return nil, fault.New(model.CodeInvalidField, "give exactly one of sha256, txId or doc")
	}
	if p.Cursor != "" && p.SHA256 == "" {
		return nil, fault.New(model.CodeInvalidField, "cursor continues only a sha256 lookup")
	}
	if len(p.Cursor) > 512 {
		return nil, fault.New(model.CodeInvalidField, "cursor is too long")
	}
	out := &Lookup{Channel: s.Channel, Matches: []LookupMatch{}, View: ViewFull, LedgerCalls: 1}
	var docs []model.DocumentView
	txID := ""
	switch {
	case p.SHA256 != "":
		h := strings.ToLower(p.SHA256)
		if !model.ValidSHA256(h) {
			return nil, fault.Newf(model.CodeInvalidField, "sha256 must be 64 hex characters, not %q", clip(p.SHA256))
		}
		out.By, out.Value = "sha256", h
		// Cursors are sealed (session.SealCursor): the ledger's bookmark names
		// the next document, which a public answer must not show.
		bookmark := ""
		if p.Cursor != "" {
			var err error
			if bookmark, err = s.Sessions.OpenCursor("sha256:"+h, p.Cursor); err != nil {
				return nil, fault.New(model.CodeInvalidField, "cursor was not issued by this relay for this sha256")
			}
		}
		page, err := s.Ledger.List(ctx, ledger.ListByHash, model.ListQuery{SHA256: h, PageSize: MaxLookupMatches, Bookmark: bookmark})
		if err != nil {
			return nil, fromLedger(err)
		}
		if len(page.Records) == 0 && p.Cursor == "" {
			return nil, fault.Newf(model.CodeDocumentNotFound, "no document on this ledger has SHA-256 %s", h)
		}
		docs, out.NextCursor, out.More = page.Records, s.Sessions.SealCursor("sha256:"+h, page.Bookmark), page.Bookmark != ""
	case p.TxID != "":
		txID = strings.ToLower(p.TxID)
		if !model.ValidSHA256(txID) { // a Fabric tx id is the hex SHA-256 of nonce and creator
			return nil, fault.Newf(model.CodeInvalidField, "txId must be a Fabric transaction id (64 hex characters), not %q", clip(p.TxID))
		}
		out.By, out.Value = "txId", txID
		page, err := s.Ledger.ListByTx(ctx, txID)
		if err != nil {
			return nil, fromLedger(err)
		}
		if len(page.Records) == 0 {
			return nil, fault.Newf(model.CodeDocumentNotFound, "transaction %s wrote no document event on this ledger", txID)
		}
		docs = page.Records
		if len(docs) > MaxLookupMatches {
			docs, out.More = docs[:MaxLookupMatches], true
		}
	default:
		if !model.ValidID(p.DocumentID) {
			return nil, fault.Newf(model.CodeInvalidField, "document id %q is not valid", clip(p.DocumentID))
		}
		out.By, out.Value = "doc", p.DocumentID
		v, err := s.Ledger.GetDocument(ctx, p.DocumentID)
		if err != nil {
			return nil, fromLedger(err)
		}
		docs = []model.DocumentView{*v}
	}
	blocks := blockCache{s: s, seen: map[string]uint64{}, calls: &out.LedgerCalls}
	for i := range docs {
		m, err := s.lookupMatch(ctx, &docs[i], txID, &blocks)
		if err != nil {
			return nil, err
		}
		out.Matches = append(out.Matches, *m)
	}
	return out, nil
}

// lookupMatch adds the ledger positions and VerifyRecord's report to a document.
func (s *Service) lookupMatch(ctx context.Context, d *model.DocumentView, txID string, blocks *blockCache) (*LookupMatch, error) {
	m := &LookupMatch{View: ViewFull, DocumentID: d.ID, Title: d.Title, SHA256: d.SHA256, Size: d.Size, MediaType: d.MediaType,
		DocType: d.DocType, OwnerMSP: d.OwnerMSP, Status: d.EffectiveStatus, ExpiresAt: d.ExpiresAt,
		Signers: []LookupSigner{}, Tags: d.Tags}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	var err error
	m.Registration = LedgerPosition{TxID: d.CreatedTxID, At: d.CreatedAt}
	if m.Registration.BlockNumber, err = blocks.of(ctx, d.CreatedTxID); err != nil {
		return nil, err
	}
	if d.ClosedTxID != "" && d.ClosedAt != nil {
		b, err := blocks.of(ctx, d.ClosedTxID)
		if err != nil {
			return nil, err
		}
		m.Closed = &LedgerPosition{TxID: d.ClosedTxID, At: *d.ClosedAt, BlockNumber: b}
	}
	for _, sg := range d.Signers {
		ls := LookupSigner{ID: sg.ID, MSPID: sg.MSPID, RoutingOrder: sg.RoutingOrder, Status: sg.Status, At: sg.At, TxID: sg.TxID}
		if sg.TxID != "" {
			b, err := blocks.of(ctx, sg.TxID)
			if err != nil {
				return nil, err
			}
			ls.BlockNumber = &b
		}
		m.Signers = append(m.Signers, ls)
		m.Signatures.count(sg.Status)
	}
	if txID != "" {
		*blocks.calls++
		h, err := s.Ledger.GetHistory(ctx, d.ID)
		if err != nil {
			return nil, fromLedger(err)
		}
		for _, e := range h.Events {
			if e.TxID != txID {
				continue
			}
			le := LookupEvent{Seq: e.Seq, Type: e.Type, Timestamp: e.Timestamp}
			switch {
			case e.Signature != nil:
				le.Signer = e.Signature.Signer.Key()
			case e.Annotation != nil:
				le.Signer = e.Annotation.Evidence.Signer.Key()
			}
			m.TxEvents = append(m.TxEvents, le)
		}
	}
	*blocks.calls++
	rep, err := s.Ledger.VerifyRecord(ctx, d.ID)
	if err != nil {
		return nil, fromLedger(err)
	}
	m.Verification, m.Verified = rep, rep.OK
	return m, nil
}

// blockCache asks for each transaction's block once per lookup.
type blockCache struct {
	s     *Service
	seen  map[string]uint64
	calls *int // ledger calls made, for the rate limit
}

func (b *blockCache) of(ctx context.Context, txID string) (uint64, error) {
	if n, ok := b.seen[txID]; ok {
		return n, nil
	}
	*b.calls++
	n, err := b.s.Ledger.BlockOfTx(ctx, txID)
	if err != nil {
		return 0, fromLedger(err)
	}
	b.seen[txID] = n
	return n, nil
}
