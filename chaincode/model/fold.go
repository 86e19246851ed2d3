package model

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// ErrEventRejected is wrapped by every error of Apply and Fold: the event
// cannot follow the ones before it. A ledger written by the chaincode never
// produces it; a relay or auditor folding events it got elsewhere may.
var ErrEventRejected = errors.New("event rejected")

func rejectf(e Event, format string, args ...any) error {
	return fmt.Errorf("%w: %s seq %d: %s", ErrEventRejected, e.Type, e.Seq, fmt.Sprintf(format, args...))
}

// Fold replays a document's events, in order, into its projection. It is the
// definition of the projection: the chaincode stores exactly Fold(events).
func Fold(events []Event) (*Document, error) {
	if len(events) == 0 {
		return nil, fmt.Errorf("%w: no events", ErrEventRejected)
	}
	d := &Document{}
	for _, e := range events {
		if err := d.Apply(e); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Apply folds one more event into d. On error d is unchanged. The first event
// must be DocumentRegistered (applied to a zero Document); after it events
// must carry the document's id and Seq == d.EventCount.
func (d *Document) Apply(e Event) error {
	if e.Type == EventDocumentRegistered {
		return d.applyRegistered(e)
	}
	if d.EventCount == 0 {
		return rejectf(e, "the first event of a document must be %s", EventDocumentRegistered)
	}
	if e.DocumentID != d.ID {
		return rejectf(e, "event of document %q applied to %q", e.DocumentID, d.ID)
	}
	if e.Seq != d.EventCount {
		return rejectf(e, "expected seq %d", d.EventCount)
	}
	if e.Timestamp.Before(d.UpdatedAt) {
		return rejectf(e, "timestamp %s is before the last event's %s", e.Timestamp.UTC().Format(time.RFC3339Nano),
			d.UpdatedAt.Format(time.RFC3339Nano))
	}
	var err error
	switch e.Type {
	case EventSignatureRecorded:
		err = d.applySigned(e)
	case EventSignatureDeclined:
		err = d.applyDeclined(e)
	case EventDocumentVoided:
		err = d.applyVoided(e)
	case EventDocumentCompleted:
		err = d.applyCompleted(e)
	case EventAnnotated:
		err = d.applyAnnotated(e)
	case EventRevisionRecorded:
		err = d.applyRevisionRecorded(e)
	default:
		err = rejectf(e, "not a document event")
	}
	if err != nil {
		return err
	}
	d.EventCount++
	d.UpdatedAt = e.Timestamp.UTC()
	return nil
}

func (d *Document) applyRegistered(e Event) error {
	switch {
	case d.EventCount != 0:
		return rejectf(e, "document %q is already registered", d.ID)
	case e.Seq != 0:
		return rejectf(e, "expected seq 0")
	case e.Registered == nil:
		return rejectf(e, "missing body")
	case e.DocumentID != e.Registered.ID:
		return rejectf(e, "event document %q differs from body id %q", e.DocumentID, e.Registered.ID)
	case len(e.Registered.Signers) == 0:
		return rejectf(e, "no signers")
	}
	r := e.Registered
	signers := make([]SignerState, len(r.Signers))
	for i, s := range r.Signers {
		signers[i] = SignerState{SignerSpec: s, Status: SignerPending}
	}
	*d = Document{
		ID: r.ID, SHA256: r.SHA256, Size: r.Size, MediaType: r.MediaType, Title: r.Title, DocType: r.DocType,
		Owner: r.Owner, OwnerMSP: r.OwnerMSP, Priority: r.Priority, ExpiresAt: r.ExpiresAt.UTC(),
		BatchID: r.BatchID, BatchOrder: r.BatchOrder, CreatedAt: e.Timestamp.UTC(), CreatedTxID: e.TxID,
		Status: StatusPending, Signers: signers, Tags: []string{}, EventCount: 1, UpdatedAt: e.Timestamp.UTC(),
	}
	d.CurrentOrder = d.nextOrder()
	return nil
}

// nextOrder is the lowest routing order with a pending signer, 0 when none is left.
func (d *Document) nextOrder() int {
	next := 0
	for _, s := range d.Signers {
		if s.Status == SignerPending && (next == 0 || s.RoutingOrder < next) {
			next = s.RoutingOrder
		}
	}
	return next
}

// SignerIndex returns the index of the signer (mspId, id) in d.Signers, or -1.
func (d *Document) SignerIndex(mspID, id string) int {
	for i, s := range d.Signers {
		if s.MSPID == mspID && s.ID == id {
			return i
		}
	}
	return -1
}

// signerFor finds the pending signer an evidence-carrying event is about.
func (d *Document) signerFor(e Event, ev *SignatureEvidence) (int, error) {
	if ev == nil {
		return -1, rejectf(e, "missing signature evidence")
	}
	i := d.SignerIndex(ev.Signer.MSPID, ev.Signer.ID)
	if i < 0 {
		return -1, rejectf(e, "%s is not a signer", ev.Signer.Key())
	}
	return i, nil
}

func (d *Document) applySigned(e Event) error {
	if d.Status != StatusPending {
		return rejectf(e, "document is %s", d.Status)
	}
	i, err := d.signerFor(e, e.Signature)
	if err != nil {
		return err
	}
	s := &d.Signers[i]
	if s.Status != SignerPending {
		return rejectf(e, "%s already %s", s.Key(), s.Status)
	}
	if s.RoutingOrder != d.CurrentOrder {
		return rejectf(e, "%s has routing order %d, current is %d", s.Key(), s.RoutingOrder, d.CurrentOrder)
	}
	if err := d.applyRevision(e); err != nil {
		return err
	}
	at := e.Timestamp.UTC()
	s.Status, s.At, s.TxID, s.CertFingerprint = SignerSigned, &at, e.TxID, e.Signature.CertFingerprint
	d.CurrentOrder = d.nextOrder()
	return nil
}

func (d *Document) applyDeclined(e Event) error {
	if d.Status != StatusPending {
		return rejectf(e, "document is %s", d.Status)
	}
	i, err := d.signerFor(e, e.Signature)
	if err != nil {
		return err
	}
	s := &d.Signers[i]
	if s.Status != SignerPending {
		return rejectf(e, "%s already %s", s.Key(), s.Status)
	}
	at := e.Timestamp.UTC()
	s.Status, s.At, s.TxID, s.CertFingerprint = SignerDeclined, &at, e.TxID, e.Signature.CertFingerprint
	d.close(StatusDeclined, e)
	return nil
}

func (d *Document) applyVoided(e Event) error {
	switch {
	case d.Status != StatusPending:
		return rejectf(e, "document is %s", d.Status)
	case e.Voided == nil:
		return rejectf(e, "missing body")
	}
	d.close(StatusVoided, e)
	return nil
}

func (d *Document) applyCompleted(e Event) error {
	switch {
	case d.Status != StatusPending:
		return rejectf(e, "document is %s", d.Status)
	case e.Completed == nil:
		return rejectf(e, "missing body")
	case e.Completed.Signatures != len(d.Signers):
		return rejectf(e, "completed with %d signatures, document has %d signers", e.Completed.Signatures, len(d.Signers))
	}
	for _, s := range d.Signers {
		if s.Status != SignerSigned {
			return rejectf(e, "%s has not signed", s.Key())
		}
	}
	d.close(StatusCompleted, e)
	return nil
}

func (d *Document) close(st Status, e Event) {
	at := e.Timestamp.UTC()
	d.Status, d.ClosedAt, d.ClosedTxID, d.CurrentOrder = st, &at, e.TxID, 0
}

func (d *Document) applyAnnotated(e Event) error {
	if e.Annotation == nil {
		return rejectf(e, "missing body")
	}
	if _, err := d.signerFor(e, &e.Annotation.Evidence); err != nil {
		return err
	}
	d.Tags = MergeTags(d.Tags, e.Annotation.Tags)
	if e.Annotation.Note != "" {
		d.Notes++
	}
	return nil
}

// MergeTags returns the sorted union of have and add, without duplicates.
func MergeTags(have, add []string) []string {
	out := make([]string, 0, len(have)+len(add))
	seen := make(map[string]bool, len(have)+len(add))
	for _, list := range [][]string{have, add} {
		for _, t := range list {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// View is d as seen at time asOf: EffectiveStatus is EXPIRED for a pending
// document past its expiry.
func (d *Document) View(asOf time.Time) DocumentView {
	v := DocumentView{Document: *d, EffectiveStatus: d.Status, AsOf: asOf.UTC()}
	if d.Status == StatusPending && !asOf.Before(d.ExpiresAt) {
		v.EffectiveStatus = StatusExpired
	}
	return v
}
