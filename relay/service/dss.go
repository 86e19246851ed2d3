package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pdfrev"
)

// dssTimeout bounds one background DSS revision (read, build, commit, retries).
const dssTimeout = 2 * time.Minute

// dssAttempts: a DSS revision the network could not take (unavailable,
// invalidated at commit) or another org's peer refused as OUT_OF_TURN (it
// had not yet committed the completing signature's block when it endorsed:
// this relay's own peer had) is tried again, after 2 s, then 4 s.
const dssAttempts = 3

// dssUnwind is how long Close waits, after cancelling them, for the seals
// left to return (and log which documents lack their DSS).
const dssUnwind = time.Second

// sealAfter appends, in the background, the DSS revision of document id
// (just completed by a signature with a PDF revision), so the signer's
// callback does not wait for a second transaction. What still fails is
// logged; AppendDSS called again later finds the state the ledger holds.
// After Close it starts nothing: a download of the document appends the
// missing DSS later.
func (s *Service) sealAfter(ctx context.Context, id string) {
	base, ok := s.PDF.startSeal()
	if !ok {
		s.Log.Warn("DSS revision not started: the relay is shutting down; a download of the document appends it", "document", id)
		return
	}
	go func() {
		defer s.PDF.pending.Done()
		// Not the request's end (the callback has answered): a bound of its own, and Close.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dssTimeout)
		defer cancel()
		defer context.AfterFunc(base, cancel)()
		for attempt := 1; ; attempt++ {
			r, err := s.AppendDSS(ctx, id)
			var fe *fault.Error
			if err != nil && attempt < dssAttempts && errors.As(err, &fe) && (fe.Code == fault.CodeUnavailable || fe.Code == model.CodeOutOfTurn) {
				select {
				case <-time.After(time.Duration(attempt) * 2 * time.Second):
					continue
				case <-ctx.Done():
				}
			}
			if err != nil {
				s.Log.Warn("DSS revision not recorded", "document", id, "attempts", attempt, "err", err, "cause", errors.Unwrap(err))
			} else if r != nil {
				s.Log.Info("DSS revision recorded", "document", id, "revision", r.Revision, "sha256", r.SHA256)
			}
			return
		}
	}()
}

// startSeal counts one more background DSS revision and answers the context
// Close cancels; false once Close has begun.
func (p *PDFSigning) startSeal() (context.Context, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false
	}
	if p.base == nil {
		p.base, p.cancel = context.WithCancel(context.Background())
	}
	p.pending.Add(1)
	return p.base, true
}

// WaitDSS waits for the DSS revisions being appended in the background.
func (p *PDFSigning) WaitDSS() { p.pending.Wait() }

// Close ends background DSS revisions before the ledger connection goes:
// no new one starts, those under way get up to timeout to finish, then the
// rest are cancelled (a retry wait ends at once) and given dssUnwind to
// return. It reports whether all finished within timeout.
func (p *PDFSigning) Close(timeout time.Duration) bool {
	p.mu.Lock()
	p.closed = true
	cancel := p.cancel
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.pending.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
	}
	if cancel != nil {
		cancel()
	}
	t.Reset(dssUnwind)
	select {
	case <-done:
	case <-t.C:
	}
	return false
}

// AppendDSS makes a completed PDF document's signed file long-term
// verifiable (PAdES B-LT): it appends to the latest recorded revision a DSS
// increment holding every certificate its signatures and their
// time-stamps carry, each signer's CA as the ledger registers it, and the
// latest CRL the ledger holds for any of those CAs, stores it and records
// it (RecordRevision). Before, it judges the file it extends: every
// recorded revision present, each increment exactly a signed signature
// (pdfrev.Increments). It answers the DSS revision, the one already
// recorded if there is one, or nil when the document is not a completed
// PDF. Serialised with the document's other revisions.
func (s *Service) AppendDSS(ctx context.Context, id string) (*model.PDFRevision, error) {
	if s.PDF == nil {
		return nil, fault.New(fault.CodeNotFound, "this relay does not make PDF signatures (no time-stamping authority configured)")
	}
	unlock := s.PDF.lock(id)
	defer unlock()
	h, err := s.Ledger.GetHistory(ctx, id)
	if err != nil {
		return nil, fromLedger(err)
	}
	doc, err := model.Fold(h.Events)
	if err != nil {
		return nil, fault.Newf(model.CodeInternal, "the history of %s does not fold: %v", id, err)
	}
	if doc.MediaType != model.PDFMediaType || doc.Status != model.StatusCompleted || doc.Revisions == 0 {
		return nil, nil
	}
	signed := map[int]*model.SignatureEvidence{} // by revision
	for _, e := range h.Events {
		if r := e.PDFRevision(); r != nil && r.Kind == model.RevisionDSS && r.Revision == doc.Revisions {
			return r, nil
		}
		if e.Type == model.EventSignatureRecorded && e.Signature != nil && e.Signature.PDF != nil {
			signed[e.Signature.PDF.Revision] = e.Signature
		}
	}
	latest, err := s.revisionBytes(ctx, id, doc.LatestSHA256())
	if err != nil {
		return nil, err
	}
	res := pdfrev.Match(h.Events, pdfrev.Prefixes(latest))
	if !res.Complete || !res.Latest || res.UnrecognisedBytes != 0 || len(res.Revisions) != doc.Revisions+1 {
		return nil, fault.Newf(model.CodeInternal, "stored revision %d of %s is not the recorded chain 0..%d", doc.Revisions, id, doc.Revisions)
	}
	incs, err := pdfrev.Increments(latest, res)
	if err != nil {
		return nil, fault.Newf(model.CodeInternal, "stored revision %d of %s: %v", doc.Revisions, id, err)
	}
	v, err := s.validation(ctx, signed, incs)
	if err != nil {
		return nil, err
	}
	next, err := pades.AppendDSS(latest, v)
	if err != nil {
		return nil, fromPades(err)
	}
	sum := sha256.Sum256(next)
	req := model.RevisionRequest{DocumentID: id, Kind: model.RevisionDSS, Revision: doc.Revisions + 1,
		PrevSHA256: doc.LatestSHA256(), SHA256: hex.EncodeToString(sum[:])}
	nb, err := s.putNew(ctx, next)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	_, err = s.Ledger.RecordRevision(ctx, req)
	s.observe("RecordRevision", t0)
	if err != nil {
		s.dropIfRefused(ctx, err, nb)
		return nil, fromLedger(err)
	}
	return req.PDFRevision(), nil
}

// validation is what the DSS holds: certificates in the order met (each
// signature's CMS certificates, the registered CAs of its signer's org that
// issued one of them, its time-stamp token's certificates; duplicates
// once), then the latest CRL the ledger holds for each of those
// certificates that is a registered CA, in the same order.
func (s *Service) validation(ctx context.Context, signed map[int]*model.SignatureEvidence, incs []pdfrev.Increment) (pades.Validation, error) {
	var v pades.Validation
	seen := map[string]bool{}
	add := func(der []byte) {
		if !seen[string(der)] {
			seen[string(der)] = true
			v.Certs = append(v.Certs, der)
		}
	}
	trust := map[string]*model.OrgTrust{}
	var msps []string // in order met: deterministic output
	for _, inc := range incs {
		ev := signed[inc.Revision]
		if inc.Signature == nil || ev == nil {
			continue
		}
		sd, err := cms.Parse(inc.Signature.CMS)
		if err != nil {
			return v, fault.Newf(model.CodeInternal, "revision %d's CMS: %v", inc.Revision, err)
		}
		for _, c := range sd.Certs {
			add(c.Raw)
		}
		msp := ev.Signer.MSPID
		if trust[msp] == nil {
			t, err := s.Ledger.GetOrgTrust(ctx, msp)
			if err != nil {
				return v, fromLedger(err)
			}
			trust[msp] = t
			msps = append(msps, msp)
		}
		for _, ca := range trust[msp].CAs { // the CA that issued a certificate the signature carries
			der, err := pemDER(ca.CertPEM, "CERTIFICATE")
			if err != nil {
				return v, fault.Newf(model.CodeInternal, "CA %s of %s on the ledger: %v", clip(ca.Fingerprint), msp, err)
			}
			caCert, _ := x509.ParseCertificate(der)
			for _, c := range sd.Certs {
				if c.CheckSignatureFrom(caCert) == nil {
					add(der)
					break
				}
			}
		}
		tok, err := sd.Unsigned(cms.OIDSignatureTimeStamp)
		if err != nil {
			return v, fault.Newf(model.CodeInternal, "revision %d carries no signature time-stamp: %v", inc.Revision, err)
		}
		ts, err := cms.Parse(tok)
		if err != nil {
			return v, fault.Newf(model.CodeInternal, "revision %d's time-stamp token: %v", inc.Revision, err)
		}
		for _, c := range ts.Certs {
			add(c.Raw)
		}
	}
	for _, der := range v.Certs {
		fp := payload.Fingerprint(der)
		for _, msp := range msps {
			for _, crl := range trust[msp].CRLs {
				if crl.CAFingerprint != fp {
					continue
				}
				b, err := pemDER(crl.CRLPEM, "X509 CRL")
				if err != nil {
					return v, fault.Newf(model.CodeInternal, "CRL of %s on the ledger: %v", clip(fp), err)
				}
				v.CRLs = append(v.CRLs, b)
			}
		}
	}
	return v, nil
}

// pemDER is the DER of the one PEM block of type typ in text.
func pemDER(text, typ string) ([]byte, error) {
	b, rest := pem.Decode([]byte(text))
	if b == nil || b.Type != typ || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("not one PEM %s", typ)
	}
	if typ == "CERTIFICATE" {
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, err
		}
	}
	return b.Bytes, nil
}
