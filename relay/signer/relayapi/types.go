// Package relayapi is the relay's HTTP API (team brief, "Relay HTTP API
// contract") as the signer client consumes it: wire types, RFC 9457 problems,
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
}

// Actions of a scan callback.
const (
	ActionSign    = "sign"
	ActionDecline = "decline"
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
