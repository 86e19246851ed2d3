// Package flow is what happens after a QR code is scanned: read the session,
// download the document, check its SHA-256 against the QR before anything
// else, show it, confirm, unlock the key with the passphrase, sign the
// canonical payload and post the signature to the relay (retrying safely).
package flow

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/i18n"
	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/prompt"
	"github.com/qrsign/qrsign/relay/signer/qrscan"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// Scanner runs scans for one stored identity.
type Scanner struct {
	Keystore *keystore.Keystore
	Prompt   prompt.Prompter
	Out      io.Writer // what a person reads; nil = io.Discard
	HTTP     *http.Client
	Retry    relayapi.Retry
	Yes      bool      // skip the confirmation
	Lang     i18n.Lang // the language of Out and the questions; "" is English
	MaxBytes int64     // largest document accepted; 0 = 256 MiB

	// Configure, if set, adjusts each relay client (tests inject sleeps).
	Configure func(*relayapi.Client)
	// Now is the clock of a .p7s's signing time; nil = time.Now.
	Now func() time.Time
}

// Request is one scan.
type Request struct {
	QR     string // the QR's text (URL "<relay>/s/<token>") or a bare token
	Relay  string // the relay's origin, needed only for a bare token
	Action string // api.ActionSign or ActionDecline
	Reason string // declines
}

// Outcome is what a completed scan produced.
type Outcome struct {
	Session       *api.Session
	ContentSHA256 string
	Result        *api.CallbackResult
}

// ReadQR turns a command-line argument into the QR's text: an http(s) URL or
// bare token is used as is; anything else is an image file to decode.
func ReadQR(arg string) (string, error) {
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		return arg, nil
	}
	if _, err := os.Stat(arg); err != nil {
		if _, perr := token.Peek(arg); perr == nil {
			return arg, nil
		}
		return "", fmt.Errorf("%s is neither a URL, a token nor a readable image: %w", arg, err)
	}
	return qrscan.DecodeFile(arg)
}

func (s *Scanner) out() io.Writer {
	if s.Out == nil {
		return io.Discard
	}
	return s.Out
}

// Run performs one scan. The QR and the relay's session are checked against
// each other, then what the session names (one document, or a batch by its
// Merkle root) against the QR, before anything is shown, asked or signed;
// then one signature is made and posted.
func (s *Scanner) Run(ctx context.Context, req Request) (*Outcome, error) {
	decline, err := checkAction(req)
	if err != nil {
		return nil, err
	}
	sc, err := s.open(ctx, req)
	if err != nil {
		return nil, err
	}
	var sub *subject
	if sc.sess.Batch != nil {
		sub, err = s.checkBatch(ctx, sc, decline)
	} else {
		sub, err = s.checkDocument(ctx, sc, decline)
	}
	if err != nil {
		return nil, err
	}
	return s.signSubject(ctx, sc, sub, req.Reason)
}

// checkAction: sign without a reason, or decline with one.
func checkAction(req Request) (decline bool, err error) {
	switch req.Action {
	case api.ActionSign:
		if req.Reason != "" {
			return false, errors.New("a reason is given only when declining")
		}
		return false, nil
	case api.ActionDecline:
		if strings.TrimSpace(req.Reason) == "" {
			return false, errors.New("declining needs a reason")
		}
		return true, nil
	}
	return false, fmt.Errorf("unknown action %q", req.Action)
}

// scan is a QR's session as the relay states it, matched to the QR's claims.
type scan struct {
	rc     *relayapi.Client
	tok    string
	claims token.Claims
	sess   *api.Session
}

// open reads the QR's token, asks its relay for the session and checks that
// the session says what the QR (which the relay signed) says.
func (s *Scanner) open(ctx context.Context, req Request) (*scan, error) {
	tok := token.FromURL(req.QR)
	claims, err := token.Peek(tok)
	if err != nil {
		return nil, fmt.Errorf("the QR code does not carry a qrsign session: %w", err)
	}
	origin := req.Relay
	if u, err := url.Parse(req.QR); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		origin = u.Scheme + "://" + u.Host
	}
	if origin == "" {
		return nil, errors.New("a bare token needs the relay's URL (--relay)")
	}
	rc, err := s.client(origin)
	if err != nil {
		return nil, err
	}
	sess, err := rc.Session(ctx, tok)
	if err != nil {
		return nil, err
	}
	if err := matchSession(claims, sess); err != nil {
		return nil, err
	}
	return &scan{rc: rc, tok: tok, claims: claims, sess: sess}, nil
}

// client is a relay client configured as this scanner's.
func (s *Scanner) client(origin string) (*relayapi.Client, error) {
	rc, err := relayapi.New(origin)
	if err != nil {
		return nil, err
	}
	rc.HTTP, rc.Retry = s.HTTP, s.Retry
	if s.Configure != nil {
		s.Configure(rc)
	}
	return rc, nil
}

// subject is what a scan signs, already checked against the QR: one
// document, or a batch by its Merkle root and size.
type subject struct {
	purpose  payload.Purpose
	action   string     // the callback's
	id       string     // the document's or the batch's
	sha256   string     // the document's hash or the batch's root
	size     int        // documents in the batch; 0 for one document
	question string     // what the person confirms
	content  []byte     // a PDF document to sign: the original, checked against the QR
	detached []byte     // another document to sign with a .p7s too: the original, checked against the QR
	batch    *batchDocs // a batch to sign: its documents, checked against the QR
}

// checkDocument downloads the session's document and checks its SHA-256
// (and size) against the QR before anything is shown, asked or signed.
func (s *Scanner) checkDocument(ctx context.Context, sc *scan, decline bool) (*subject, error) {
	sess, claims := sc.sess, sc.claims
	content, err := sc.rc.Content(ctx, contentRef(sc.rc, sess.ContentURL, claims.DocID, sc.tok), s.maxBytes())
	if err != nil {
		return nil, fmt.Errorf("downloading the document: %w", err)
	}
	sum := sha256.Sum256(content)
	got := hex.EncodeToString(sum[:])
	if got != claims.SHA256 {
		return nil, &HashMismatchError{Source: "content", Want: claims.SHA256, Got: got}
	}
	if sess.Size != 0 && int64(len(content)) != sess.Size {
		return nil, fmt.Errorf("%w: size %d announced, %d served", ErrSessionMismatch, sess.Size, len(content))
	}
	w := s.out()
	fmt.Fprint(w, s.tr("doc", printable(sess.Title, maxShown), printable(sess.DocumentID, maxShown)))
	fmt.Fprint(w, s.tr("shaMatches", got))
	fmt.Fprint(w, s.tr("size", len(content), printable(sess.MediaType, maxShown)))
	sub := &subject{purpose: payload.PurposeSign, action: api.ActionSign, id: claims.DocID, sha256: got}
	verb := s.tr("sign")
	if decline {
		sub.purpose, sub.action, verb = payload.PurposeDecline, api.ActionDecline, s.tr("decline")
	}
	sub.question = s.tr("question", verb, sess.Title, printable(sess.Signer.ID, maxShown))
	if !decline && sess.MediaType == model.PDFMediaType {
		sub.content = content
	} else if !decline && sess.P7S {
		sub.detached = content
	}
	return sub, nil
}

// signSubject shows who signs and when the session ends, confirms, checks
// the stored identity is the QR's signer, unlocks the key, signs the
// subject's payload and posts it (retrying safely).
func (s *Scanner) signSubject(ctx context.Context, sc *scan, sub *subject, reason string) (*Outcome, error) {
	sess, claims := sc.sess, sc.claims
	w := s.out()
	fmt.Fprint(w, s.tr("signer", printable(sess.Signer.ID, maxShown), printable(sess.Signer.MSPID, maxShown), sess.Signer.RoutingOrder))
	fmt.Fprint(w, s.tr("matchCode", printable(sess.MatchCode, maxShown)))
	fmt.Fprint(w, s.tr("expires", sess.ExpiresAt.UTC().Format("2006-01-02 15:04:05Z")))
	if sub.purpose.IsDecline() {
		fmt.Fprint(w, s.tr("reason", text.Escape(reason)))
	}
	pdf, batch, err := s.prepare(ctx, sc, sub)
	if err != nil {
		return nil, err
	}
	if err := s.confirm(sub.question); err != nil {
		return nil, err
	}
	cert, err := s.Keystore.Cert()
	if err != nil {
		return nil, err
	}
	if cert.Subject.CommonName != claims.SignerID {
		return nil, fmt.Errorf("%w: it names %s/%s, this client holds %q", ErrWrongSigner, claims.MSPID, claims.SignerID, cert.Subject.CommonName)
	}
	key, chain, err := s.unlock(cert.Subject.CommonName)
	if err != nil {
		return nil, err
	}
	fp := payload.Fingerprint(cert.Raw)
	post := func(pdf *clearsign.CheckedPDF, batch *clearsign.BatchSigning) (*api.CallbackResult, error) {
		f := payload.Fields{Purpose: sub.purpose, Channel: sess.Channel, DocumentID: sub.id,
			DocumentSHA256: sub.sha256, Nonce: claims.Nonce, SignerFingerprint: fp, Size: sub.size, Reason: reason}
		req := api.CallbackRequest{Token: sc.tok, Action: sub.action, CertChainPEM: chain, Algorithm: model.AlgECDSAP256DER, Reason: reason}
		if pdf != nil { // one user action signs both: the payload binds the PDF revision
			ps, err := pdf.Sign(key, cert)
			if err != nil {
				return nil, err
			}
			f.PDF, req.PDF = pdf.Payload(), ps
		}
		if sub.detached != nil { // one user action signs both: the same key signs the .p7s
			if req.P7S, err = signP7S(key, cert, sub.detached, s.now()); err != nil {
				return nil, err
			}
		}
		if batch != nil { // one user action signs the batch and each document's PDF revision or .p7s
			if req.Documents, err = batch.Sign(key, cert, s.now()); err != nil {
				return nil, err
			}
			f.PDFs = batch.PDFs
		}
		msg, err := payload.Build(f)
		if err != nil {
			return nil, err
		}
		sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
		if err != nil {
			return nil, err
		}
		req.Signature = base64.StdEncoding.EncodeToString(sig)
		return sc.rc.Callback(ctx, "/v1/callbacks/scan", req)
	}
	res, err := post(pdf, batch)
	for try := 0; (pdf != nil || batch != nil) && isProblem(err, model.CodeRevisionStale) && try < maxRePrepare; try++ {
		// Another signer's revision landed first: the same statement over
		// the new revision, checked again, signed without asking again.
		fmt.Fprint(w, s.tr("pdfChanged"))
		var npdf *clearsign.CheckedPDF
		var nbatch *clearsign.BatchSigning
		if npdf, nbatch, err = s.prepare(ctx, sc, sub); err == nil {
			if err = restated(pdf, batch, npdf, nbatch); err == nil {
				pdf, batch = npdf, nbatch
				res, err = post(pdf, batch)
			}
		}
	}
	var p *api.Problem
	if errors.As(err, &p) && p.Code == model.CodeNonceReused && !sub.purpose.IsBatch() {
		// The nonce was used after the session check: by an earlier try of
		// this very callback whose answer was lost (a relay that forgot it
		// answered)? The ledger says; only our own signature counts. (A
		// batch's answer names every document; one document's provenance
		// cannot rebuild it.)
		if mine, lerr := s.findOwn(ctx, sc, fp, sub.purpose); lerr == nil && mine != nil {
			return &Outcome{Session: sess, ContentSHA256: sub.sha256, Result: mine}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &Outcome{Session: sess, ContentSHA256: sub.sha256, Result: res}, nil
}

func (s *Scanner) maxBytes() int64 {
	if s.MaxBytes <= 0 {
		return 256 << 20
	}
	return s.MaxBytes
}

// contentRef is where a document's bytes are read: the session's URL (or the
// relay's default path) with the session token added if missing.
func contentRef(rc *relayapi.Client, ref, docID, tok string) string {
	if ref == "" {
		ref = "/v1/documents/" + url.PathEscape(docID) + "/content"
	}
	if cu, err := rc.Resolve(ref); err == nil && cu.Query().Get("token") == "" {
		q := cu.Query()
		q.Set("token", tok)
		cu.RawQuery = q.Encode()
		ref = cu.String()
	}
	return ref
}

// findOwn looks for the event this client's signature produced for the
// session's nonce in the document's provenance (read with the session token).
func (s *Scanner) findOwn(ctx context.Context, sc *scan, fp string, purpose payload.Purpose) (*api.CallbackResult, error) {
	c := sc.claims
	prc := *sc.rc
	prc.Token, prc.APIKey = sc.tok, ""
	prov, err := prc.Provenance(ctx, c.DocID)
	if err != nil {
		return nil, err
	}
	want := model.EventSignatureRecorded
	if purpose == payload.PurposeDecline {
		want = model.EventSignatureDeclined
	}
	for _, pe := range prov.Events {
		ev := pe.Event
		if ev.Type == want && ev.Signature != nil && ev.Signature.Nonce == c.Nonce && ev.Signature.CertFingerprint == fp {
			return &api.CallbackResult{TxID: ev.TxID, BlockNumber: pe.BlockNumber, ValidationCode: pe.ValidationCode,
				DocumentID: c.DocID, EventType: ev.Type, DocumentStatus: prov.Document.Status, Replayed: true}, nil
		}
	}
	return nil, nil
}

// matchSession: what the relay says about the session must be what the QR
// (which the relay signed) says.
func matchSession(c token.Claims, s *api.Session) error {
	switch {
	case s.SHA256 != c.SHA256:
		return &HashMismatchError{Source: "session", Want: c.SHA256, Got: s.SHA256}
	case s.DocumentID != c.DocID:
		return fmt.Errorf("%w: document %q, QR says %q", ErrSessionMismatch, s.DocumentID, c.DocID)
	case s.Nonce != c.Nonce:
		return fmt.Errorf("%w: nonce differs", ErrSessionMismatch)
	case s.Signer.ID != c.SignerID || s.Signer.MSPID != c.MSPID:
		return fmt.Errorf("%w: signer %s, QR says %s/%s", ErrSessionMismatch, s.Signer.Key(), c.MSPID, c.SignerID)
	case s.Channel == "":
		return fmt.Errorf("%w: no channel", ErrSessionMismatch)
	}
	return nil
}

// restated: what was prepared again after REVISION_STALE (npdf or nbatch)
// restates what the signer approved (pdf or batch), so it is signed without
// asking again; anything else is refused, nothing signed.
func restated(pdf *clearsign.CheckedPDF, batch *clearsign.BatchSigning, npdf *clearsign.CheckedPDF, nbatch *clearsign.BatchSigning) error {
	switch {
	case pdf != nil && npdf != nil:
		return pdf.Restated(npdf)
	case batch != nil && nbatch != nil:
		return batch.Restated(nbatch)
	}
	return fmt.Errorf("%w: after REVISION_STALE the relay prepared no signature of the kind the signer approved", clearsign.ErrSessionMismatch)
}
