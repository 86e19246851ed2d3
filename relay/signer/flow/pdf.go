package flow

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
)

// CheckedPDF is a PDF revision this client judged itself: prev is the
// revision the relay named (its SHA-256), made of the original (the file
// the QR names, checked before) and signed signature increments only;
// prev+increment is exactly a signature increment (pades.CheckIncrement:
// anything else is refused), what the relay's JSON states equals what the
// bytes state, and the digest is recomputed from the bytes, never taken
// from the relay.
type CheckedPDF struct {
	Revision   int
	PrevSHA256 string
	Checked    *pades.Checked
}

// CheckPDF judges a prepared increment against the previous revision's
// bytes and the original's.
func CheckPDF(orig, prev []byte, inc *api.PDFIncrement) (*CheckedPDF, error) {
	sum := sha256.Sum256(prev)
	if got := hex.EncodeToString(sum[:]); got != inc.PrevSHA256 {
		return nil, &HashMismatchError{Source: "previous PDF revision", Want: inc.PrevSHA256, Got: got}
	}
	if err := checkSignedSince(orig, prev); err != nil {
		return nil, err
	}
	if inc.Revision < 1 || inc.Revision > model.MaxPDFRevision {
		return nil, fmt.Errorf("%w: PDF revision %d", ErrSessionMismatch, inc.Revision)
	}
	next := make([]byte, 0, len(prev)+len(inc.Increment))
	c, err := pades.CheckIncrement(prev, append(append(next, prev...), inc.Increment...))
	if err != nil {
		return nil, err
	}
	s := c.Signature
	switch {
	case c.CMS != nil:
		return nil, fmt.Errorf("%w: the increment is already signed", ErrSessionMismatch)
	case s.Kind != pades.CAdES:
		return nil, fmt.Errorf("%w: the increment is not a signer's signature", ErrSessionMismatch)
	case s.Field != inc.Field || s.Name != inc.Name || s.Reason != inc.Reason || !s.Time.Equal(inc.Time):
		return nil, fmt.Errorf("%w: the relay states %q/%q/%q/%s, the increment %q/%q/%q/%s", ErrSessionMismatch,
			inc.Field, inc.Name, inc.Reason, inc.Time, s.Field, s.Name, s.Reason, s.Time)
	}
	return &CheckedPDF{Revision: inc.Revision, PrevSHA256: inc.PrevSHA256, Checked: c}, nil
}

// Payload is what the ledger payload binds of the revision.
func (p *CheckedPDF) Payload() *payload.PDF {
	return &payload.PDF{Revision: p.Revision, PrevSHA256: p.PrevSHA256, Digest: hex.EncodeToString(p.Checked.Digest[:])}
}

// Sign signs the CMS signed attributes of the revision (its digest, the
// signer's certificate) with the key that signs the ledger payload.
func (p *CheckedPDF) Sign(key crypto.Signer, cert *x509.Certificate) (*api.PDFSignature, error) {
	attrs, err := p.Attributes(cert)
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, attrs)
	if err != nil {
		return nil, err
	}
	return p.Signature(sig), nil
}

// Attributes are the DER CMS signed attributes the signer signs for the
// revision (ECDSA P-256 over their SHA-256).
func (p *CheckedPDF) Attributes(cert *x509.Certificate) ([]byte, error) {
	return pades.Attributes(p.Checked.Digest, cert).Marshal()
}

// Signature is what the callback carries for sig, the signer's ECDSA DER
// signature over Attributes.
func (p *CheckedPDF) Signature(sig []byte) *api.PDFSignature {
	pp := p.Payload()
	return &api.PDFSignature{Revision: pp.Revision, PrevSHA256: pp.PrevSHA256, Digest: pp.Digest, Time: p.Checked.Signature.Time,
		Signature: base64.StdEncoding.EncodeToString(sig)}
}

// checkSignedSince: prev is orig followed by signed signature increments
// only, each recognised by pades.CheckIncrement at one of prev's revision
// ends, so nothing the signer saw in the original was changed since.
func checkSignedSince(orig, prev []byte) error {
	if !bytes.HasPrefix(prev, orig) {
		return fmt.Errorf("%w: the previous PDF revision does not start with the document the QR names", ErrSessionMismatch)
	}
	at := len(orig)
	ends := pades.Revisions(prev)
	for at < len(prev) {
		next := -1
		for _, end := range ends {
			if end <= at {
				continue
			}
			if c, err := pades.CheckIncrement(prev[:at], prev[:end]); err == nil && c.CMS != nil && c.Signature.Kind == pades.CAdES {
				next = end
				break
			}
		}
		if next < 0 {
			return fmt.Errorf("%w: the previous PDF revision adds bytes after offset %d that are not a signature", ErrSessionMismatch, at)
		}
		at = next
	}
	return nil
}

// maxRePrepare bounds how often a stale PDF revision is prepared and signed again.
const maxRePrepare = 3

// prepare fetches and checks what the subject signs beside its payload:
// one document's PDF revision, or a batch's PDF revisions and .p7s files.
func (s *Scanner) prepare(ctx context.Context, sc *scan, sub *subject) (*CheckedPDF, *BatchSigning, error) {
	if sub.batch != nil {
		b, err := s.batchSignatures(ctx, sc, sub)
		return nil, b, err
	}
	pdf, err := s.pdfRevision(ctx, sc, sub)
	return pdf, nil, err
}

// pdfRevision fetches, checks and shows the PDF signature a PDF document's
// sign session also makes; nil when the subject is not one, the relay
// makes no PDF signatures (any 404) or cannot write into this file
// (PDF_UNREADABLE, PDF_UNSUPPORTED: encrypted, not really a PDF).
func (s *Scanner) pdfRevision(ctx context.Context, sc *scan, sub *subject) (*CheckedPDF, error) {
	if sub.content == nil {
		return nil, nil
	}
	inc, err := sc.rc.PDFIncrement(ctx, sc.tok)
	if p := (*api.Problem)(nil); errors.As(err, &p) && p.Status == http.StatusNotFound { // no TSA, or a relay before PDF signatures
		fmt.Fprintf(s.out(), "PDF:        this relay makes no PDF signatures; the ledger signature only\n")
		return nil, nil
	}
	if isProblem(err, model.Code(pades.CodeNotPDF)) || isProblem(err, model.Code(pades.CodeUnsupported)) {
		fmt.Fprintf(s.out(), "PDF:        the relay cannot add a signature to this file (%s); the ledger signature only\n", printable(err.Error(), maxShown))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the PDF signature to make: %w", err)
	}
	prev := sub.content
	if inc.PrevSHA256 != sub.sha256 {
		if prev, err = sc.rc.Content(ctx, contentRef(sc.rc, inc.PrevURL, sc.claims.DocID, sc.tok), s.maxBytes()); err != nil {
			return nil, fmt.Errorf("downloading the previous PDF revision: %w", err)
		}
	}
	c, err := CheckPDF(sub.content, prev, inc)
	if err != nil {
		return nil, fmt.Errorf("the PDF signature the relay prepared is refused: %w", err)
	}
	st := c.Checked.Signature
	fmt.Fprintf(s.out(), "PDF:        signature %d (field %s) by %s, %s, at %s; digest %x (computed here)\n", c.Revision,
		printable(st.Field, maxShown), printable(st.Name, maxShown), printable(st.Reason, maxShown),
		st.Time.UTC().Format("2006-01-02 15:04:05Z"), c.Checked.Digest)
	return c, nil
}

// isProblem: err is the relay's problem with code.
func isProblem(err error, code model.Code) bool {
	var p *api.Problem
	return errors.As(err, &p) && p.Code == code
}
