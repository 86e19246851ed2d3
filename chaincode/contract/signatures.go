package contract

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"github.com/qrsign/qrsign/chaincode/certchain"
	"strings"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// RecordSignature records a signer's signature over the document's canonical
// payload; the last required signature also completes the document.
func (c *Contract) RecordSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := recordSignature(ctx, request)
	return out, asError(err)
}

func recordSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.SignatureRequest
	t, err := beginWrite(ctx, "record signatures", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	if req.Reason != "" {
		return "", model.Errorf(model.CodeInvalidField, "reason is bound only for DeclineSignature")
	}
	p, err := t.prove(&req, payload.PurposeSign, nil, "")
	if err != nil {
		return "", err
	}
	doc, signer := p.doc, p.doc.Signers[p.idx]
	e := t.event(model.EventSignatureRecorded, doc.ID, doc.EventCount)
	e.Signature = &p.evidence
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	if doc.CurrentOrder == 0 { // nobody left to sign: the same transaction completes it
		c := t.event(model.EventDocumentCompleted, doc.ID, doc.EventCount)
		c.Completed = &model.Completed{Signatures: len(doc.Signers)}
		if err := t.apply(doc, c); err != nil {
			return "", err
		}
	}
	if err := t.dropPending(doc, []model.SignerSpec{signer.SignerSpec}); err != nil {
		return "", err
	}
	if err := t.useNonce(req.Nonce, e); err != nil {
		return "", err
	}
	return t.finish(doc)
}

// DeclineSignature records a signer's refusal, proven like a signature with
// the reason bound; it closes the document as DECLINED. A signer may decline
// before their turn.
func (c *Contract) DeclineSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := declineSignature(ctx, request)
	return out, asError(err)
}

func declineSignature(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.SignatureRequest
	t, err := beginWrite(ctx, "record declines", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	p, err := t.prove(&req, payload.PurposeDecline, nil, "")
	if err != nil {
		return "", err
	}
	doc := p.doc
	pending := pendingSigners(doc)
	e := t.event(model.EventSignatureDeclined, doc.ID, doc.EventCount)
	e.Signature = &p.evidence
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	if err := t.dropPending(doc, pending); err != nil {
		return "", err
	}
	if err := t.useNonce(req.Nonce, e); err != nil {
		return "", err
	}
	return t.finish(doc)
}

// Annotate adds tags and a note to a document in any status, proven by one of
// its signers' signature over them.
func (c *Contract) Annotate(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	out, err := annotate(ctx, request)
	return out, asError(err)
}

func annotate(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req model.AnnotateRequest
	t, err := beginWrite(ctx, "annotate documents", request, model.MaxRequestBytes, &req)
	if err != nil {
		return "", err
	}
	p, err := t.prove(&req.SignatureRequest, payload.PurposeAnnotate, req.Tags, req.Note)
	if err != nil {
		return "", err
	}
	doc := p.doc
	had := map[string]bool{}
	for _, tag := range doc.Tags {
		had[tag] = true
	}
	e := t.event(model.EventAnnotated, doc.ID, doc.EventCount)
	tags := append([]string{}, req.Tags...)
	e.Annotation = &model.Annotation{Tags: tags, Note: req.Note, Evidence: p.evidence}
	if err := t.apply(doc, e); err != nil {
		return "", err
	}
	for _, tag := range doc.Tags { // sorted: deterministic write order
		if !had[tag] {
			if err := t.put(tagKey(doc, tag), indexValue); err != nil {
				return "", err
			}
		}
	}
	if err := t.useNonce(req.Nonce, e); err != nil {
		return "", err
	}
	return t.finish(doc)
}

func (t *txn) useNonce(nonce string, e model.Event) error {
	ts := e.Timestamp
	return t.putJSON(nonceKey(nonce), model.NonceRecord{Nonce: nonce, Used: true, TxID: e.TxID,
		DocumentID: e.DocumentID, EventType: e.Type, Timestamp: &ts})
}

// proof is an accepted signature: the document, which signer, and the evidence to freeze.
type proof struct {
	doc      *model.Document
	idx      int
	evidence model.SignatureEvidence
}

// prove runs every check of a signer's signature, with the transaction
// timestamp as the clock. The order is part of the contract (README):
// ledger facts anyone may learn first, then the certificate, then the
// signature, and only then facts that need a valid signature to learn.
func (t *txn) prove(req *model.SignatureRequest, purpose payload.Purpose, tags []string, note string) (*proof, error) {
	doc, err := t.loadDoc(req.DocumentID)
	if err != nil {
		return nil, err
	}
	if err := t.checkClock(doc); err != nil {
		return nil, err
	}
	var used model.NonceRecord
	if found, err := t.getJSON(nonceKey(req.Nonce), &used); err != nil {
		return nil, err
	} else if found {
		return nil, model.Errorf(model.CodeNonceReused, "nonce %s was used by transaction %s", req.Nonce, used.TxID)
	}
	if purpose != payload.PurposeAnnotate {
		if doc.Status != model.StatusPending {
			return nil, model.Errorf(model.CodeDocumentClosed, "document %s is %s", doc.ID, doc.Status)
		}
		if !t.now.Before(doc.ExpiresAt) {
			return nil, model.Errorf(model.CodeDocumentExpired, "document %s expired at %s", doc.ID,
				doc.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	chain, err := certchain.Parse(req.CertChainPEM)
	if err != nil {
		return nil, err
	}
	leaf := chain[0]
	if err := certchain.CheckLeaf(leaf); err != nil {
		return nil, err
	}
	if err := certchain.CheckValidity(t.now, chain...); err != nil {
		return nil, err
	}
	idx, verdict, err := t.identify(doc, chain, req.MSPID)
	if err != nil {
		return nil, err
	}
	anchor := verdict.Anchor
	signer := doc.Signers[idx]
	fp := payload.Fingerprint(leaf.Raw)
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: t.channel, DocumentID: doc.ID,
		DocumentSHA256: doc.SHA256, Nonce: req.Nonce, SignerFingerprint: fp, Reason: req.Reason, Tags: tags, Note: note})
	if err != nil {
		return nil, model.Errorf(model.CodeInvalidField, "%v", err)
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(req.Signature)
	if err != nil {
		return nil, model.Errorf(model.CodeBadSignature, "signature is not standard base64")
	}
	if err := sigalg.Verify(req.Algorithm, leaf.PublicKey, msg, sig); err != nil {
		return nil, err
	}
	rev, err := t.checkRevocation(signer.MSPID, verdict)
	if err != nil {
		return nil, err
	}
	if purpose != payload.PurposeAnnotate {
		if signer.Status != model.SignerPending {
			return nil, model.Errorf(model.CodeAlreadySigned, "%s already %s document %s", signer.Key(),
				strings.ToLower(string(signer.Status)), doc.ID)
		}
		if purpose == payload.PurposeSign && signer.RoutingOrder != doc.CurrentOrder {
			return nil, model.Errorf(model.CodeOutOfTurn, "%s has routing order %d; order %d has not finished",
				signer.Key(), signer.RoutingOrder, doc.CurrentOrder)
		}
	}
	sum := sha256.Sum256(msg)
	ev := model.SignatureEvidence{
		Signer: signer.SignerSpec, Nonce: req.Nonce, Algorithm: req.Algorithm, Signature: req.Signature,
		PayloadSHA256: hex.EncodeToString(sum[:]), CertChainPEM: chainPEM(chain), CertFingerprint: fp,
		CertSubject: leaf.Subject.String(), CertIssuer: leaf.Issuer.String(), CertSerial: certchain.SerialHex(leaf),
		CertNotBefore: leaf.NotBefore.UTC(), CertNotAfter: leaf.NotAfter.UTC(), CAFingerprint: anchor.Fingerprint,
		Reason: req.Reason,
	}
	evidenceCRL(&ev, rev)
	return &proof{doc: doc, idx: idx, evidence: ev}, nil
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
	crls := map[string]*model.CRLInfo{}
	for _, l := range v.Links {
		crl, ok := crls[l.CAFingerprint]
		if !ok {
			var c model.CRLInfo
			found, err := t.getJSON(crlKey(msp, l.CAFingerprint), &c)
			if err != nil {
				return res, err
			}
			if found {
				crl = &c
				if !c.NextUpdate.IsZero() && t.now.After(c.NextUpdate) {
					res.stale = true
				}
			}
			crls[l.CAFingerprint] = crl
		}
		if crl != nil && certchain.Revoked(crl, l.Serial) {
			return res, model.Errorf(model.CodeCertRevoked,
				"certificate serial %s (%s) is on the CRL of %s published by %s (thisUpdate %s)",
				l.Serial, clip(l.Subject), l.CAFingerprint[:16], msp, crl.ThisUpdate.Format("2006-01-02T15:04:05Z"))
		}
	}
	// The anchor issued the top link, so its CRL was read above.
	if c := crls[v.Anchor.Fingerprint]; c != nil {
		res.crl, res.found = *c, true
	}
	return res, nil
}

// evidenceCRL fills the evidence's CRL fields from a revocation check.
func evidenceCRL(ev *model.SignatureEvidence, r revocationResult) {
	if r.found {
		ev.CRLNumber = r.crl.Number
		tu := r.crl.ThisUpdate
		ev.CRLThisUpdate = &tu
	}
	ev.CRLStale = r.stale
}

// chainPEM re-encodes the submitted chain canonically for the evidence.
func chainPEM(chain []*x509.Certificate) string {
	var b strings.Builder
	for _, c := range chain {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}
