package api

import (
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
)

// ProblemContentType is the media type of a Problem.
const ProblemContentType = "application/problem+json"

// Problem is every error answer: an RFC 9457 problem details object. Code
// is the stable machine code (chaincode codes pass through; relay codes
// like TOKEN_EXPIRED); Detail is for people.
type Problem struct {
	Type      string     `json:"type"`
	Title     string     `json:"title"`
	Status    int        `json:"status"`
	Detail    string     `json:"detail"`
	Code      model.Code `json:"code"`
	RequestID string     `json:"requestId,omitempty"`
	TxID      string     `json:"txId,omitempty"` // the transaction it is about, when one was made
	// Errors lists the refused documents of a batch (BATCH_INVALID).
	Errors []DocError `json:"errors,omitempty"`
	// Batch is the state of a batch whose registration was cut short.
	Batch *Batch `json:"batch,omitempty"`
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
