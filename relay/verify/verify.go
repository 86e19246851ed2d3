// Package verify re-checks a document's provenance locally, trusting neither
// the relay nor the ledger's own VerifyRecord: every signature is verified
// against the canonical payload rebuilt from the event's evidence, every
// chain against the CA certificates the verifier chooses, and the document
// projection against a local fold of the events.
package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"

	"github.com/qrsign/qrsign/relay/api"
)

// Verifier holds what the checks trust.
type Verifier struct {
	Channel string // the channel the payloads were bound to
	// Roots maps an MSP id to the CA certificates its signers' chains must
	// end at: a signer is checked only against their own org's roots, and a
	// signer whose org has none fails ("no trusted CA for Org2MSP"): there is
	// no VERIFIED without a chain check.
	Roots map[string][]*x509.Certificate
	// Delegated says, per MSP, where roots that the user did not give came
	// from (the ledger's trust as read through a relay); shown in each check.
	Delegated map[string]string
}

// ErrNoTrustedCA: a signer's org has no roots in the Verifier.
var ErrNoTrustedCA = errors.New("UNVERIFIED: no trusted CA for")

// Check is one thing checked.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Report is every check made on one document.
type Report struct {
	DocumentID string
	Checks     []Check
	Signatures int // signature-carrying events verified
}

// OK reports whether every check passed (and there was something to check).
func (r *Report) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

func (r *Report) add(name string, err error, okDetail string) {
	if err != nil {
		r.Checks = append(r.Checks, Check{Name: name, Detail: err.Error()})
		return
	}
	r.Checks = append(r.Checks, Check{Name: name, OK: true, Detail: okDetail})
}

// Provenance checks p.
func (v *Verifier) Provenance(p *api.Provenance) *Report {
	r := &Report{DocumentID: p.DocumentID}
	if p.Document == nil {
		r.add("document", errors.New("the answer holds no document"), "")
		return r
	}
	if len(p.Events) == 0 {
		r.add("events", fmt.Errorf("no events"), "")
		return r
	}
	events := make([]model.Event, len(p.Events))
	for i, pe := range p.Events {
		events[i] = pe.Event
	}
	r.add("events", checkEvents(p), fmt.Sprintf("%d events, seq 0..%d, all VALID in blocks %s",
		len(events), len(events)-1, blocks(p.Events)))

	var docSHA string
	if reg := events[0].Registered; reg != nil {
		docSHA = reg.SHA256
	}
	r.add("document hash", func() error {
		if docSHA == "" || docSHA != p.Document.SHA256 {
			return fmt.Errorf("registered sha256 %q, document shows %q", docSHA, p.Document.SHA256)
		}
		return nil
	}(), docSHA)

	nonces := map[string]int{}
	for i, pe := range p.Events {
		e := pe.Event
		ev, purpose, tags, note := evidenceOf(e)
		if ev == nil {
			continue
		}
		r.Signatures++
		name := fmt.Sprintf("event %d %s by %s", e.Seq, e.Type, ev.Signer.Key())
		if j, dup := nonces[ev.Nonce]; dup {
			r.add(name+" nonce", fmt.Errorf("nonce %s already used by event %d", ev.Nonce, j), "")
		}
		nonces[ev.Nonce] = i
		detail, err := v.signature(e, ev, purpose, tags, note, docSHA)
		r.add(name, err, detail)
	}

	folded, err := model.Fold(events)
	r.add("projection", func() error {
		if err != nil {
			return err
		}
		a, _ := json.Marshal(folded)
		b, _ := json.Marshal(p.Document.Document)
		if string(a) != string(b) {
			return fmt.Errorf("the document shown differs from the fold of its events:\n  fold:  %s\n  shown: %s", a, b)
		}
		return nil
	}(), fmt.Sprintf("fold(events) equals the document (status %s)", p.Document.Status))
	return r
}

func checkEvents(p *api.Provenance) error {
	for i, pe := range p.Events {
		e := pe.Event
		switch {
		case e.DocumentID != p.DocumentID:
			return fmt.Errorf("event %d is of document %q", i, e.DocumentID)
		case e.Seq != i:
			return fmt.Errorf("event %d has seq %d", i, e.Seq)
		case pe.ValidationCode != "VALID":
			return fmt.Errorf("event %d (tx %s) has validation code %q", i, e.TxID, pe.ValidationCode)
		case pe.BlockNumber == 0:
			return fmt.Errorf("event %d (tx %s) has no block", i, e.TxID)
		}
	}
	return nil
}

func blocks(es []api.ProvenanceEvent) string {
	var b []string
	for _, e := range es {
		b = append(b, fmt.Sprint(e.BlockNumber))
	}
	return strings.Join(b, ",")
}

func evidenceOf(e model.Event) (*model.SignatureEvidence, payload.Purpose, []string, string) {
	switch e.Type {
	case model.EventSignatureRecorded:
		return e.Signature, payload.PurposeSign, nil, ""
	case model.EventSignatureDeclined:
		return e.Signature, payload.PurposeDecline, nil, ""
	case model.EventAnnotated:
		if e.Annotation != nil {
			return &e.Annotation.Evidence, payload.PurposeAnnotate, e.Annotation.Tags, e.Annotation.Note
		}
	}
	return nil, "", nil, ""
}

// signature verifies one evidence record.
func (v *Verifier) signature(e model.Event, ev *model.SignatureEvidence, purpose payload.Purpose, tags []string, note, docSHA string) (string, error) {
	certs, err := certchain.Parse(ev.CertChainPEM)
	if err != nil {
		return "", err
	}
	leaf := certs[0]
	fp := payload.Fingerprint(leaf.Raw)
	if fp != ev.CertFingerprint {
		return "", fmt.Errorf("certificate fingerprint %s, evidence says %s", fp, ev.CertFingerprint)
	}
	if leaf.Subject.CommonName != ev.Signer.ID {
		return "", fmt.Errorf("certificate CN %q is not the signer %q", leaf.Subject.CommonName, ev.Signer.ID)
	}
	f := payload.Fields{Purpose: purpose, Channel: v.Channel, DocumentID: e.DocumentID, DocumentSHA256: docSHA,
		Nonce: ev.Nonce, SignerFingerprint: fp, Tags: tags, Note: note, PDF: ev.PDF.Payload()}
	if purpose == payload.PurposeDecline {
		f.Reason = ev.Reason
	}
	batchNote := ""
	if b := ev.Batch; b != nil {
		// One signature over the batch (id, root, size); this document is
		// leaf b.Index of that tree: its registered hash must prove in.
		batched, ok := purpose.Batched()
		if !ok {
			return "", fmt.Errorf("batch evidence on a %s event", e.Type)
		}
		batch, err := merkle.ParseBatch(b.Root, b.Size)
		if err != nil {
			return "", fmt.Errorf("batch evidence: %w", err)
		}
		docLeaf, err := merkle.ParseHash(docSHA)
		if err != nil {
			return "", fmt.Errorf("document hash: %w", err)
		}
		if err := batch.Verify(docLeaf, merkle.Proof{Index: b.Index, Size: b.Size, Path: b.Proof}); err != nil {
			return "", fmt.Errorf("the document is not leaf %d of batch %s's Merkle tree: %w", b.Index, b.BatchID, err)
		}
		if err := b.CheckPDF(e.DocumentID, ev.PDF); err != nil {
			return "", err
		}
		f = payload.Fields{Purpose: batched, Channel: v.Channel, DocumentID: b.BatchID, DocumentSHA256: b.Root,
			Nonce: ev.Nonce, SignerFingerprint: fp, Size: b.Size, Reason: ev.Reason, PDFs: b.PDFs}
		batchNote = fmt.Sprintf("; leaf %d of %d of batch %s (root %.12s…) proves in", b.Index, b.Size, b.BatchID, b.Root)
		if ev.PDF != nil {
			batchNote += fmt.Sprintf("; its PDF revision %d is statement %d of %d (root %.12s…)", ev.PDF.Revision, b.PDFIndex, b.PDFs.Count, b.PDFs.Root)
		}
	}
	msg, err := payload.Build(f)
	if err != nil {
		return "", err
	}
	ph := sha256.Sum256(msg)
	if got := hex.EncodeToString(ph[:]); got != ev.PayloadSHA256 {
		return "", fmt.Errorf("rebuilt payload hashes to %s, the ledger recorded %s (wrong channel %q?)", got, ev.PayloadSHA256, v.Channel)
	}
	sig, err := base64.StdEncoding.DecodeString(ev.Signature)
	if err != nil {
		return "", fmt.Errorf("signature is not base64")
	}
	if err := sigalg.Verify(ev.Algorithm, leaf.PublicKey, msg, sig); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("%s signature over payload %s… verifies with %s (cert %s…)%s", ev.Algorithm, ev.PayloadSHA256[:12], leaf.Subject.CommonName, fp[:12], batchNote)
	mine := v.Roots[ev.Signer.MSPID]
	if len(mine) == 0 {
		return "", fmt.Errorf("%w %s (its signature verifies, but nothing says the certificate is one %s issued)", ErrNoTrustedCA, ev.Signer.MSPID, ev.Signer.MSPID)
	}
	// The chaincode's path rules (leaf use, path, CA key usages), at the event's time.
	anchors := make([]certchain.Anchor, len(mine))
	for i, c := range mine {
		anchors[i] = certchain.NewAnchor(c)
	}
	err = certchain.CheckLeaf(leaf)
	var verdict certchain.Verdict
	if err == nil {
		verdict, err = certchain.Verify(e.Timestamp, certs, anchors)
	}
	if err != nil {
		return "", fmt.Errorf("chain at %s: %w", e.Timestamp.Format("2006-01-02T15:04:05Z"), err)
	}
	chains := verdict.Paths
	anchor := chains[0][len(chains[0])-1]
	if ev.CAFingerprint != "" {
		found := false
		for _, ch := range chains {
			for _, c := range ch[1:] {
				if payload.Fingerprint(c.Raw) == ev.CAFingerprint {
					found, anchor = true, c
				}
			}
		}
		if !found {
			return "", fmt.Errorf("no chain passes through the CA %s… the ledger recorded", ev.CAFingerprint[:12])
		}
	}
	detail += fmt.Sprintf("; chain to %s's CA %q valid at %s", ev.Signer.MSPID, anchor.Subject.CommonName, e.Timestamp.Format("2006-01-02T15:04:05Z"))
	if src, ok := v.Delegated[ev.Signer.MSPID]; ok {
		detail += " (trust DELEGATED: CA from " + src + ")"
	}
	return detail, nil
}
