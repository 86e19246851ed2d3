package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/session"
)

// Upload stores content (when not nil) and registers the document on the
// ledger. content is read twice: first hashed and checked against the
// metadata (sha256, size, a PDF's header), then stored; a refused upload
// stores nothing (a blob it stored is dropped when the ledger refuses it).
func (s *Service) Upload(ctx context.Context, c Caller, meta api.UploadMeta, content io.ReadSeeker, contentType string) (_ *api.Registered, err error) {
	started := time.Now()
	var tx *ledger.Tx
	defer func() { s.op(c, "register", meta.ID, started, tx, err) }()
	now := s.now()
	derived := meta.ID == ""
	if derived {
		meta.ID = "doc-pending" // placeholder for validation; set once the hash is known
	}
	req := model.RegisterDocumentRequest{ID: meta.ID, MediaType: meta.MediaType, Title: meta.Title, DocType: meta.DocType,
		Owner: meta.Owner, Signers: meta.Signers, Priority: meta.Priority, BatchID: meta.BatchID, BatchOrder: meta.BatchOrder}
	if req.ExpiresAt, err = s.expiry(meta.ExpiresAt, now); err != nil {
		return nil, err
	}
	var stored newBlob // dropped if the ledger refuses the registration
	if content != nil {
		if req.MediaType == "" {
			req.MediaType = mediaTypeOf(contentType)
		}
		if meta.SHA256 != "" && !model.ValidSHA256(meta.SHA256) {
			return nil, fault.New(model.CodeInvalidField, "sha256 must be 64 lowercase hex characters")
		}
		// Validate the metadata before storing bytes (hash and size are placeholders).
		probe := req
		probe.SHA256, probe.Size = strings.Repeat("0", 64), 0
		if err := probe.Validate(now); err != nil {
			return nil, fault.From(err)
		}
		if req.SHA256, req.Size, err = s.checkContent(content, meta, req.MediaType); err != nil {
			return nil, err
		}
		if stored, err = s.putChecked(ctx, content, req.SHA256); err != nil {
			return nil, err
		}
	} else {
		if meta.Size == nil {
			return nil, fault.New(model.CodeBadRequest, "a JSON registration needs sha256 and size (or upload the file as multipart)")
		}
		req.SHA256, req.Size = meta.SHA256, *meta.Size
		if req.MediaType == "" {
			req.MediaType = "application/octet-stream"
		}
	}
	if derived {
		req.ID = uploadID(c.Who, c.IdempotencyKey, req)
		meta.ID = req.ID
	}
	if err := req.Validate(now); err != nil {
		s.dropBlobs(ctx, stored)
		return nil, fault.From(err)
	}
	t0 := time.Now()
	w, err := s.Ledger.RegisterDocument(ctx, req)
	s.observe("RegisterDocument", t0)
	if code, _ := ledger.CodeOf(err); code == model.CodeDocumentExists && derived {
		// A retry (after a 503, a lost answer): answer the registered
		// document if it is the same one, never register a second.
		out, rerr := s.replayUpload(ctx, req, meta.ExpiresAt != nil, now)
		if rerr != nil {
			s.dropIfRefused(ctx, err, stored)
		}
		return out, rerr
	}
	if err != nil {
		s.dropIfRefused(ctx, err, stored)
		return nil, fromLedger(err)
	}
	tx = &w.Tx
	view := w.Result.Document
	if view == nil {
		if view, err = s.Ledger.GetDocument(ctx, req.ID); err != nil {
			return nil, fromLedger(err)
		}
	}
	out := &api.Registered{Document: view, TxID: w.TxID, BlockNumber: w.BlockNumber}
	for _, sg := range req.Signers {
		link, err := s.link(view, sg, now)
		if err != nil {
			return nil, err
		}
		out.Signing = append(out.Signing, link)
	}
	return out, nil
}

// uploadID names a document the caller did not name, so that a retried
// upload maps to the same id: from the Idempotency-Key (per caller) when one
// is given, else from what the document is (hash, owner, signers, title).
func uploadID(who, key string, r model.RegisterDocumentRequest) string {
	h := sha256.New()
	if key != "" {
		fmt.Fprintf(h, "qrsign-upload-key/1\n%s\n%s", who, key)
	} else {
		fmt.Fprintf(h, "qrsign-upload/1\n%s\n%s\n%s\n%s\n%s\n%s", who, r.SHA256, r.Owner, r.Title, r.DocType, r.BatchID)
		for _, sg := range r.Signers {
			fmt.Fprintf(h, "\n%s/%s/%d", sg.MSPID, sg.ID, sg.RoutingOrder)
		}
	}
	return "doc-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// checkContent hashes content (from its start) and checks it against what
// the metadata declares: its sha256 and size, and a PDF's header when
// mediaType is PDF. It returns the hash and size.
func (s *Service) checkContent(content io.ReadSeeker, meta api.UploadMeta, mediaType string) (string, int64, error) {
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", 0, fault.From(err)
	}
	h := sha256.New()
	head := &headWriter{max: PDFHeaderWindow}
	n, err := io.Copy(io.MultiWriter(h, head), content)
	if err != nil {
		return "", 0, fault.From(err)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	switch {
	case meta.SHA256 != "" && sha != meta.SHA256:
		return "", 0, fault.Newf(fault.CodeHashMismatch, "the file's sha256 is %s, metadata says %s", sha, meta.SHA256)
	case meta.Size != nil && n != *meta.Size:
		return "", 0, fault.Newf(fault.CodeHashMismatch, "the file is %d bytes, metadata says size %d", n, *meta.Size)
	case mediaType == model.PDFMediaType && !HasPDFHeader(head.b):
		return "", 0, fault.Newf(model.Code(pades.CodeNotPDF), "the file is not a PDF (no %%PDF- header in its first %d bytes), though its media type is %s", PDFHeaderWindow, model.PDFMediaType)
	}
	return sha, n, nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if k := w.max - len(w.b); k > 0 {
		w.b = append(w.b, p[:min(k, len(p))]...)
	}
	return len(p), nil
}

// putChecked stores content (from its start), whose hash checkContent
// computed, saying whether this request stored it (Fresh).
func (s *Service) putChecked(ctx context.Context, content io.ReadSeeker, sha string) (newBlob, error) {
	nb := newBlob{SHA256: sha}
	switch _, err := s.Blobs.Stat(ctx, sha); {
	case errors.Is(err, blob.ErrNotFound):
		nb.Fresh = true
	case err != nil:
		return newBlob{}, fault.From(err)
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return newBlob{}, fault.From(err)
	}
	_, err := s.Blobs.Put(ctx, content, sha)
	switch {
	case errors.Is(err, blob.ErrTooLarge):
		return newBlob{}, fault.New(fault.CodePayloadTooLarge, "the file is larger than this relay accepts")
	case err != nil:
		return newBlob{}, fault.From(err)
	}
	return nb, nil
}

// replayUpload answers a retried upload whose derived id the ledger holds:
// the registered document if the retry asks for the same one (bytes and
// every metadata field; expiresAt when the retry names one), else 409.
func (s *Service) replayUpload(ctx context.Context, req model.RegisterDocumentRequest, namedExpiry bool, now time.Time) (*api.Registered, error) {
	v, err := s.Ledger.GetDocument(ctx, req.ID)
	if err != nil {
		return nil, fromLedger(err)
	}
	same := v.SHA256 == req.SHA256 && v.Owner == req.Owner && v.Title == req.Title && v.DocType == req.DocType &&
		v.MediaType == req.MediaType && v.Priority == req.Priority && v.BatchID == req.BatchID && v.BatchOrder == req.BatchOrder &&
		(!namedExpiry || v.ExpiresAt.Equal(req.ExpiresAt)) && len(v.Signers) == len(req.Signers)
	for i := 0; same && i < len(req.Signers); i++ {
		same = v.Signers[i].SignerSpec == req.Signers[i]
	}
	if !same {
		return nil, fault.Newf(model.CodeDocumentExists, "document %s was registered by an earlier request with this Idempotency-Key but different content or metadata", req.ID)
	}
	out := &api.Registered{Document: v, TxID: v.CreatedTxID, Replayed: true}
	if b, err := s.Ledger.BlockOfTx(ctx, v.CreatedTxID); err == nil {
		out.BlockNumber = b
	}
	for _, sg := range req.Signers {
		link, err := s.link(v, sg, now)
		if err != nil {
			return nil, err
		}
		out.Signing = append(out.Signing, link)
	}
	return out, nil
}

func (s *Service) link(d *model.DocumentView, sg model.SignerSpec, now time.Time) (api.SigningLink, error) {
	sess, err := s.Sessions.Issue(d.ID, d.SHA256, sg, d.ExpiresAt, now)
	if err != nil {
		return api.SigningLink{}, fault.From(err)
	}
	return api.SigningLink{Signer: sg, URL: s.PublicURL + "/s/" + sess.Token, Token: sess.Token,
		QRURL:     "/v1/documents/" + url.PathEscape(d.ID) + "/qr.png?signer=" + url.QueryEscape(sg.Key()),
		MatchCode: sess.MatchCode, ExpiresAt: sess.ExpiresAt}, nil
}

func mediaTypeOf(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "" {
		return "application/octet-stream"
	}
	return ct
}

// Document returns the ledger's view of a document.
func (s *Service) Document(ctx context.Context, id string) (*model.DocumentView, error) {
	if !model.ValidID(id) {
		return nil, fault.Newf(model.CodeDocumentNotFound, "no document %q", clip(id))
	}
	v, err := s.Ledger.GetDocument(ctx, id)
	if err != nil {
		return nil, fromLedger(err)
	}
	s.contents.keep(v)
	return v, nil
}

// Content opens a document's original bytes, reading the ledger only when
// its ContentInfo is not kept yet.
func (s *Service) Content(ctx context.Context, id string) (io.ReadSeekCloser, ContentInfo, error) {
	ci, ok := s.contents.get(id)
	if !ok {
		if _, err := s.Document(ctx, id); err != nil {
			return nil, ContentInfo{}, err
		}
		ci, _ = s.contents.get(id)
	}
	r, _, err := s.Blobs.Open(ctx, ci.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, ContentInfo{}, fault.Newf(fault.CodeNotFound, "the content of %s is not stored at this relay", id)
	}
	if err != nil {
		return nil, ContentInfo{}, fault.From(err)
	}
	return r, ci, nil
}

// SignerSession issues the current session of signer ("mspId/id") on a document.
func (s *Service) SignerSession(ctx context.Context, docID, signer string) (*session.Session, error) {
	v, err := s.Document(ctx, docID)
	if err != nil {
		return nil, err
	}
	for _, st := range v.Signers {
		if st.Key() == signer {
			if v.Status != model.StatusPending {
				return nil, fault.Newf(model.CodeDocumentClosed, "document %s is %s", v.ID, v.Status)
			}
			if st.Status != model.SignerPending {
				return nil, fault.Newf(model.CodeAlreadySigned, "%s already %s document %s", signer, strings.ToLower(string(st.Status)), v.ID)
			}
			sess, err := s.Sessions.Issue(v.ID, v.SHA256, st.SignerSpec, v.ExpiresAt, s.now())
			if err != nil {
				return nil, fault.From(err)
			}
			return &sess, nil
		}
	}
	return nil, fault.Newf(fault.CodeNotFound, "%q is not a signer of document %s", clip(signer), v.ID)
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
