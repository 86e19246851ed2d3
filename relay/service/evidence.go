package service

import (
	"context"
	"errors"

	"github.com/qrsign/qrsign/relay/evidence"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
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
	l := s.Ledger
	if u, ok := l.(interface{ Unwrap() ledger.Ledger }); ok { // group commit
		l = u.Unwrap()
	}
	src, ok := l.(evidence.Source)
	if !ok {
		return nil, nil, fault.New(fault.CodeEvidenceUnsupported, "this relay's ledger connection cannot read blocks")
	}
	b, st, err := evidence.BuildWith(ctx, src, id, evidence.Options{MaxEvents: MaxEvidenceEvents, MaxBytes: MaxEvidenceBytes,
		OnBlock: onBlock})
	if errors.Is(err, evidence.ErrTooLarge) {
		return nil, nil, fault.New(fault.CodeEvidenceTooLarge, err.Error()).WithCause(err)
	}
	if errors.Is(err, evidence.ErrIncomplete) {
		// The cause names keys, transactions and parse errors of peer messages:
		// it goes to the log, the caller gets what it can act on.
		return nil, nil, fault.New(fault.CodeEvidenceIncomplete,
			"the ledger's answers did not make a consistent evidence bundle (the document may have changed while it was read); try again").WithCause(err)
	}
	if err != nil {
		return nil, st, fromLedger(err)
	}
	return b, st, nil
}
