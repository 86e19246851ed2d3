package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/qrsign/qrsign/chaincode/certchain"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// VerifyRecord re-verifies a document's record from the ledger alone: the
// event stream, the projection against fold(events), and every frozen piece
// of signature evidence (chain to the frozen CA at the event's time,
// signature over the rebuilt payload, nonce record). It reports each check.
func (c *Contract) VerifyRecord(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	out, err := verifyRecord(ctx, id)
	return out, asError(err)
}

func verifyRecord(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	t, err := beginQuery(ctx)
	if err != nil {
		return "", err
	}
	if !model.ValidID(id) {
		return "", model.Errorf(model.CodeInvalidField, "document id %q is not valid", clip(id))
	}
	doc, err := t.loadDoc(id)
	if err != nil {
		return "", err
	}
	events, err := t.history(id)
	if err != nil {
		return "", err
	}
	rep := &report{VerifyReport: model.VerifyReport{DocumentID: id, OK: true, Checks: []model.Check{}, AsOf: t.now}}
	rep.check(model.Check{Name: "events", Code: model.CheckEvents, Detail: fmt.Sprintf("%d events, seq 0..%d contiguous", len(events), len(events)-1),
		Params: map[string]string{"n": strconv.Itoa(len(events)), "last": strconv.Itoa(len(events) - 1)}}, contiguous(id, events))
	rep.check(model.Check{Name: "projection", Code: model.CheckProjection, Detail: "stored projection equals fold(events)"}, matchesFold(doc, events))
	for _, e := range events {
		t.recheckEvidence(rep, doc, e)
	}
	if doc.Status == model.StatusCompleted {
		var missing []string
		for _, s := range doc.Signers {
			if s.Status != model.SignerSigned {
				missing = append(missing, s.Key())
			}
		}
		var err error
		if len(missing) > 0 {
			err = fmt.Errorf("completed without signatures of %v", missing)
		}
		rep.check(model.Check{Name: "completion", Code: model.CheckCompletion, Detail: fmt.Sprintf("all %d signers signed", len(doc.Signers)),
			Params: map[string]string{"n": strconv.Itoa(len(doc.Signers))}}, err)
	}
	return jsonResult(rep.VerifyReport)
}

// report collects VerifyRecord's checks; one failed check fails the record.
type report struct{ model.VerifyReport }

// check records c, whose Detail says what passed, as passed unless err.
func (r *report) check(c model.Check, err error) {
	c.OK = err == nil
	if err != nil {
		c.Detail, c.Params = err.Error(), nil
		r.OK = false
	}
	r.Checks = append(r.Checks, c)
}

// contiguous: the document's events are numbered 0..n-1 and all its own.
func contiguous(id string, events []model.Event) error {
	for i, e := range events {
		if e.Seq != i || e.DocumentID != id {
			return fmt.Errorf("event %d has seq %d document %q", i, e.Seq, e.DocumentID)
		}
	}
	return nil
}

// matchesFold: the stored projection is byte for byte fold(events).
func matchesFold(doc *model.Document, events []model.Event) error {
	folded, err := model.Fold(events)
	if err != nil {
		return err
	}
	a, _ := json.Marshal(folded)
	b, _ := json.Marshal(doc)
	if !bytes.Equal(a, b) {
		return fmt.Errorf("stored projection differs from fold(events)")
	}
	return nil
}

// recheckEvidence re-verifies the evidence a signature, decline or
// annotation event froze: chain, signature, nonce.
func (t *txn) recheckEvidence(rep *report, doc *model.Document, e model.Event) {
	var ev *model.SignatureEvidence
	var purpose payload.Purpose
	var tags []string
	var note string
	switch e.Type {
	case model.EventSignatureRecorded:
		ev, purpose = e.Signature, payload.PurposeSign
	case model.EventSignatureDeclined:
		ev, purpose = e.Signature, payload.PurposeDecline
	case model.EventAnnotated:
		ev, purpose, tags, note = &e.Annotation.Evidence, payload.PurposeAnnotate, e.Annotation.Tags, e.Annotation.Note
	default:
		return
	}
	name := fmt.Sprintf("%s#%d %s", e.Type, e.Seq, ev.Signer.Key())
	at := e.Timestamp.Format("2006-01-02T15:04:05Z")
	of := func() *model.CheckEvent { return &model.CheckEvent{Seq: e.Seq, Type: e.Type, Signer: ev.Signer.Key()} }
	rep.check(model.Check{Name: name + " certificate", Code: model.CheckCertificate, Event: of(),
		Detail: fmt.Sprintf("chain verifies to CA %s of %s at %s", short(ev.CAFingerprint), ev.Signer.MSPID, at),
		Params: map[string]string{"ca": short(ev.CAFingerprint), "msp": ev.Signer.MSPID, "at": at}}, t.recheckChain(e, ev))
	rep.check(model.Check{Name: name + " signature", Code: model.CheckSignature, Event: of(),
		Detail: fmt.Sprintf("%s signature over payload %s", ev.Algorithm, short(ev.PayloadSHA256)),
		Params: map[string]string{"alg": string(ev.Algorithm), "payload": short(ev.PayloadSHA256)}}, t.recheckSignature(doc, ev, purpose, tags, note))
	rep.check(model.Check{Name: name + " nonce", Code: model.CheckNonce, Event: of(), Detail: "nonce " + ev.Nonce + " recorded for this transaction",
		Params: map[string]string{"nonce": ev.Nonce}}, t.recheckNonce(e, ev))
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

func (t *txn) recheckChain(e model.Event, ev *model.SignatureEvidence) error {
	chain, err := certchain.Parse(ev.CertChainPEM)
	if err != nil {
		return err
	}
	if payload.Fingerprint(chain[0].Raw) != ev.CertFingerprint {
		return fmt.Errorf("leaf fingerprint differs from the evidence")
	}
	var info model.SignerCA
	found, err := t.getJSON(caKey(ev.Signer.MSPID, ev.CAFingerprint), &info)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("CA %s is not registered for %s", ev.CAFingerprint, ev.Signer.MSPID)
	}
	ca, err := parseCA(info)
	if err != nil {
		return err
	}
	if chain[0].Subject.CommonName != ev.Signer.ID {
		return fmt.Errorf("certificate CN %q is not signer %s", chain[0].Subject.CommonName, ev.Signer.ID)
	}
	if err := certchain.CheckValidity(e.Timestamp, chain...); err != nil {
		return err
	}
	valid, err := certchain.ValidAnchors(e.Timestamp, []certchain.Anchor{ca})
	if err != nil {
		return err
	}
	_, err = certchain.Verify(e.Timestamp, chain, valid)
	return err
}

func (t *txn) recheckSignature(doc *model.Document, ev *model.SignatureEvidence, purpose payload.Purpose, tags []string, note string) error {
	f := payload.Fields{Purpose: purpose, Channel: t.channel, DocumentID: doc.ID,
		DocumentSHA256: doc.SHA256, Nonce: ev.Nonce, SignerFingerprint: ev.CertFingerprint, Reason: ev.Reason,
		Tags: tags, Note: note, PDF: ev.PDF.Payload()}
	if b := ev.Batch; b != nil {
		// A batch signature (or decline) covers the batch payload; the document is in it by its proof.
		batched, ok := purpose.Batched()
		if !ok || doc.BatchID != b.BatchID || doc.BatchOrder != b.Index {
			return fmt.Errorf("batch evidence %s/%d does not match document batch %s/%d", b.BatchID, b.Index, doc.BatchID, doc.BatchOrder)
		}
		batch, err := merkle.ParseBatch(b.Root, b.Size)
		if err != nil {
			return err
		}
		if err := verifyLeaf(batch, doc, merkle.Proof{Index: b.Index, Size: b.Size, Path: b.Proof}); err != nil {
			return err
		}
		if err := b.CheckPDF(doc.ID, ev.PDF); err != nil {
			return err
		}
		f = payload.Fields{Purpose: batched, Channel: t.channel, DocumentID: b.BatchID,
			DocumentSHA256: b.Root, Nonce: ev.Nonce, SignerFingerprint: ev.CertFingerprint, Size: b.Size, Reason: ev.Reason, PDFs: b.PDFs}
	}
	msg, err := payload.Build(f)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(msg)
	if hex.EncodeToString(sum[:]) != ev.PayloadSHA256 {
		return fmt.Errorf("rebuilt payload hash differs from the evidence")
	}
	chain, err := certchain.Parse(ev.CertChainPEM)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(ev.Signature)
	if err != nil {
		return err
	}
	return sigalg.Verify(ev.Algorithm, chain[0].PublicKey, msg, sig)
}

func (t *txn) recheckNonce(e model.Event, ev *model.SignatureEvidence) error {
	var rec model.NonceRecord
	found, err := t.getJSON(nonceKey(ev.Nonce), &rec)
	if err != nil {
		return err
	}
	if ev.Batch != nil {
		if !found || rec.TxID != e.TxID || rec.BatchID != ev.Batch.BatchID || rec.EventType != e.Type {
			return fmt.Errorf("nonce %s is not recorded for batch %s in transaction %s", ev.Nonce, ev.Batch.BatchID, e.TxID)
		}
		return nil
	}
	if !found || rec.TxID != e.TxID || rec.DocumentID != e.DocumentID || rec.EventType != e.Type {
		return fmt.Errorf("nonce %s is not recorded for %s in transaction %s", ev.Nonce, e.Type, e.TxID)
	}
	return nil
}
