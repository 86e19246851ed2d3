package model

import "time"

// Status is a document's folded status. Expiry is not folded (it depends on
// the reader's clock): DocumentView.EffectiveStatus adds it.
type Status string

const (
	StatusPending   Status = "PENDING"
	StatusCompleted Status = "COMPLETED"
	StatusDeclined  Status = "DECLINED"
	StatusVoided    Status = "VOIDED"
	StatusExpired   Status = "EXPIRED" // only as an effective status
)

// SignerStatus is one signer's progress on a document.
type SignerStatus string

const (
	SignerPending  SignerStatus = "PENDING"
	SignerSigned   SignerStatus = "SIGNED"
	SignerDeclined SignerStatus = "DECLINED"
)

// SignerState is a signer of a document and what they did.
type SignerState struct {
	SignerSpec
	Status          SignerStatus `json:"status"`
	At              *time.Time   `json:"at,omitempty"`
	TxID            string       `json:"txId,omitempty"`
	CertFingerprint string       `json:"certFingerprint,omitempty"`
}

// Document is the projection of a document's events: fold(events).
type Document struct {
	ID           string        `json:"id"`
	SHA256       string        `json:"sha256"`
	Size         int64         `json:"size"`
	MediaType    string        `json:"mediaType"`
	Title        string        `json:"title"`
	DocType      string        `json:"docType"`
	Owner        string        `json:"owner"`
	OwnerMSP     string        `json:"ownerMsp"`
	Priority     int           `json:"priority"`
	ExpiresAt    time.Time     `json:"expiresAt"`
	BatchID      string        `json:"batchId,omitempty"`
	BatchOrder   int           `json:"batchOrder,omitempty"`
	CreatedAt    time.Time     `json:"createdAt"`
	CreatedTxID  string        `json:"createdTxId"`
	Status       Status        `json:"status"`
	CurrentOrder int           `json:"currentOrder"` // routing order whose turn it is; 0 once closed
	Signers      []SignerState `json:"signers"`      // in the order registered
	Tags         []string      `json:"tags"`         // union of annotated tags, sorted
	Notes        int           `json:"notes"`        // number of annotations with a note
	ClosedAt     *time.Time    `json:"closedAt,omitempty"`
	ClosedTxID   string        `json:"closedTxId,omitempty"`
	EventCount   int           `json:"eventCount"` // next event's Seq
	UpdatedAt    time.Time     `json:"updatedAt"`  // timestamp of the last event; later events may not be earlier

	// PDF documents (issue 13): the PDF revisions recorded with signatures.
	Revisions      int    `json:"revisions,omitempty"`
	RevisionSHA256 string `json:"revisionSha256,omitempty"` // the latest revision's SHA-256
}

// DocumentView is a document as a query sees it at a given time.
type DocumentView struct {
	Document
	EffectiveStatus Status    `json:"effectiveStatus"` // Status, or EXPIRED when pending past ExpiresAt
	AsOf            time.Time `json:"asOf"`            // the query's transaction timestamp
}

// History is the answer of GetHistory.
type History struct {
	DocumentID string  `json:"documentId"`
	Events     []Event `json:"events"`
}

// OrgHistory is the answer of GetOrgHistory: every CA and CRL event of one
// org, in ledger key order (transaction time). Evidence bundles need the
// exact CRL a signature froze, which GetOrgTrust (latest only) may no longer
// hold.
type OrgHistory struct {
	MSPID  string  `json:"mspId"`
	Events []Event `json:"events"`
}

// ListQuery is the argument of the list queries. Which of MSPID/SignerID/Owner
// is required depends on the query.
type ListQuery struct {
	MSPID    string     `json:"mspId,omitempty"`
	SignerID string     `json:"signerId,omitempty"`
	Owner    string     `json:"owner,omitempty"`
	Tag      string     `json:"tag,omitempty"`
	SHA256   string     `json:"sha256,omitempty"` // ListByHash: the content hash, 64 lowercase hex
	From     *time.Time `json:"from,omitempty"`   // created at or after
	To       *time.Time `json:"to,omitempty"`     // created before
	DocType  string     `json:"docType,omitempty"`
	Status   Status     `json:"status,omitempty"` // effective status
	PageSize int        `json:"pageSize,omitempty"`
	Bookmark string     `json:"bookmark,omitempty"`
}

// Page is one page of a list query.
type Page struct {
	Records  []DocumentView `json:"records"`
	Bookmark string         `json:"bookmark"` // empty on the last page
}

// Check is one thing VerifyRecord checked. Name and Detail are English,
// for a person reading the raw answer; Code, Event and Params are stable,
// for pages and clients that say the check in the reader's language.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Code   string `json:"code,omitempty"` // one of the Check* codes
	// Event is the event whose evidence the check is about (certificate,
	// signature, nonce).
	Event *CheckEvent `json:"event,omitempty"`
	// Params are the values a passed check's detail states, by name.
	Params map[string]string `json:"params,omitempty"`
}

// CheckEvent names an event of the document being checked.
type CheckEvent struct {
	Seq    int       `json:"seq"`
	Type   EventType `json:"type"`
	Signer string    `json:"signer,omitempty"` // mspId/id
}

// Check codes. Params of a passed check: events n (events), last (last
// seq); completion n (signers); certificate ca (CA fingerprint prefix), msp,
// at (the event's time); signature alg, payload (payload hash prefix);
// nonce nonce.
const (
	CheckEvents      = "events"
	CheckProjection  = "projection"
	CheckCompletion  = "completion"
	CheckCertificate = "certificate"
	CheckSignature   = "signature"
	CheckNonce       = "nonce"
)

// VerifyReport is the answer of VerifyRecord.
type VerifyReport struct {
	DocumentID string    `json:"documentId"`
	OK         bool      `json:"ok"`
	Checks     []Check   `json:"checks"`
	AsOf       time.Time `json:"asOf"`
}
