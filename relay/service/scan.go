package service

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/token"
)

// VerifyToken checks a session token: 401 TOKEN_INVALID when malformed or
// forged, 410 TOKEN_EXPIRED when past its expiry.
func (s *Service) VerifyToken(tok string) (token.Claims, error) {
	c, err := s.Sessions.Verify(tok, s.now())
	switch {
	case errors.Is(err, token.ErrExpired):
		return c, fault.Newf(fault.CodeTokenExpired, "the signing session expired at %s; ask for a new QR code",
			time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339))
	case err != nil:
		return c, fault.New(fault.CodeTokenInvalid, "the signing session token is not valid").WithCause(err)
	}
	return c, nil
}

// Session describes the session a token grants.
func (s *Service) Session(ctx context.Context, tok string) (*api.Session, error) {
	c, err := s.VerifyToken(tok)
	if err != nil {
		return nil, err
	}
	if b, ok := s.batchOfToken(c); ok {
		return s.batchSession(ctx, tok, c, b)
	}
	v, err := s.Document(ctx, c.DocID)
	if err != nil {
		return nil, err
	}
	if v.SHA256 != c.SHA256 {
		return nil, fault.New(fault.CodeTokenInvalid, "the token does not match the registered document")
	}
	if err := s.unused(ctx, c); err != nil {
		return nil, err
	}
	st := v.EffectiveStatus
	if st == "" {
		st = v.Status
	}
	signer := model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID}
	for _, sg := range v.Signers {
		if sg.Key() == signer.Key() {
			signer = sg.SignerSpec
		}
	}
	return &api.Session{Token: tok, DocumentID: v.ID, Title: v.Title, SHA256: v.SHA256, Size: v.Size, MediaType: v.MediaType,
		ContentURL: s.PublicURL + "/v1/documents/" + v.ID + "/content?token=" + tok, Signer: signer, Nonce: c.Nonce,
		Channel: s.Channel, ExpiresAt: time.Unix(c.Expiry, 0).UTC(), MatchCode: session.MatchCode(tok),
		CallbackURL: s.PublicURL + "/v1/callbacks/scan", DocumentStatus: st, P7S: s.PDF != nil && v.MediaType != model.PDFMediaType}, nil
}

// Scan turns a scan callback into a committed RecordSignature or
// DeclineSignature. It is idempotent per nonce: a retry after success gets
// the first result with Replayed set, concurrent duplicates share one
// submission, and nothing is recorded twice.
func (s *Service) Scan(ctx context.Context, c Caller, req api.CallbackRequest) (res *api.CallbackResult, err error) {
	started := time.Now()
	claims, err := s.VerifyToken(req.Token)
	op := "scan"
	switch req.Action {
	case "sign", "decline", "batch-sign", "batch-decline":
		op = req.Action
	}
	c.Who = claims.MSPID + "/" + claims.SignerID
	defer func() {
		var tx *ledger.Tx
		if res != nil {
			tx = &ledger.Tx{TxID: res.TxID, BlockNumber: res.BlockNumber, ValidationCode: res.ValidationCode}
			if res.Replayed && err == nil {
				s.opResult(c, op, claims.DocID, started, tx, nil, "replayed")
				return
			}
		}
		s.op(c, op, claims.DocID, started, tx, err)
	}()
	if err != nil {
		return nil, err
	}
	want := model.EventSignatureRecorded
	purpose := payload.PurposeSign
	switch req.Action {
	case "sign":
		if req.Reason != "" {
			return nil, fault.New(model.CodeInvalidField, "reason is only for actions decline and batch-decline")
		}
	case "decline":
		want, purpose = model.EventSignatureDeclined, payload.PurposeDecline
	case "batch-sign":
		if req.Reason != "" {
			return nil, fault.New(model.CodeInvalidField, "reason is only for actions decline and batch-decline")
		}
		purpose = payload.PurposeBatchSign
	case "batch-decline":
		want, purpose = model.EventSignatureDeclined, payload.PurposeBatchDecline
	default:
		return nil, fault.Newf(model.CodeInvalidField, "action must be sign, decline, batch-sign or batch-decline, not %q", clip(req.Action))
	}
	if req.P7S != nil && req.Action != "sign" {
		return nil, fault.New(model.CodeInvalidField, "p7s is only for action sign")
	}
	if req.PDF != nil && req.Action != "sign" {
		return nil, fault.New(model.CodeInvalidField, "pdf is only for action sign")
	}
	if req.PDF != nil && req.P7S != nil {
		return nil, fault.New(model.CodeInvalidField, "give pdf (a PDF document) or p7s (any other), not both")
	}
	if len(req.Documents) > 0 && req.Action != "batch-sign" {
		return nil, fault.New(model.CodeInvalidField, "documents is only for action batch-sign")
	}
	if len(req.Documents) > model.MaxBatchItems {
		return nil, fault.Newf(model.CodeInvalidField, "documents must list at most %d documents", model.MaxBatchItems)
	}
	// Every answer, a replay included, needs the caller's own proof: whoever
	// saw the QR holds the token, not the signer's key.
	if err := s.proveCaller(ctx, claims, req, purpose); err != nil {
		return nil, err
	}
	if r := s.recalledResult(claims.Nonce); r != nil {
		return s.replayOf(r, claims.DocID, want)
	}
	var shared bool
	res, err, shared = s.flight.do(claims.Nonce, func() (*api.CallbackResult, error) {
		if r := s.recalledResult(claims.Nonce); r != nil {
			return s.replayOf(r, claims.DocID, want) // a duplicate finished just before
		}
		// Detached from the first caller's request: if that client goes away,
		// the submission still completes and duplicates and retries get its result.
		return s.scan(context.WithoutCancel(ctx), claims, req, want, purpose)
	})
	if err != nil {
		return nil, err
	}
	if shared && !res.Replayed {
		// A concurrent duplicate submitted; this caller gets its result as a replay.
		if res.DocumentID != claims.DocID || res.EventType != want {
			return nil, fault.Newf(model.CodeNonceReused, "this signing session was already used for %s (tx %s)", res.EventType, res.TxID)
		}
		out := *res
		out.Replayed = true
		return &out, nil
	}
	return res, nil
}

// replayOf answers a retried callback from a remembered result.
func (s *Service) replayOf(r *api.CallbackResult, doc string, want model.EventType) (*api.CallbackResult, error) {
	if r.DocumentID != doc || r.EventType != want {
		return nil, fault.Newf(model.CodeNonceReused, "this signing session was already used for %s (tx %s)", r.EventType, r.TxID)
	}
	out := *r
	out.Replayed = true
	return &out, nil
}

func (s *Service) scan(ctx context.Context, claims token.Claims, req api.CallbackRequest, want model.EventType, purpose payload.Purpose) (*api.CallbackResult, error) {
	if purpose.IsBatch() {
		return s.scanBatch(ctx, claims, req, want, purpose)
	}
	sreq := model.SignatureRequest{DocumentID: claims.DocID, MSPID: claims.MSPID, Nonce: claims.Nonce, CertChainPEM: req.CertChainPEM,
		Signature: req.Signature, Algorithm: req.Algorithm, Reason: req.Reason}
	var stored []newBlob // a revision or .p7s stored before the ledger write: dropped if it is refused
	if req.PDF != nil {  // action sign (decline refused it, batches returned above)
		// A retry after a success this relay forgot: answer it, make no second revision.
		if r, err := s.fromNonce(ctx, claims, want); err != nil || r != nil {
			return r, err
		}
		rev, nb, unlock, err := s.signPDF(ctx, claims, req)
		if err != nil {
			return nil, err
		}
		defer unlock() // the next revision of this document is made after this one is on the ledger
		sreq.PDF, stored = rev, append(stored, nb)
	}
	if req.P7S != nil { // action sign of a document other than a PDF
		if r, err := s.fromNonce(ctx, claims, want); err != nil || r != nil {
			return r, err
		}
		nb, err := s.signP7S(ctx, claims, req)
		if err != nil {
			s.dropBlobs(ctx, stored...) // a revision made above never reaches the ledger
			return nil, err
		}
		sreq.P7S, stored = &model.P7S{SHA256: nb.SHA256}, append(stored, nb)
	}
	var w *ledger.Written
	var err error
	t0 := time.Now()
	if want == model.EventSignatureDeclined {
		w, err = s.Ledger.DeclineSignature(ctx, sreq)
		s.observe("DeclineSignature", t0)
	} else {
		w, err = s.Ledger.RecordSignature(ctx, sreq)
		s.observe("RecordSignature", t0)
	}
	if err != nil {
		return s.writeFailed(ctx, err, claims, want, stored...)
	}
	res := &api.CallbackResult{TxID: w.TxID, BlockNumber: w.BlockNumber, ValidationCode: w.ValidationCode, DocumentID: claims.DocID,
		EventType: want}
	if d := w.Result.Document; d != nil {
		res.DocumentStatus = d.Status
	}
	if r := sreq.PDF; r != nil && res.DocumentStatus == model.StatusCompleted {
		s.sealAfter(ctx, claims.DocID) // B-LT: the DSS revision after the last signature
	}
	if r := sreq.PDF; r != nil {
		res.Revision = &api.PDFRevisionResult{Revision: r.Revision, SHA256: r.SHA256,
			URL: fmt.Sprintf("%s/v1/documents/%s/signed.pdf?revision=%d", s.PublicURL, claims.DocID, r.Revision)}
	}
	if p := sreq.P7S; p != nil && w.Result.Document != nil {
		res.P7S = &api.P7SResult{SHA256: p.SHA256, URL: fmt.Sprintf("%s/v1/documents/%s/signatures/%d.p7s", s.PublicURL, claims.DocID,
			signerNumber(w.Result.Document, model.SignerSpec{ID: claims.SignerID, MSPID: claims.MSPID}))}
	}
	s.rememberResult(claims.Nonce, res)
	return res, nil
}

// proveCaller checks the proof a scan callback carries (preVerify) over
// the payload its session and action name: a document's hash, or a batch's
// Merkle root and size. Scan runs it before any answer, so a replayed token
// with another proof is refused like any bad callback, never answered with
// the first result.
func (s *Service) proveCaller(ctx context.Context, claims token.Claims, req api.CallbackRequest, purpose payload.Purpose) error {
	sreq := model.SignatureRequest{DocumentID: claims.DocID, MSPID: claims.MSPID, Nonce: claims.Nonce, CertChainPEM: req.CertChainPEM,
		Signature: req.Signature, Algorithm: req.Algorithm, Reason: req.Reason}
	f := payload.Fields{Purpose: purpose, Channel: s.Channel, DocumentID: claims.DocID,
		DocumentSHA256: claims.SHA256, Nonce: claims.Nonce, Reason: req.Reason, PDF: pdfPayload(req.PDF)}
	if purpose.IsBatch() {
		b, ok := s.batchOfToken(claims)
		if !ok {
			return fault.New(fault.CodeTokenInvalid, "the token is not a session of a batch at this relay")
		}
		// The batch request carries its reason beside the signature, not in it.
		sreq.DocumentID, sreq.Reason = b.ID, ""
		f.DocumentID, f.DocumentSHA256, f.Size = b.ID, b.Root, len(b.Documents)
		var err error
		if f.PDFs, err = batchPDFs(req.Documents); err != nil {
			return err
		}
	}
	return s.preVerify(ctx, claims.MSPID, claims.SignerID, &sreq, f)
}

// preVerify checks a signer proof before anything reaches the ledger: the
// chain parses strictly, its leaf is issued to signerID (403 NOT_A_SIGNER)
// by a signer CA of mspID (422 UNTRUSTED_CHAIN), the request has the
// chaincode's shape, the signature is strict base64 and verifies over the
// payload with the leaf key (422 BAD_SIGNATURE).
func (s *Service) preVerify(ctx context.Context, mspID, signerID string, sreq *model.SignatureRequest, f payload.Fields) error {
	chain, err := parseChain(sreq.CertChainPEM)
	if err != nil {
		return err
	}
	cert := chain[0]
	if cert.Subject.CommonName != signerID {
		return fault.Newf(model.CodeNotASigner, "the certificate is issued to %q, but this session is for %q",
			clip(cert.Subject.CommonName), signerID)
	}
	if err := sreq.Validate(); err != nil {
		return fault.From(err)
	}
	if err := verifyProof(cert, sreq, f); err != nil {
		return err
	}
	return s.checkOrg(ctx, mspID, chain)
}

// verifyProof: the signature of a validated request is strict base64 and
// verifies over the payload f (bound to the leaf's fingerprint) with the
// leaf's key (422 BAD_SIGNATURE).
func verifyProof(cert *x509.Certificate, sreq *model.SignatureRequest, f payload.Fields) error {
	sig, err := base64.StdEncoding.Strict().DecodeString(sreq.Signature)
	if err != nil {
		return fault.New(model.CodeBadSignature, "signature is not standard base64")
	}
	f.SignerFingerprint = payload.Fingerprint(cert.Raw)
	msg, err := payload.Build(f)
	if err != nil {
		return fault.New(model.CodeInvalidField, err.Error())
	}
	if err := sigalg.Verify(sreq.Algorithm, cert.PublicKey, msg, sig); err != nil {
		return fault.From(err)
	}
	return nil
}

// unused: a session whose nonce the ledger records as used is spent (409
// NONCE_REUSED); its callback is still answered from the record.
func (s *Service) unused(ctx context.Context, c token.Claims) error {
	nr, err := s.Ledger.GetNonce(ctx, c.Nonce)
	if err != nil {
		return fromLedger(err)
	}
	if nr.Used {
		return fault.Newf(model.CodeNonceReused, "this signing session was already used (tx %s)", nr.TxID)
	}
	return nil
}

// writeFailed answers a callback whose ledger write failed with err: the
// files stored for it go when the write certainly wrote nothing, and a
// refusal may be a retry of a success this relay does not remember (restart,
// another replica), which the nonce record answers.
func (s *Service) writeFailed(ctx context.Context, err error, claims token.Claims, want model.EventType, stored ...newBlob) (*api.CallbackResult, error) {
	s.dropIfRefused(ctx, err, stored...)
	if code, rejected := ledger.CodeOf(err); rejected {
		if r, rerr := s.fromNonceAfter(ctx, claims, want, code); rerr != nil || r != nil {
			return r, rerr
		}
	}
	return nil, fromLedger(err)
}

// fromNonce answers from the ledger's nonce record: the first result
// (replayed) if the nonce was used for this document and action, 409
// NONCE_REUSED if for something else, nil if unused.
func (s *Service) fromNonce(ctx context.Context, claims token.Claims, want model.EventType) (*api.CallbackResult, error) {
	nr, err := s.Ledger.GetNonce(ctx, claims.Nonce)
	if err != nil || !nr.Used {
		return nil, nil
	}
	return s.answerFromNonce(ctx, claims, want, nr)
}

// fromNonceAfter is fromNonce after the chaincode refused a submission with
// code: NONCE_REUSED and ALREADY_SIGNED say the answer is committed, yet the
// peer that evaluates GetNonce may not have that block yet (it is not the
// one that endorsed), so an unused record is read again for a moment before
// the refusal stands.
func (s *Service) fromNonceAfter(ctx context.Context, claims token.Claims, want model.EventType, code model.Code) (*api.CallbackResult, error) {
	wait := 50 * time.Millisecond
	for i := 0; ; i++ {
		nr, err := s.Ledger.GetNonce(ctx, claims.Nonce)
		if err == nil && nr.Used {
			return s.answerFromNonce(ctx, claims, want, nr)
		}
		if (code != model.CodeNonceReused && code != model.CodeAlreadySigned) || i == 5 {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(wait):
			wait *= 2 // 50 ms … 1.6 s: a few blocks at the default batch timeout
		}
	}
}

// answerFromNonce answers from a used nonce record: the first result
// (replayed), or NONCE_REUSED if it answered something else.
func (s *Service) answerFromNonce(ctx context.Context, claims token.Claims, want model.EventType, nr *model.NonceRecord) (*api.CallbackResult, error) {
	answered := nr.DocumentID
	if nr.BatchID != "" { // a batch answer's record names the batch, not a document
		answered = nr.BatchID
	}
	if answered != claims.DocID || nr.EventType != want {
		return nil, fault.Newf(model.CodeNonceReused, "this signing session was already used for %s (tx %s)", nr.EventType, nr.TxID)
	}
	block, err := s.Ledger.BlockOfTx(ctx, nr.TxID)
	if err != nil {
		return nil, fromLedger(err)
	}
	res := &api.CallbackResult{TxID: nr.TxID, BlockNumber: block, ValidationCode: "VALID", DocumentID: claims.DocID, EventType: nr.EventType}
	if nr.BatchID != "" {
		// The documents it answered are those its transaction appended to.
		page, err := s.Ledger.ListByTx(ctx, nr.TxID)
		if err != nil {
			return nil, fromLedger(err)
		}
		for _, r := range page.Records {
			res.Documents = append(res.Documents, r.ID)
		}
		res.DocumentStatus = model.StatusPending
		if want == model.EventSignatureDeclined {
			res.DocumentStatus = model.StatusDeclined
		}
	} else if d, err := s.Ledger.GetDocument(ctx, claims.DocID); err == nil {
		res.DocumentStatus = d.Status
	}
	s.rememberResult(claims.Nonce, res)
	out := *res
	out.Replayed = true
	return &out, nil
}
