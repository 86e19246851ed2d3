package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/token"
	"github.com/qrsign/qrsign/relay/tsa"
)

// PDFSigning makes the PDF revisions signers sign (issue 13): each signature
// is an incremental update of the latest recorded revision, stamped by the
// org's time-stamping authority (PAdES B-T). One document's revisions are
// made one at a time, from the stale check to the ledger commit, so parallel
// signers never sign over the same revision twice.
type PDFSigning struct {
	TSA *tsa.Client
	// MaxSkew bounds how far a signature's stated time (/M) may lie from
	// the relay's clock; 0 means DefaultPDFSkew.
	MaxSkew time.Duration

	mu      sync.Mutex
	locks   map[string]*docLock
	pending sync.WaitGroup // DSS revisions being appended (sealAfter)
	closed  bool           // set by Close: no pending.Add after it, so Close's Wait is sound
	base    context.Context
	cancel  context.CancelFunc // ends base: Close's last word to the seals left
}

// DefaultPDFSkew: a signer may take a while between reading the increment
// and signing it; the time-stamp, not /M, is the proven time.
const DefaultPDFSkew = time.Hour

type docLock struct {
	sync.Mutex
	users int
}

// lock serialises the revisions of one document; it returns the unlock.
func (p *PDFSigning) lock(id string) func() {
	p.mu.Lock()
	if p.locks == nil {
		p.locks = map[string]*docLock{}
	}
	l := p.locks[id]
	if l == nil {
		l = &docLock{}
		p.locks[id] = l
	}
	l.users++
	p.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		p.mu.Lock()
		if l.users--; l.users == 0 {
			delete(p.locks, id)
		}
		p.mu.Unlock()
	}
}

// pdfStatement is what revision rev states about signer's signature; a
// function of the document, the signer, the revision and the time only, so
// the callback's time lets the relay prepare the very same increment again.
func pdfStatement(signer model.SignerSpec, rev int, at time.Time) pades.Signature {
	return pades.Signature{Kind: pades.CAdES, Field: fmt.Sprintf("qrsign-%d", rev), Name: signer.ID,
		Reason: "Signed with qrsign for " + signer.MSPID, Time: at}
}

// PreparePDF answers GET /v1/sessions/{token}/pdf: the increment a signer of
// a PDF document signs over the latest recorded revision, stated now.
func (s *Service) PreparePDF(ctx context.Context, tok string) (*api.PDFIncrement, error) {
	c, v, err := s.pdfSession(ctx, tok)
	if err != nil {
		return nil, err
	}
	if err := s.unused(ctx, c); err != nil {
		return nil, err // a used session signs nothing more: no increment to prepare
	}
	return s.prepareIncrement(ctx, v, model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID}, tok)
}

// prepareIncrement is the increment signer signs over document v's latest
// recorded revision, stated now; tok reads the previous revision.
func (s *Service) prepareIncrement(ctx context.Context, v *model.DocumentView, signer model.SignerSpec, tok string) (*api.PDFIncrement, error) {
	prev, err := s.revisionBytes(ctx, v.ID, v.LatestSHA256())
	if err != nil {
		return nil, err
	}
	rev := v.Revisions + 1
	p, err := pades.Prepare(prev, pdfStatement(signer, rev, s.now()))
	if err != nil {
		return nil, fromPades(err)
	}
	return &api.PDFIncrement{Revision: rev, PrevSHA256: v.LatestSHA256(),
		PrevURL:   fmt.Sprintf("%s/v1/documents/%s/signed.pdf?revision=%d&token=%s", s.PublicURL, v.ID, v.Revisions, tok),
		Increment: p.Increment, Field: p.Signature.Field, Name: p.Signature.Name, Reason: p.Signature.Reason,
		Time: p.Signature.Time, Digest: hex.EncodeToString(p.Digest[:])}, nil
}

// pdfSession is the session's document, which must be a PDF this relay signs.
func (s *Service) pdfSession(ctx context.Context, tok string) (token.Claims, *model.DocumentView, error) {
	c, err := s.VerifyToken(tok)
	if err != nil {
		return c, nil, err
	}
	if s.PDF == nil {
		return c, nil, fault.New(fault.CodeNotFound, "this relay does not make PDF signatures (no time-stamping authority configured)")
	}
	if _, ok := s.batchOfToken(c); ok {
		return c, nil, fault.New(model.CodeInvalidField, "a batch session has no single PDF revision")
	}
	v, err := s.Document(ctx, c.DocID)
	if err != nil {
		return c, nil, err
	}
	if v.SHA256 != c.SHA256 {
		return c, nil, fault.New(fault.CodeTokenInvalid, "the token does not match the registered document")
	}
	if v.MediaType != model.PDFMediaType {
		return c, nil, fault.Newf(model.CodeInvalidField, "document %s is %s: only %s documents get PDF signatures", v.ID, v.MediaType, model.PDFMediaType)
	}
	return c, v, nil
}

// pdfPayload is the PDF part of the payload a sign callback's proof covers.
func pdfPayload(p *api.PDFSignature) *payload.PDF {
	if p == nil {
		return nil
	}
	return &payload.PDF{Revision: p.Revision, PrevSHA256: p.PrevSHA256, Digest: p.Digest}
}

// signPDF makes the revision a sign callback's PDF signature adds: it holds
// the document's lock (the caller unlocks after the ledger write), refuses a
// stale revision with REVISION_STALE, prepares the increment again at the
// stated time and demands the signed digest, checks the signature over the
// CMS signed attributes, has the TSA stamp it, embeds it and stores the new
// revision. Nothing reaches the ledger or the blob store before every check.
func (s *Service) signPDF(ctx context.Context, claims token.Claims, req api.CallbackRequest) (*model.PDFRevision, newBlob, func(), error) {
	_, v, err := s.pdfSession(ctx, req.Token)
	if err != nil {
		return nil, newBlob{}, nil, err
	}
	unlock := s.PDF.lock(v.ID)
	rev, nb, err := s.makeRevision(ctx, v.ID, model.SignerSpec{ID: claims.SignerID, MSPID: claims.MSPID}, req.PDF, req.CertChainPEM)
	if err != nil {
		unlock()
		return nil, nb, nil, err
	}
	return rev, nb, unlock, nil
}

// makeRevision makes the revision signer's PDF signature ps adds to document
// id, under the document's lock.
func (s *Service) makeRevision(ctx context.Context, id string, signer model.SignerSpec, ps *api.PDFSignature, chainPEM string) (*model.PDFRevision, newBlob, error) {
	v, err := s.Document(ctx, id) // again, under the lock: another signer's revision may just have landed
	if err != nil {
		return nil, newBlob{}, err
	}
	if ps.Revision != v.Revisions+1 || ps.PrevSHA256 != v.LatestSHA256() {
		return nil, newBlob{}, fault.Newf(model.CodeRevisionStale, "the PDF revision %d over %s is stale: the latest is revision %d (%s); fetch the increment again and sign it",
			ps.Revision, clip(ps.PrevSHA256), v.Revisions, v.LatestSHA256())
	}
	if err := s.checkSignTime("pdf.time", ps.Time); err != nil {
		return nil, newBlob{}, err
	}
	prev, err := s.revisionBytes(ctx, v.ID, ps.PrevSHA256)
	if err != nil {
		return nil, newBlob{}, err
	}
	p, err := pades.Prepare(prev, pdfStatement(signer, ps.Revision, ps.Time))
	if err != nil {
		return nil, newBlob{}, fromPades(err)
	}
	if hex.EncodeToString(p.Digest[:]) != ps.Digest {
		return nil, newBlob{}, fault.Newf(model.CodeBadSignature, "pdf.digest is not the digest of revision %d's increment at %s", ps.Revision, ps.Time.UTC().Format(time.RFC3339))
	}
	chain, err := parseChain(chainPEM)
	if err != nil {
		return nil, newBlob{}, err
	}
	attrs, err := pades.Attributes(p.Digest, chain[0]).Marshal()
	if err != nil {
		return nil, newBlob{}, fault.From(err)
	}
	stamped, err := s.sealCMS(ctx, attrs, ps.Signature, "pdf.signature", chain)
	if err != nil {
		return nil, newBlob{}, err
	}
	next, err := pades.Embed(p, stamped)
	if err != nil {
		return nil, newBlob{}, fromPades(err)
	}
	nb, err := s.putNew(ctx, next)
	if err != nil {
		return nil, nb, err
	}
	return &model.PDFRevision{Revision: ps.Revision, PrevSHA256: ps.PrevSHA256, Digest: ps.Digest, SHA256: nb.SHA256}, nb, nil
}

// newBlob is content a request stored: Fresh unless the store held it before.
type newBlob struct {
	SHA256 string
	Fresh  bool
}

// putNew stores b by its SHA-256.
func (s *Service) putNew(ctx context.Context, b []byte) (newBlob, error) {
	sum := sha256.Sum256(b)
	nb := newBlob{SHA256: hex.EncodeToString(sum[:])}
	switch _, err := s.Blobs.Stat(ctx, nb.SHA256); {
	case errors.Is(err, blob.ErrNotFound):
		nb.Fresh = true
	case err != nil:
		return nb, fault.From(err)
	}
	if _, err := s.Blobs.Put(ctx, bytes.NewReader(b), nb.SHA256); err != nil {
		return newBlob{}, fault.From(err)
	}
	return nb, nil
}

// dropIfRefused deletes the blobs a request stored for a ledger write that
// certainly wrote nothing (rejected, invalidated at commit, the org not a
// member), so no revision or .p7s the ledger never recorded stays behind.
// After any other failure (unavailable: the transaction may yet have
// committed) they stay.
func (s *Service) dropIfRefused(ctx context.Context, werr error, blobs ...newBlob) {
	if !certainlyRefused(werr) {
		return
	}
	s.dropBlobs(ctx, blobs...)
}

// certainlyRefused says whether a failed ledger write certainly wrote
// nothing (rejected, invalidated at commit, the org not a member).
func certainlyRefused(werr error) bool {
	return errors.Is(werr, ledger.ErrRejected) || errors.Is(werr, ledger.ErrInvalidated) || errors.Is(werr, ledger.ErrNotMember)
}

// dropBlobs deletes the blobs this request stored (Fresh), whose ledger
// write was refused or never made.
func (s *Service) dropBlobs(ctx context.Context, blobs ...newBlob) {
	for _, b := range blobs {
		if !b.Fresh {
			continue
		}
		if err := s.Blobs.Delete(context.WithoutCancel(ctx), b.SHA256); err != nil {
			s.Log.Warn("a refused write's blob stays", "sha256", b.SHA256, "err", err)
		}
	}
}

// revisionBytes reads a stored revision of document id and checks its hash.
func (s *Service) revisionBytes(ctx context.Context, id, sha string) ([]byte, error) {
	r, _, err := s.Blobs.Open(ctx, sha)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fault.Newf(fault.CodeNotFound, "revision %s of %s is not stored at this relay", clip(sha), id)
	}
	if err != nil {
		return nil, fault.From(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fault.From(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sha {
		return nil, fault.Newf(model.CodeInternal, "stored revision %s of %s does not hash to its name", clip(sha), id)
	}
	return b, nil
}

// SignedPDF opens revision n of a PDF document (0 is the registered file,
// nil the latest recorded one) and says which revision it is.
func (s *Service) SignedPDF(ctx context.Context, id string, n *int) (io.ReadSeekCloser, *model.PDFRevision, error) {
	v, err := s.Document(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if v.MediaType != model.PDFMediaType {
		return nil, nil, fault.Newf(fault.CodeNotFound, "document %s is %s: it has no signed PDF", id, v.MediaType)
	}
	if n == nil && v.Status == model.StatusCompleted && v.Revisions > 0 && v.Revisions == signedCount(v) && s.PDF != nil {
		// Completed but no DSS revision after the signatures' (its background
		// append failed, or the relay restarted before it): append it now, so
		// the file served is the long-term verifiable one. A failure is logged
		// and the signed file served as it is.
		if r, err := s.AppendDSS(ctx, id); err != nil {
			s.Log.Warn("DSS revision not recorded on download", "document", id, "err", err, "cause", errors.Unwrap(err))
		} else if r != nil && r.Revision > v.Revisions {
			if v, err = s.Document(ctx, id); err != nil {
				return nil, nil, err
			}
		}
	}
	want := v.Revisions
	if n != nil {
		want = *n
	}
	if want < 0 || want > v.Revisions {
		return nil, nil, fault.Newf(fault.CodeNotFound, "document %s has revisions 0..%d, not %d", id, v.Revisions, want)
	}
	rev := &model.PDFRevision{Revision: 0, SHA256: v.SHA256}
	if want > 0 {
		if rev, err = s.recordedRevision(ctx, id, want); err != nil {
			return nil, nil, err
		}
	}
	r, _, err := s.Blobs.Open(ctx, rev.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil, fault.Newf(fault.CodeNotFound, "revision %d of %s is not stored at this relay", want, id)
	}
	if err != nil {
		return nil, nil, fault.From(err)
	}
	return r, rev, nil
}

// signedCount is how many of doc's signers signed: each signature of a PDF
// document made one revision, so a completed document whose revisions are as
// many has no DSS revision yet.
func signedCount(doc *model.DocumentView) int {
	n := 0
	for _, sg := range doc.Signers {
		if sg.Status == model.SignerSigned {
			n++
		}
	}
	return n
}

// recordedRevision is revision n as the document's events record it.
func (s *Service) recordedRevision(ctx context.Context, id string, n int) (*model.PDFRevision, error) {
	h, err := s.Ledger.GetHistory(ctx, id)
	if err != nil {
		return nil, fromLedger(err)
	}
	for _, e := range h.Events {
		if r := e.PDFRevision(); r != nil && r.Revision == n {
			return r, nil
		}
	}
	return nil, fault.Newf(fault.CodeNotFound, "document %s has no recorded revision %d", id, n)
}

// fromPades maps relay/pades's codes to problems (422 each).
func fromPades(err error) error {
	var pe *pades.Error
	if errors.As(err, &pe) {
		return fault.New(model.Code(pe.Code), pe.Msg).WithCause(err)
	}
	return fault.From(err)
}
