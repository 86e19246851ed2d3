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
	"strconv"
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

// Check is one thing checked. Name and Detail are English; Code, Event
// and Params say it again stably, for output in the reader's language.
type Check struct {
	Name   string
	OK     bool
	Detail string
	Code   string            `json:",omitempty"` // one of the Check* codes
	Event  *model.CheckEvent `json:",omitempty"` // the event a signature or nonce check is about
	// Params are the values a passed check's detail states, by name (see
	// the Check* codes); Delegated, where trust came from, is one of them.
	Params map[string]string `json:",omitempty"`
}

// Check codes. Params of a passed check: events n, last, blocks;
// documentHash sha256; signature alg, payload, cn, cert, msp, ca, at, and
// for a batch leaf, size, batch, root, and where trust was delegated,
// delegated; projection status. document and nonce only fail.
const (
	CheckDocument     = "document"
	CheckEvents       = "events"
	CheckDocumentHash = "documentHash"
	CheckSignature    = "signature"
	CheckNonce        = "nonce"
	CheckProjection   = "projection"
)

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

// add records c, whose Detail says what passed, as passed unless err.
func (r *Report) add(c Check, err error) {
	c.OK = err == nil
	if err != nil {
		c.Detail, c.Params = err.Error(), nil
	}
	r.Checks = append(r.Checks, c)
}

// Provenance checks p.
func (v *Verifier) Provenance(p *api.Provenance) *Report {
	r := &Report{DocumentID: p.DocumentID}
	if p.Document == nil {
		r.add(Check{Name: "document", Code: CheckDocument}, errors.New("the answer holds no document"))
		return r
	}
	if len(p.Events) == 0 {
		r.add(Check{Name: "events", Code: CheckEvents}, fmt.Errorf("no events"))
		return r
	}
	events := make([]model.Event, len(p.Events))
	for i, pe := range p.Events {
		events[i] = pe.Event
	}
	r.add(Check{Name: "events", Code: CheckEvents, Detail: fmt.Sprintf("%d events, seq 0..%d, all VALID in blocks %s",
		len(events), len(events)-1, blocks(p.Events)),
		Params: map[string]string{"n": strconv.Itoa(len(events)), "last": strconv.Itoa(len(events) - 1), "blocks": blocks(p.Events)}}, checkEvents(p))

	var docSHA string
	if reg := events[0].Registered; reg != nil {
		docSHA = reg.SHA256
	}
	r.add(Check{Name: "document hash", Code: CheckDocumentHash, Detail: docSHA, Params: map[string]string{"sha256": docSHA}}, func() error {
		if docSHA == "" || docSHA != p.Document.SHA256 {
			return fmt.Errorf("registered sha256 %q, document shows %q", docSHA, p.Document.SHA256)
		}
		return nil
	}())

	nonces := map[string]int{}
	for i, pe := range p.Events {
		e := pe.Event
		ev, purpose, tags, note := evidenceOf(e)
		if ev == nil {
			continue
		}
		r.Signatures++
		name := fmt.Sprintf("event %d %s by %s", e.Seq, e.Type, ev.Signer.Key())
		of := &model.CheckEvent{Seq: e.Seq, Type: e.Type, Signer: ev.Signer.Key()}
		if j, dup := nonces[ev.Nonce]; dup {
			r.add(Check{Name: name + " nonce", Code: CheckNonce, Event: of}, fmt.Errorf("nonce %s already used by event %d", ev.Nonce, j))
		}
		nonces[ev.Nonce] = i
		c := Check{Name: name, Code: CheckSignature, Event: of, Params: map[string]string{}}
		err := v.signature(e, ev, purpose, tags, note, docSHA, &c)
		r.add(c, err)
	}

	folded, err := model.Fold(events)
	r.add(Check{Name: "projection", Code: CheckProjection, Detail: fmt.Sprintf("fold(events) equals the document (status %s)", p.Document.Status),
		Params: map[string]string{"status": string(p.Document.Status)}}, func() error {
		if err != nil {
			return err
		}
		a, _ := json.Marshal(folded)
		b, _ := json.Marshal(p.Document.Document)
		if string(a) != string(b) {
			return fmt.Errorf("the document shown differs from the fold of its events:\n  fold:  %s\n  shown: %s", a, b)
		}
		return nil
	}())
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

// signature verifies one evidence record, writing what passed into c's
// Detail and Params.
func (v *Verifier) signature(e model.Event, ev *model.SignatureEvidence, purpose payload.Purpose, tags []string, note, docSHA string, c *Check) error {
	certs, err := certchain.Parse(ev.CertChainPEM)
	if err != nil {
		return err
	}
	leaf := certs[0]
	fp := payload.Fingerprint(leaf.Raw)
	if fp != ev.CertFingerprint {
		return fmt.Errorf("certificate fingerprint %s, evidence says %s", fp, ev.CertFingerprint)
	}
	if leaf.Subject.CommonName != ev.Signer.ID {
		return fmt.Errorf("certificate CN %q is not the signer %q", leaf.Subject.CommonName, ev.Signer.ID)
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
			return fmt.Errorf("batch evidence on a %s event", e.Type)
		}
		batch, err := merkle.ParseBatch(b.Root, b.Size)
		if err != nil {
			return fmt.Errorf("batch evidence: %w", err)
		}
		docLeaf, err := merkle.ParseHash(docSHA)
		if err != nil {
			return fmt.Errorf("document hash: %w", err)
		}
		if err := batch.Verify(docLeaf, merkle.Proof{Index: b.Index, Size: b.Size, Path: b.Proof}); err != nil {
			return fmt.Errorf("the document is not leaf %d of batch %s's Merkle tree: %w", b.Index, b.BatchID, err)
		}
		if err := b.CheckPDF(e.DocumentID, ev.PDF); err != nil {
			return err
		}
		f = payload.Fields{Purpose: batched, Channel: v.Channel, DocumentID: b.BatchID, DocumentSHA256: b.Root,
			Nonce: ev.Nonce, SignerFingerprint: fp, Size: b.Size, Reason: ev.Reason, PDFs: b.PDFs}
		batchNote = fmt.Sprintf("; leaf %d of %d of batch %s (root %.12s…) proves in", b.Index, b.Size, b.BatchID, b.Root)
		c.Params["leaf"], c.Params["size"], c.Params["batch"], c.Params["root"] = strconv.Itoa(b.Index), strconv.Itoa(b.Size), b.BatchID, b.Root[:min(12, len(b.Root))]
		if ev.PDF != nil {
			batchNote += fmt.Sprintf("; its PDF revision %d is statement %d of %d (root %.12s…)", ev.PDF.Revision, b.PDFIndex, b.PDFs.Count, b.PDFs.Root)
			c.Params["pdfRevision"], c.Params["pdfStatement"], c.Params["pdfCount"], c.Params["pdfRoot"] = strconv.Itoa(ev.PDF.Revision), strconv.Itoa(b.PDFIndex), strconv.Itoa(b.PDFs.Count), b.PDFs.Root[:min(12, len(b.PDFs.Root))]
		}
	}
	msg, err := payload.Build(f)
	if err != nil {
		return err
	}
	ph := sha256.Sum256(msg)
	if got := hex.EncodeToString(ph[:]); got != ev.PayloadSHA256 {
		return fmt.Errorf("rebuilt payload hashes to %s, the ledger recorded %s (wrong channel %q?)", got, ev.PayloadSHA256, v.Channel)
	}
	sig, err := base64.StdEncoding.DecodeString(ev.Signature)
	if err != nil {
		return fmt.Errorf("signature is not base64")
	}
	if err := sigalg.Verify(ev.Algorithm, leaf.PublicKey, msg, sig); err != nil {
		return err
	}
	detail := fmt.Sprintf("%s signature over payload %s… verifies with %s (cert %s…)%s", ev.Algorithm, ev.PayloadSHA256[:12], leaf.Subject.CommonName, fp[:12], batchNote)
	c.Params["alg"], c.Params["payload"], c.Params["cn"], c.Params["cert"] = string(ev.Algorithm), ev.PayloadSHA256[:12], leaf.Subject.CommonName, fp[:12]
	mine := v.Roots[ev.Signer.MSPID]
	if len(mine) == 0 {
		return fmt.Errorf("%w %s (its signature verifies, but nothing says the certificate is one %s issued)", ErrNoTrustedCA, ev.Signer.MSPID, ev.Signer.MSPID)
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
		return fmt.Errorf("chain at %s: %w", e.Timestamp.Format("2006-01-02T15:04:05Z"), err)
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
			return fmt.Errorf("no chain passes through the CA %.12s… the ledger recorded", ev.CAFingerprint)
		}
	}
	at := e.Timestamp.Format("2006-01-02T15:04:05Z")
	detail += fmt.Sprintf("; chain to %s's CA %q valid at %s", ev.Signer.MSPID, anchor.Subject.CommonName, at)
	c.Params["msp"], c.Params["ca"], c.Params["at"] = ev.Signer.MSPID, anchor.Subject.CommonName, at
	if src, ok := v.Delegated[ev.Signer.MSPID]; ok {
		detail += " (trust DELEGATED: CA from " + src + ")"
		c.Params["delegated"] = src
	}
	c.Detail = detail
	return nil
}
