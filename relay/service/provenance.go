package service

import (
	"context"

	"github.com/qrsign/qrsign/relay/api"
)

// Provenance returns the document's events with their blocks. Events exist
// on the ledger only for valid transactions, so each is VALID; its block
// comes from the commit status the relay saw or from qscc.
func (s *Service) Provenance(ctx context.Context, id string) (*api.Provenance, error) {
	v, err := s.Document(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := s.Ledger.GetHistory(ctx, id)
	if err != nil {
		return nil, fromLedger(err)
	}
	out := &api.Provenance{DocumentID: id, Channel: s.Channel, Document: v, Events: []api.ProvenanceEvent{}}
	blocks := map[string]uint64{}
	for _, ev := range h.Events {
		b, ok := blocks[ev.TxID]
		if !ok {
			if b, err = s.Ledger.BlockOfTx(ctx, ev.TxID); err != nil {
				return nil, fromLedger(err)
			}
			blocks[ev.TxID] = b
		}
		pe := api.ProvenanceEvent{Event: ev, BlockNumber: b, ValidationCode: "VALID", SubmitterMSP: ev.CreatorMSP}
		switch {
		case ev.Signature != nil:
			pe.SignerSubject = ev.Signature.CertSubject
		case ev.Annotation != nil:
			pe.SignerSubject = ev.Annotation.Evidence.CertSubject
		}
		out.Events = append(out.Events, pe)
	}
	return out, nil
}
