package export

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// signerRow is one signer as a certificate shows it: the view's state joined
// with the evidence of their signature (or decline) event.
type signerRow struct {
	model.SignerSpec
	Status      model.SignerStatus
	At          *time.Time
	TxID        string
	Block       uint64
	HasBlock    bool
	Subject     string
	Issuer      string
	Serial      string
	Fingerprint string
	Algorithm   model.Algorithm
	Reason      string
}

// ledgerIndex answers "which block committed tx X" and "what evidence did
// signer S leave" for one record.
type ledgerIndex struct {
	blocks   map[string]uint64
	evidence map[string]*model.SignatureEvidence // by signer key; last event wins
}

func indexEvents(evs []Event) ledgerIndex {
	ix := ledgerIndex{blocks: map[string]uint64{}, evidence: map[string]*model.SignatureEvidence{}}
	for _, e := range evs {
		if e.Event.TxID != "" {
			ix.blocks[e.Event.TxID] = e.BlockNumber
		}
		if s := e.Event.Signature; s != nil {
			ix.evidence[s.Signer.Key()] = s
		}
	}
	return ix
}

func (ix ledgerIndex) block(tx string) (uint64, bool) {
	b, ok := ix.blocks[tx]
	return b, ok
}

func signerRows(r Record) []signerRow {
	ix := indexEvents(r.Events)
	rows := make([]signerRow, 0, len(r.Document.Signers))
	for _, s := range r.Document.Signers {
		row := signerRow{SignerSpec: s.SignerSpec, Status: s.Status, At: s.At, TxID: s.TxID, Fingerprint: s.CertFingerprint}
		row.Block, row.HasBlock = ix.block(s.TxID)
		if ev := ix.evidence[s.Key()]; ev != nil {
			row.Subject, row.Issuer, row.Serial = ev.CertSubject, ev.CertIssuer, ev.CertSerial
			row.Algorithm, row.Reason = ev.Algorithm, ev.Reason
			if row.Fingerprint == "" {
				row.Fingerprint = ev.CertFingerprint
			}
		}
		rows = append(rows, row)
	}
	return rows
}
