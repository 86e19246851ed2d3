package api

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// UploadMeta is the metadata of POST /v1/documents (multipart part
// "metadata", or the JSON body).
type UploadMeta struct {
	ID         string             `json:"id,omitempty"`
	Title      string             `json:"title"`
	DocType    string             `json:"docType"`
	MediaType  string             `json:"mediaType,omitempty"`
	Owner      string             `json:"owner"`
	Signers    []model.SignerSpec `json:"signers"`
	Priority   int                `json:"priority"`
	ExpiresAt  *time.Time         `json:"expiresAt,omitempty"`
	BatchID    string             `json:"batchId,omitempty"`
	BatchOrder int                `json:"batchOrder,omitempty"`
	// For documents stored elsewhere (JSON body only); for multipart, the
	// optional expected hash and size of the file (refused if the bytes
	// differ).
	SHA256 string `json:"sha256,omitempty"`
	Size   *int64 `json:"size,omitempty"`
}

// SigningLink is one signer's session on a freshly registered document.
type SigningLink struct {
	Signer    model.SignerSpec `json:"signer"`
	URL       string           `json:"url"`
	Token     string           `json:"token"`
	QRURL     string           `json:"qrUrl"`
	MatchCode string           `json:"matchCode"`
	ExpiresAt time.Time        `json:"expiresAt"`
}

// Registered is the answer of POST /v1/documents.
type Registered struct {
	Document    *model.DocumentView `json:"document"`
	TxID        string              `json:"txId"`
	BlockNumber uint64              `json:"blockNumber"`
	Signing     []SigningLink       `json:"signing"`
	// Replayed: a retry of an upload that already registered this document.
	Replayed bool `json:"replayed,omitempty"`
}

// RecordsPage is one page of a list endpoint.
type RecordsPage struct {
	Records    []model.DocumentView `json:"records"`
	NextCursor string               `json:"nextCursor,omitempty"` // empty on the last page
}

// Provenance is GET /v1/documents/{id}/provenance: a document and its full,
// committed history.
type Provenance struct {
	DocumentID string              `json:"documentId"`
	Channel    string              `json:"channel"`
	Document   *model.DocumentView `json:"document"`
	Events     []ProvenanceEvent   `json:"events"`
}

// ProvenanceEvent is one ledger event and where it was committed.
type ProvenanceEvent struct {
	Event          model.Event `json:"event"`
	BlockNumber    uint64      `json:"blockNumber"`
	ValidationCode string      `json:"validationCode"`
	SubmitterMSP   string      `json:"submitterMsp"`
	SignerSubject  string      `json:"signerSubject,omitempty"`
}

// AnnotationRequest is the body of POST /v1/documents/{id}/annotations: a
// signer of the document proves itself by signing the annotate payload over
// a fresh nonce of its own (no session token).
type AnnotationRequest struct {
	MSPID        string          `json:"mspId,omitempty"`
	Nonce        string          `json:"nonce"`
	CertChainPEM string          `json:"certChainPem"`
	Signature    string          `json:"signature"`
	Algorithm    model.Algorithm `json:"algorithm"`
	Tags         []string        `json:"tags"`
	Note         string          `json:"note"`
}

// Annotated is the answer of an annotation.
type Annotated struct {
	TxID           string              `json:"txId"`
	BlockNumber    uint64              `json:"blockNumber"`
	ValidationCode string              `json:"validationCode"`
	DocumentID     string              `json:"documentId"`
	Tags           []string            `json:"tags"` // the document's tags after the annotation
	Document       *model.DocumentView `json:"document,omitempty"`
	// Replayed: a retry of an annotation that already committed.
	Replayed bool `json:"replayed,omitempty"`
}

// EnrollRequest is the body of POST /v1/enroll.
type EnrollRequest struct {
	EnrollmentID string `json:"enrollmentId"`
	Secret       string `json:"secret"`
	CSRPEM       string `json:"csrPem"`
}

// EnrollResult is its answer: the signer's certificate followed by the CA's
// intermediates (never the root), as the scan callback's certChainPem wants.
type EnrollResult struct {
	MSPID        string `json:"mspId"`
	CertChainPEM string `json:"certChainPem"`
}
