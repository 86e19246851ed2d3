package flow

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
)

// CheckedPDF is a PDF revision this client judged itself: prev is the
// revision the relay named (its SHA-256), prev+increment is exactly a
// signature increment (pades.CheckIncrement: anything else is refused),
// what the relay's JSON states equals what the bytes state, and the digest
// is recomputed from the bytes, never taken from the relay.
type CheckedPDF struct {
	Revision   int
	PrevSHA256 string
	Checked    *pades.Checked
}

// CheckPDF judges a prepared increment against the previous revision's bytes.
func CheckPDF(prev []byte, inc *api.PDFIncrement) (*CheckedPDF, error) {
	sum := sha256.Sum256(prev)
	if got := hex.EncodeToString(sum[:]); got != inc.PrevSHA256 {
		return nil, &HashMismatchError{Source: "previous PDF revision", Want: inc.PrevSHA256, Got: got}
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
	attrs, err := pades.Attributes(p.Checked.Digest, cert).Marshal()
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, attrs)
	if err != nil {
		return nil, err
	}
	pp := p.Payload()
	return &api.PDFSignature{Revision: pp.Revision, PrevSHA256: pp.PrevSHA256, Digest: pp.Digest, Time: p.Checked.Signature.Time,
		Signature: base64.StdEncoding.EncodeToString(sig)}, nil
}
