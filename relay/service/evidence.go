package service

import (
	"context"
	"errors"
	"net/http"

	"github.com/qrsign/qrsign/relay/evidence"
	"github.com/qrsign/qrsign/relay/problem"
)

// Codes of the evidence endpoint.
const (
	// CodeEvidenceIncomplete: the ledger's answers do not make a consistent
	// bundle (an event its transaction did not write, a CA never
	// registered); 502, the relay's peer is the problem.
	CodeEvidenceIncomplete = "EVIDENCE_INCOMPLETE"
	// CodeEvidenceUnsupported: this relay's ledger cannot read blocks; 501.
	CodeEvidenceUnsupported = "EVIDENCE_UNSUPPORTED"
	// CodeEvidenceTooLarge: the document's bundle would exceed
	// MaxEvidenceEvents events or MaxEvidenceBytes bytes of blocks; 422.
	CodeEvidenceTooLarge = "EVIDENCE_TOO_LARGE"
)

// Caps of one evidence bundle: each block costs a qscc read and is carried
// whole (every envelope of it), so a document with a long history must not
// turn one request into unbounded reads and megabytes.
const (
	MaxEvidenceEvents = 500
	MaxEvidenceBytes  = 16 << 20
)

// Evidence builds the offline-verifiable evidence bundle of a document
// (relay/evidence) from the relay's peer: events, endorsed envelopes,
// blocks, signer CAs and CRLs.
func (s *Service) Evidence(ctx context.Context, id string) (*evidence.Bundle, error) {
	b, _, err := s.EvidenceWith(ctx, id, nil)
	return b, err
}

// EvidenceWith is Evidence calling onBlock once per block fetched (the
// HTTP layer charges the rate limiter for each).
func (s *Service) EvidenceWith(ctx context.Context, id string, onBlock func()) (*evidence.Bundle, *evidence.Stats, error) {
	if _, err := s.Document(ctx, id); err != nil {
		return nil, nil, err
	}
	src, ok := s.Ledger.(evidence.Source)
	if !ok {
		p := problem.New(CodeEvidenceUnsupported, "this relay's ledger connection cannot read blocks")
		p.Status, p.Title = http.StatusNotImplemented, http.StatusText(http.StatusNotImplemented)
		return nil, nil, p
	}
	b, st, err := evidence.BuildWith(ctx, src, id, evidence.Options{MaxEvents: MaxEvidenceEvents, MaxBytes: MaxEvidenceBytes,
		OnBlock: onBlock})
	if errors.Is(err, evidence.ErrTooLarge) {
		p := problem.New(CodeEvidenceTooLarge, err.Error()).WithCause(err)
		p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
		return nil, nil, p
	}
	if errors.Is(err, evidence.ErrIncomplete) {
		p := problem.New(CodeEvidenceIncomplete, err.Error()).WithCause(err)
		p.Status, p.Title = http.StatusBadGateway, http.StatusText(http.StatusBadGateway)
		return nil, nil, p
	}
	if err != nil {
		return nil, st, fromLedger(err)
	}
	return b, st, nil
}
