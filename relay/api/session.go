package api

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Session is the answer of GET /v1/sessions/{token}.
type Session struct {
	Token          string           `json:"token"`
	DocumentID     string           `json:"documentId"`
	Title          string           `json:"title"`
	SHA256         string           `json:"sha256"`
	Size           int64            `json:"size"`
	MediaType      string           `json:"mediaType"`
	ContentURL     string           `json:"contentUrl"`
	Signer         model.SignerSpec `json:"signer"`
	Nonce          string           `json:"nonce"`
	Channel        string           `json:"channel"`
	ExpiresAt      time.Time        `json:"expiresAt"`
	MatchCode      string           `json:"matchCode"`
	CallbackURL    string           `json:"callbackUrl"`
	DocumentStatus model.Status     `json:"documentStatus"`
	// Batch is set for a batch session (one scan signs every document):
	// DocumentID is then the batch id and SHA256 the batch's Merkle root.
	Batch *BatchSession `json:"batch,omitempty"`
	// P7S says the relay makes a detached .p7s with a sign of this
	// document (not a PDF, the relay has a TSA): the client sends one
	// (CallbackRequest.P7S).
	P7S bool `json:"p7s,omitempty"`
}

// BatchSession is what a batch signer signs: the root and size, bound by
// the batch-sign payload, and the documents in signing order (leaf i is
// documents[i].sha256).
type BatchSession struct {
	ID        string              `json:"id"`
	Root      string              `json:"root"`
	Size      int                 `json:"size"`
	Documents []BatchSessionEntry `json:"documents"`
}

// BatchSessionEntry is one document of a batch session.
type BatchSessionEntry struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	SHA256     string `json:"sha256"`
	ContentURL string `json:"contentUrl"`
}

// Actions of a scan callback.
const (
	ActionSign         = "sign"
	ActionDecline      = "decline"
	ActionBatchSign    = "batch-sign"    // for a batch session
	ActionBatchDecline = "batch-decline" // for a batch session
)

// CallbackRequest is the body of POST /v1/callbacks/scan.
type CallbackRequest struct {
	Token        string          `json:"token"`
	Action       string          `json:"action"` // Action*
	CertChainPEM string          `json:"certChainPem"`
	Signature    string          `json:"signature"` // standard base64
	Algorithm    model.Algorithm `json:"algorithm"`
	Reason       string          `json:"reason,omitempty"`
	// PDF signs the session's PDF revision too (action sign, PDF documents).
	PDF *PDFSignature `json:"pdf,omitempty"`
	// P7S signs a detached .p7s too (action sign, documents other than PDFs).
	P7S *P7SSignature `json:"p7s,omitempty"`
	// Documents sign, per document of a batch, its PDF revision or .p7s
	// too (action batch-sign; GET /v1/sessions/{token}/batch lists them).
	Documents []BatchDocSignature `json:"documents,omitempty"`
}

// CallbackResult is the answer of POST /v1/callbacks/scan.
type CallbackResult struct {
	TxID           string          `json:"txId"`
	BlockNumber    uint64          `json:"blockNumber"`
	ValidationCode string          `json:"validationCode"`
	DocumentID     string          `json:"documentId"`
	EventType      model.EventType `json:"eventType"`
	DocumentStatus model.Status    `json:"documentStatus"`
	Replayed       bool            `json:"replayed"`
	// Documents are the documents a batch-sign signed (or a batch-decline declined).
	Documents []string `json:"documents,omitempty"`
	// Revision is the PDF revision the signature added, when it carried one.
	Revision *PDFRevisionResult `json:"revision,omitempty"`
	// P7S is the .p7s the signature came with, when it carried one.
	P7S *P7SResult `json:"p7s,omitempty"`
	// Signed lists, for a batch-sign, each document's PDF revision or
	// .p7s, in batch order.
	Signed []BatchSigned `json:"signed,omitempty"`
}

// PDFRevisionResult names a recorded PDF revision and where to fetch it.
type PDFRevisionResult struct {
	Revision int    `json:"revision"`
	SHA256   string `json:"sha256"`
	URL      string `json:"url"` // GET /v1/documents/{id}/signed.pdf?revision=N
}
