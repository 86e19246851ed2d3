// Package relayapi is the relay's HTTP API (relay/httpapi/openapi.json,
// relay/README.md) as the signer client consumes it: wire types, RFC 9457 problems,
// and a client that retries what is safe to retry.
package relayapi

import (
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Session is GET /v1/sessions/{token}.
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
	DocumentStatus string           `json:"documentStatus"`
	// Batch is set for a batch session (one scan signs every document):
	// DocumentID is then the batch id and SHA256 the batch's Merkle root.
	Batch *BatchSession `json:"batch,omitempty"`
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
	ActionBatchSign    = "batch-sign"    // sent for a batch session
	ActionBatchDecline = "batch-decline" // sent for a batch session
)

// CallbackRequest is the body of POST /v1/callbacks/scan.
type CallbackRequest struct {
	Token        string `json:"token"`
	Action       string `json:"action"`
	CertChainPEM string `json:"certChainPem"`
	Signature    string `json:"signature"` // standard base64
	Algorithm    string `json:"algorithm"`
	Reason       string `json:"reason,omitempty"`
}

// CallbackResult is the 200 answer of POST /v1/callbacks/scan.
type CallbackResult struct {
	TxID           string `json:"txId"`
	BlockNumber    uint64 `json:"blockNumber"`
	ValidationCode string `json:"validationCode"`
	DocumentID     string `json:"documentId"`
	EventType      string `json:"eventType"`
	DocumentStatus string `json:"documentStatus"`
	Replayed       bool   `json:"replayed"`
	// Documents are the documents a batch-sign signed (or a batch-decline declined).
	Documents []string `json:"documents,omitempty"`
}

// Provenance is GET /v1/documents/{id}/provenance.
type Provenance struct {
	DocumentID string             `json:"documentId"`
	Channel    string             `json:"channel,omitempty"` // if the relay states it
	Document   model.DocumentView `json:"document"`
	Events     []ProvenanceEvent  `json:"events"`
}

// ProvenanceEvent is one ledger event with where it was committed.
type ProvenanceEvent struct {
	Event          model.Event `json:"event"`
	BlockNumber    uint64      `json:"blockNumber"`
	ValidationCode string      `json:"validationCode"`
	SubmitterMSP   string      `json:"submitterMsp"`
	SignerSubject  string      `json:"signerSubject"`
}

// Problem is an RFC 9457 error answer. Code is the stable machine code
// (chaincode codes pass through; relay codes like TOKEN_EXPIRED).
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
	// Errors lists the refused documents of a batch (BATCH_INVALID).
	Errors []DocError `json:"errors,omitempty"`
}

// DocError is why one document of a batch was refused or not registered.
type DocError struct {
	Index  int    `json:"index"`
	File   string `json:"file,omitempty"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (p *Problem) Error() string {
	msg := p.Detail
	if msg == "" {
		msg = p.Title
	}
	if p.Code == "" {
		return fmt.Sprintf("relay: HTTP %d: %s", p.Status, msg)
	}
	return fmt.Sprintf("relay: %s: %s (HTTP %d)", p.Code, msg, p.Status)
}

// AnnotationRequest is the body of POST /v1/documents/{id}/annotations: a
// signer of the document proves itself by signing the annotate payload over
// a fresh nonce of its own (no session token).
type AnnotationRequest struct {
	MSPID        string   `json:"mspId,omitempty"`
	Nonce        string   `json:"nonce"`
	CertChainPEM string   `json:"certChainPem"`
	Signature    string   `json:"signature"`
	Algorithm    string   `json:"algorithm"`
	Tags         []string `json:"tags"`
	Note         string   `json:"note"`
}

// Annotated is the 201 answer of an annotation.
type Annotated struct {
	TxID           string              `json:"txId"`
	BlockNumber    uint64              `json:"blockNumber"`
	ValidationCode string              `json:"validationCode"`
	DocumentID     string              `json:"documentId"`
	Tags           []string            `json:"tags"` // the document's tags after the annotation
	Document       *model.DocumentView `json:"document,omitempty"`
}

// Batch is the answer of POST /v1/batches and GET /v1/batches/{id}.
type Batch struct {
	ID         string             `json:"id"`
	Title      string             `json:"title"`
	Owner      string             `json:"owner"`
	Priority   int                `json:"priority"`
	Signers    []model.SignerSpec `json:"signers"`
	ExpiresAt  time.Time          `json:"expiresAt"`
	Root       string             `json:"root"` // Merkle root of the documents' sha256 in order
	Documents  []BatchDoc         `json:"documents"`
	Total      int                `json:"total"`
	Registered int                `json:"registered"`
	Complete   bool               `json:"complete"`
}

// BatchDoc is one document of a batch.
type BatchDoc struct {
	ID          string    `json:"id"`
	File        string    `json:"file"`
	Title       string    `json:"title"`
	DocType     string    `json:"docType"`
	MediaType   string    `json:"mediaType"`
	Order       int       `json:"order"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Registered  bool      `json:"registered"`
	Status      string    `json:"status,omitempty"`
	TxID        string    `json:"txId,omitempty"`
	BlockNumber uint64    `json:"blockNumber,omitempty"`
	Error       *DocError `json:"error,omitempty"`
}
