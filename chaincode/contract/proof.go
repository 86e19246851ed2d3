package contract

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// claim is one scan's signed statement about one or more documents: a
// signature, annotation or decline of one document over that document's
// payload, or a batch signature or decline of the listed documents over the
// batch payload (id, Merkle root, size). Every such request is proven by
// prove, so a check holds on every path or on none.
type claim struct {
	purpose                                   payload.Purpose
	nonce, chainPEM, signature, mspID, reason string
	algorithm                                 model.Algorithm
	ids                                       []string
	tags                                      []string // annotate
	note                                      string   // annotate
	batch                                     *model.BatchSignatureRequest
	pdf                                       *model.PDFRevision // sign only: the PDF revision signed beside the payload
	p7s                                       *model.P7S         // sign only: the .p7s made beside the payload (not a PDF)
	pdfs                                      *payload.BatchPDFs // batch-sign: what the payload binds of the items' PDF revisions
	pdfProofs                                 []merkle.Proof     // batch-sign: each item's PDF statement in pdfs (zero without one)
}

func singleClaim(r *model.SignatureRequest, purpose payload.Purpose, tags []string, note string) *claim {
	return &claim{purpose: purpose, nonce: r.Nonce, chainPEM: r.CertChainPEM, signature: r.Signature,
		mspID: r.MSPID, reason: r.Reason, algorithm: r.Algorithm, ids: []string{r.DocumentID}, tags: tags, note: note}
}

func batchClaim(r *model.BatchSignatureRequest, purpose payload.Purpose) *claim {
	ids := make([]string, len(r.Items))
	for i, it := range r.Items {
		ids[i] = it.DocumentID
	}
	return &claim{purpose: purpose, nonce: r.Nonce, chainPEM: r.CertChainPEM, signature: r.Signature,
		mspID: r.MSPID, reason: r.Reason, algorithm: r.Algorithm, ids: ids, batch: r}
}

// closes: the claim needs the document pending and the signer not done yet
// (an annotation may be made in any status).
func (c *claim) closes() bool { return c.purpose != payload.PurposeAnnotate }

// inTurn: a signature needs the signer's turn; a decline may come before it.
func (c *claim) inTurn() bool { return c.closes() && !c.purpose.IsDecline() }

// proof is an accepted claim on one document: which signer, and the evidence to freeze.
type proof struct {
	doc      *model.Document
	idx      int
	evidence model.SignatureEvidence
}

// prove runs every check of a claim, with the transaction timestamp as the
// clock, and returns one proof per claimed document in request order. The
// order is part of the contract (README), each step over every document:
// ledger facts anyone may learn first, then the certificate, then the
// signature, and only then facts that need a valid signature to learn.
func (t *txn) prove(c *claim) ([]proof, error) {
	docs, err := t.loadClaimed(c)
	if err != nil {
		return nil, err
	}
	if err := t.checkNonce(c.nonce); err != nil {
		return nil, err
	}
	if c.closes() {
		for _, doc := range docs {
			if err := t.checkOpen(doc); err != nil {
				return nil, err
			}
		}
	}
	if c.pdf != nil {
		if err := docs[0].CheckNextRevision(c.pdf); err != nil {
			return nil, err
		}
	}
	if c.p7s != nil {
		if err := docs[0].CheckP7S(); err != nil {
			return nil, err
		}
	}
	if err := c.checkBatchSigned(docs); err != nil {
		return nil, err
	}
	chain, err := t.parseChain(c.chainPEM)
	if err != nil {
		return nil, err
	}
	proofs := make([]proof, len(docs))
	verdicts := make([]certchain.Verdict, len(docs))
	for i, doc := range docs {
		proofs[i].doc = doc
		if proofs[i].idx, verdicts[i], err = t.identify(doc, chain, c.mspID); err != nil {
			return nil, err
		}
	}
	msg, err := t.checkSignature(c, docs, chain[0])
	if err != nil {
		return nil, err
	}
	revoked := map[string]revocationResult{} // per org: the chain and its verdict are the same for every document
	for i := range proofs {
		p := &proofs[i]
		signer := p.doc.Signers[p.idx]
		r, ok := revoked[signer.MSPID]
		if !ok {
			if r, err = t.checkRevocation(signer.MSPID, verdicts[i]); err != nil {
				return nil, err
			}
			revoked[signer.MSPID] = r
		}
		if err := c.checkSigner(p.doc, signer); err != nil {
			return nil, err
		}
		p.evidence = c.evidence(i, signer, msg, chain, verdicts[i].Anchor, r)
	}
	return proofs, nil
}

// loadClaimed loads the claimed documents: each exists, is not written to
// before its last event, and (batch) is the listed member of the batch.
func (t *txn) loadClaimed(c *claim) ([]*model.Document, error) {
	docs := make([]*model.Document, len(c.ids))
	for i, id := range c.ids {
		doc, err := t.loadDoc(id)
		if err != nil {
			return nil, err
		}
		if err := t.checkClock(doc); err != nil {
			return nil, err
		}
		if b := c.batch; b != nil {
			if doc.BatchID != b.BatchID {
				return nil, model.Errorf(model.CodeInvalidField, "items[%d]: document %s is not in batch %s", i, doc.ID, b.BatchID)
			}
			if p := b.Items[i].Proof; p.Index != doc.BatchOrder {
				return nil, model.Errorf(model.CodeInvalidField, "items[%d]: proof index %d is not document %s's batchOrder %d",
					i, p.Index, doc.ID, doc.BatchOrder)
			}
		}
		docs[i] = doc
	}
	return docs, nil
}

// checkNonce: a nonce is used once, ever, by any transaction.
func (t *txn) checkNonce(nonce string) error {
	var used model.NonceRecord
	if found, err := t.getJSON(nonceKey(nonce), &used); err != nil {
		return err
	} else if found {
		return model.Errorf(model.CodeNonceReused, "nonce %s was used by transaction %s", nonce, used.TxID)
	}
	return nil
}

// checkOpen: the document is pending and not expired at the tx time.
func (t *txn) checkOpen(doc *model.Document) error {
	if doc.Status != model.StatusPending {
		return model.Errorf(model.CodeDocumentClosed, "document %s is %s", doc.ID, doc.Status)
	}
	if !t.now.Before(doc.ExpiresAt) {
		return model.Errorf(model.CodeDocumentExpired, "document %s expired at %s", doc.ID,
			doc.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
	}
	return nil
}

// parseChain parses the submitted chain and checks the leaf and every
// certificate's validity at the tx time.
func (t *txn) parseChain(chainPEM string) ([]*x509.Certificate, error) {
	chain, err := certchain.Parse(chainPEM)
	if err != nil {
		return nil, err
	}
	if err := certchain.CheckLeaf(chain[0]); err != nil {
		return nil, err
	}
	if err := certchain.CheckValidity(t.now, chain...); err != nil {
		return nil, err
	}
	return chain, nil
}

// checkSignature verifies the signature over the claim's payload with the
// leaf's key and returns the payload; a batch's documents must be leaves of
// the signed root.
func (t *txn) checkSignature(c *claim, docs []*model.Document, leaf *x509.Certificate) ([]byte, error) {
	f := payload.Fields{Purpose: c.purpose, Channel: t.channel, Nonce: c.nonce,
		SignerFingerprint: payload.Fingerprint(leaf.Raw), Reason: c.reason, Tags: c.tags, Note: c.note, PDF: c.pdf.Payload()}
	if c.batch != nil {
		f.DocumentID, f.DocumentSHA256, f.Size, f.PDFs = c.batch.BatchID, c.batch.Root, c.batch.Size, c.pdfs
	} else {
		f.DocumentID, f.DocumentSHA256 = docs[0].ID, docs[0].SHA256
	}
	msg, err := payload.Build(f)
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidField, "%v", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(c.signature)
	if err != nil {
		return nil, model.Errorf(model.CodeBadSignature, "signature is not standard base64")
	}
	if err := sigalg.Verify(c.algorithm, leaf.PublicKey, msg, sig); err != nil {
		return nil, err
	}
	if c.batch == nil {
		return msg, nil
	}
	batch, err := merkle.ParseBatch(c.batch.Root, c.batch.Size)
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidField, "%v", err)
	}
	for i, doc := range docs {
		if err := verifyLeaf(batch, doc, c.batch.Items[i].Proof); err != nil {
			return nil, model.Errorf(codeOfMerkle(err), "items[%d]: %v", i, err)
		}
	}
	return msg, nil
}

// checkSigner: the signer has not signed or declined yet, and (signing) it
// is their turn.
func (c *claim) checkSigner(doc *model.Document, signer model.SignerState) error {
	if !c.closes() {
		return nil
	}
	if signer.Status != model.SignerPending {
		return model.Errorf(model.CodeAlreadySigned, "%s already %s document %s", signer.Key(),
			strings.ToLower(string(signer.Status)), doc.ID)
	}
	if c.inTurn() && signer.RoutingOrder != doc.CurrentOrder {
		return model.Errorf(model.CodeOutOfTurn, "%s has routing order %d; order %d has not finished",
			signer.Key(), signer.RoutingOrder, doc.CurrentOrder)
	}
	return nil
}

// evidence is what the event freezes of the claim's document i.
func (c *claim) evidence(i int, signer model.SignerState, msg []byte, chain []*x509.Certificate, anchor certchain.Anchor,
	r revocationResult) model.SignatureEvidence {
	leaf := chain[0]
	sum := sha256.Sum256(msg)
	ev := model.SignatureEvidence{
		Signer: signer.SignerSpec, Nonce: c.nonce, Algorithm: c.algorithm, Signature: c.signature,
		PayloadSHA256: hex.EncodeToString(sum[:]), CertChainPEM: chainPEM(chain), CertFingerprint: payload.Fingerprint(leaf.Raw),
		CertSubject: leaf.Subject.String(), CertIssuer: leaf.Issuer.String(), CertSerial: certchain.SerialHex(leaf),
		CertNotBefore: leaf.NotBefore.UTC(), CertNotAfter: leaf.NotAfter.UTC(), CAFingerprint: anchor.Fingerprint,
		Reason: c.reason, PDF: c.pdf, P7S: c.p7s,
	}
	if b := c.batch; b != nil {
		p := b.Items[i].Proof
		ev.Batch = &model.BatchEvidence{BatchID: b.BatchID, Root: b.Root, Size: b.Size, Index: p.Index,
			Proof: append([]string{}, p.Path...), PDFs: c.pdfs}
		ev.PDF, ev.P7S = b.Items[i].PDF, b.Items[i].P7S
		if ev.PDF != nil {
			pp := c.pdfProofs[i]
			ev.Batch.PDFIndex, ev.Batch.PDFProof = pp.Index, append([]string{}, pp.Path...)
		}
	}
	if r.found {
		ev.CRLNumber = r.crl.Number
		tu := r.crl.ThisUpdate
		ev.CRLThisUpdate = &tu
	}
	ev.CRLStale = r.stale
	return ev
}

// identify finds the signer of doc the chain belongs to. The certificate's
// CN names the signer; the org is mspID, or else the one org among the
// document's signers with that id whose registered CAs verify the chain. Two
// such orgs: ambiguous, refused.
func (t *txn) identify(doc *model.Document, chain []*x509.Certificate, mspID string) (int, certchain.Verdict, error) {
	leaf := chain[0]
	var (
		idx     = -1
		verdict certchain.Verdict
		lastErr error
		orgs    []string
	)
	for i, s := range doc.Signers {
		if s.ID != leaf.Subject.CommonName || (mspID != "" && s.MSPID != mspID) {
			continue
		}
		cas, err := t.orgCAs(s.MSPID)
		if err != nil {
			return -1, certchain.Verdict{}, err
		}
		v, err := verifyChainCached(t.now, chain, cas)
		if err != nil {
			if lastErr == nil {
				lastErr = err
			}
			continue
		}
		if idx < 0 {
			idx, verdict = i, v
		}
		orgs = append(orgs, s.MSPID)
	}
	if len(orgs) > 1 {
		return -1, certchain.Verdict{}, model.Errorf(model.CodeNotASigner,
			"certificate CN %q is a signer of document %s in %s, whose CAs all verify it; mspId is required",
			clip(leaf.Subject.CommonName), doc.ID, strings.Join(orgs, ", "))
	}
	if idx < 0 {
		if lastErr != nil {
			return -1, certchain.Verdict{}, lastErr
		}
		if mspID != "" {
			return -1, certchain.Verdict{}, model.Errorf(model.CodeNotASigner, "%s/%s is not a signer of document %s",
				mspID, clip(leaf.Subject.CommonName), doc.ID)
		}
		return -1, certchain.Verdict{}, model.Errorf(model.CodeNotASigner, "certificate CN %q is not a signer of document %s",
			clip(leaf.Subject.CommonName), doc.ID)
	}
	return idx, verdict, nil
}

// revocationResult is what the evidence records of the revocation check:
// the anchor's CRL (if the org published one) and whether any CRL consulted
// was past its nextUpdate at the tx time (still applied: a CA that stops
// publishing must not stop signing, but the record says so).
type revocationResult struct {
	crl   model.CRLInfo
	found bool
	stale bool
}

// checkRevocation checks every link of the verified chain whose issuer is a
// registered CA against the latest CRL the org published for that CA.
func (t *txn) checkRevocation(msp string, v certchain.Verdict) (revocationResult, error) {
	var res revocationResult
	for _, l := range v.Links {
		crl, err := t.latestCRL(msp, l.CAFingerprint)
		if err != nil {
			return res, err
		}
		if crl == nil {
			continue
		}
		if !crl.NextUpdate.IsZero() && t.now.After(crl.NextUpdate) {
			res.stale = true
		}
		if certchain.Revoked(crl, l.Serial) {
			return res, model.Errorf(model.CodeCertRevoked,
				"certificate serial %s (%s) is on the CRL of %s published by %s (thisUpdate %s)",
				l.Serial, clip(l.Subject), l.CAFingerprint[:16], msp, crl.ThisUpdate.Format("2006-01-02T15:04:05Z"))
		}
	}
	// The anchor issued the top link, so its CRL was read above.
	c, err := t.latestCRL(msp, v.Anchor.Fingerprint)
	if c != nil {
		res.crl, res.found = *c, true
	}
	return res, err
}

// latestCRL is the latest CRL msp published for the CA, nil if none; read
// once per transaction (a group's signers of one org share it).
func (t *txn) latestCRL(msp, caFingerprint string) (*model.CRLInfo, error) {
	k := crlKey(msp, caFingerprint)
	if c, ok := t.crls[k]; ok {
		return c, nil
	}
	var c model.CRLInfo
	found, err := t.getJSON(k, &c)
	if err != nil {
		return nil, err
	}
	if t.crls == nil {
		t.crls = map[string]*model.CRLInfo{}
	}
	t.crls[k] = nil
	if found {
		t.crls[k] = &c
	}
	return t.crls[k], nil
}

// chainPEM re-encodes the submitted chain canonically for the evidence.
func chainPEM(chain []*x509.Certificate) string {
	var b strings.Builder
	for _, c := range chain {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}

// verifyLeaf checks that doc's SHA-256 is leaf p.Index of batch.
func verifyLeaf(batch merkle.Batch, doc *model.Document, p merkle.Proof) error {
	h, err := merkle.ParseHash(doc.SHA256)
	if err != nil {
		return err
	}
	if err := batch.Verify(h, p); err != nil {
		return &leafError{doc: doc.ID, index: p.Index, err: err}
	}
	return nil
}

type leafError struct {
	doc   string
	index int
	err   error
}

func (e *leafError) Error() string {
	return fmt.Sprintf("document %s is not leaf %d of the signed batch: %v", e.doc, e.index, e.err)
}
func (e *leafError) Unwrap() error { return e.err }

// codeOfMerkle: a malformed proof is bad input; a well-formed proof that does
// not lead to the signed root means the signature does not cover the document.
func codeOfMerkle(err error) model.Code {
	if errors.Is(err, merkle.ErrMismatch) {
		return model.CodeBadSignature
	}
	return model.CodeInvalidField
}
