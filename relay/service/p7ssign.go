package service

import (
	"context"
	"crypto/x509"
	"errors"
	"io"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/token"
)

// makeP7S makes the detached CAdES-T signature (.p7s) a signer of a
// document that is not a PDF signs over its registered bytes content:
// signed attributes content-type, message-digest, signing-certificate-v2
// and signing-time, the signer's signature over them, a signature
// time-stamp of the org's TSA. It stores the .p7s by its content and
// returns its SHA-256; nothing is stored before every check passed.
func (s *Service) makeP7S(ctx context.Context, content []byte, chain []*x509.Certificate, ps api.P7SSignature) (newBlob, error) {
	if err := s.checkSignTime("p7s.time", ps.Time); err != nil {
		return newBlob{}, err
	}
	attrs, err := cms.ForContent(content, chain[0], ps.Time).Marshal()
	if err != nil {
		return newBlob{}, fault.From(err)
	}
	p7s, err := s.sealCMS(ctx, attrs, ps.Signature, "p7s.signature", chain)
	if err != nil {
		return newBlob{}, err
	}
	return s.putNew(ctx, p7s)
}

// signP7S makes the .p7s a sign callback of a document other than a PDF
// carries: the session's document must be the registered one, stored here,
// and this relay must have a TSA. It returns the stored .p7s.
func (s *Service) signP7S(ctx context.Context, claims token.Claims, req api.CallbackRequest) (newBlob, error) {
	if s.PDF == nil {
		return newBlob{}, fault.New(fault.CodeNotFound, "this relay does not make .p7s signatures (no time-stamping authority configured)")
	}
	v, err := s.Document(ctx, claims.DocID)
	if err != nil {
		return newBlob{}, err
	}
	if v.MediaType == model.PDFMediaType {
		return newBlob{}, fault.Newf(model.CodeInvalidField, "document %s is %s: its signature is a PDF revision (pdf), not a .p7s", v.ID, model.PDFMediaType)
	}
	return s.p7sFor(ctx, v, req.CertChainPEM, *req.P7S)
}

// signerNumber is signer's 1-based place in doc's signer list: the n of
// GET /v1/documents/{id}/signatures/{n}.p7s.
func signerNumber(doc *model.DocumentView, signer model.SignerSpec) int {
	for i, sg := range doc.Signers {
		if sg.Key() == signer.Key() {
			return i + 1
		}
	}
	return 0
}

// SignatureP7S opens the .p7s of document id's signer n (1-based, in the
// registered order) and returns its SHA-256.
func (s *Service) SignatureP7S(ctx context.Context, id string, n int) (io.ReadSeekCloser, string, error) {
	v, err := s.Document(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if n < 1 || n > len(v.Signers) {
		return nil, "", fault.Newf(fault.CodeNotFound, "document %s has signers 1..%d, not %d", id, len(v.Signers), n)
	}
	h, err := s.Ledger.GetHistory(ctx, id)
	if err != nil {
		return nil, "", fromLedger(err)
	}
	key := v.Signers[n-1].Key()
	sha := ""
	for _, e := range h.Events {
		if e.Signature != nil && e.Signature.P7S != nil && e.Signature.Signer.Key() == key {
			sha = e.Signature.P7S.SHA256
		}
	}
	if sha == "" {
		return nil, "", fault.Newf(fault.CodeNotFound, "signer %d of %s has no recorded .p7s", n, id)
	}
	r, _, err := s.Blobs.Open(ctx, sha)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, "", fault.Newf(fault.CodeNotFound, "the .p7s of signer %d of %s is not stored at this relay", n, id)
	}
	if err != nil {
		return nil, "", fault.From(err)
	}
	return r, sha, nil
}
