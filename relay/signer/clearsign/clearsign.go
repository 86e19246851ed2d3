// Package clearsign is what a signer's client checks and computes itself
// before it signs beside the ledger payload: a prepared PDF signature
// increment (judged strictly, its digest recomputed from the bytes) and the
// CMS signed attributes of a PDF signature or of a detached .p7s. qrsign
// (relay/signer/flow) and the phone page (relay/cmd/signer-wasm, this
// package compiled to WebAssembly) both run it: one implementation judges
// what every signer signs. It does no I/O.
package clearsign

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/pades"
)

// HashMismatchError: the bytes served are not the document the QR names.
// Nothing was signed.
type HashMismatchError struct {
	Source string // what disagreed with the QR: "content" or "session"
	Want   string // the QR's sha256
	Got    string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("REFUSED: the %s's SHA-256 %s does not match the QR code's %s; the document may have been tampered with, nothing was signed",
		e.Source, e.Got, e.Want)
}

// Is makes errors.Is(err, ErrHashMismatch) true.
func (e *HashMismatchError) Is(target error) bool { return target == ErrHashMismatch }

var (
	// ErrHashMismatch is matched by every *HashMismatchError.
	ErrHashMismatch = errors.New("hash mismatch")
	// ErrSessionMismatch: the relay's session disagrees with the QR's claims.
	ErrSessionMismatch = errors.New("the relay's session does not match the QR code")
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
	// Chain is the SHA-256 of the original and of each earlier signed
	// revision prev holds, in order (the last is PrevSHA256): what a
	// restatement after REVISION_STALE must build on (Restated).
	Chain []string
	// Earlier are the signatures prev already holds, in order.
	Earlier []EarlierSignature
}

// EarlierSignature is a signature an earlier revision holds: its statement
// and the subject of the certificate its CMS verifies with (not judged
// against any CA here: the ledger's VerifyRecord does that).
type EarlierSignature struct {
	Name, Reason string
	Subject      string
}

// CheckPDF judges a prepared increment against the previous revision's
// bytes and the original's.
func CheckPDF(orig, prev []byte, inc *api.PDFIncrement) (*CheckedPDF, error) {
	sum := sha256.Sum256(prev)
	if got := hex.EncodeToString(sum[:]); got != inc.PrevSHA256 {
		return nil, &HashMismatchError{Source: "previous PDF revision", Want: inc.PrevSHA256, Got: got}
	}
	chain, earlier, err := checkSignedSince(orig, prev)
	if err != nil {
		return nil, err
	}
	if inc.Revision != len(chain) || inc.Revision > model.MaxPDFRevision {
		return nil, fmt.Errorf("%w: the relay calls it PDF revision %d, but the previous revision holds %d signatures",
			ErrSessionMismatch, inc.Revision, len(earlier))
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
	return &CheckedPDF{Revision: inc.Revision, PrevSHA256: inc.PrevSHA256, Checked: c, Chain: chain, Earlier: earlier}, nil
}

// MaxRestateDelay bounds how much later than the statement the signer
// approved a restatement may be dated (the relay accepts a statement's time
// within an hour of its clock).
const MaxRestateDelay = time.Hour

// Restated: next, checked after the relay refused p's signature as
// REVISION_STALE, may be signed without asking the signer again only if it
// states what the signer approved in p: the same name and reason, over p's
// previous revision (a batch's document another's staleness re-prepared) or
// over a later one that extends it (another signature landed), dated no
// earlier than p and at most MaxRestateDelay later. Anything else needs the
// signer's approval.
func (p *CheckedPDF) Restated(next *CheckedPDF) error {
	a, b := p.Checked.Signature, next.Checked.Signature
	switch {
	case a.Name != b.Name || a.Reason != b.Reason || a.Kind != b.Kind:
		return fmt.Errorf("%w: after REVISION_STALE the relay states %q/%q, the signer approved %q/%q",
			ErrSessionMismatch, b.Name, b.Reason, a.Name, a.Reason)
	case next.PrevSHA256 == p.PrevSHA256 && next.Revision != p.Revision,
		next.PrevSHA256 != p.PrevSHA256 && (next.Revision <= p.Revision || !slices.Contains(next.Chain, p.PrevSHA256)):
		return fmt.Errorf("%w: after REVISION_STALE the relay's revision %d does not build on revision %d the signer approved",
			ErrSessionMismatch, next.Revision, p.Revision)
	case b.Time.Before(a.Time) || b.Time.Sub(a.Time) > MaxRestateDelay:
		return fmt.Errorf("%w: after REVISION_STALE the relay dates the signature %s, the signer approved %s",
			ErrSessionMismatch, b.Time.UTC().Format(time.RFC3339), a.Time.UTC().Format(time.RFC3339))
	}
	return nil
}

// Payload is what the ledger payload binds of the revision.
func (p *CheckedPDF) Payload() *payload.PDF {
	return &payload.PDF{Revision: p.Revision, PrevSHA256: p.PrevSHA256, Digest: hex.EncodeToString(p.Checked.Digest[:])}
}

// Attributes are the DER CMS signed attributes the signer signs for the
// revision: its digest and the signer's certificate.
func (p *CheckedPDF) Attributes(cert *x509.Certificate) ([]byte, error) {
	return pades.Attributes(p.Checked.Digest, cert).Marshal()
}

// Sign signs Attributes with the key that signs the ledger payload (qrsign;
// the phone page signs them with WebCrypto and calls Signed).
func (p *CheckedPDF) Sign(key crypto.Signer, cert *x509.Certificate) (*api.PDFSignature, error) {
	attrs, err := p.Attributes(cert)
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, attrs)
	if err != nil {
		return nil, err
	}
	return p.Signed(sig), nil
}

// Signed is the callback's PDF part for der, the signer's ECDSA P-256 DER
// signature over Attributes.
func (p *CheckedPDF) Signed(der []byte) *api.PDFSignature {
	pp := p.Payload()
	return &api.PDFSignature{Revision: pp.Revision, PrevSHA256: pp.PrevSHA256, Digest: pp.Digest, Time: p.Checked.Signature.Time,
		Signature: base64.StdEncoding.EncodeToString(der)}
}

// checkSignedSince: prev is orig followed by signed signature increments
// only, each recognised by pades.CheckIncrement at one of prev's revision
// ends and carrying a CMS whose signature verifies over that increment's
// digest with the certificate it carries, so nothing the signer saw in the
// original was changed since and no placeholder poses as a signature. It
// returns the SHA-256 of orig and of each signed revision, and the
// signatures.
func checkSignedSince(orig, prev []byte) ([]string, []EarlierSignature, error) {
	if !bytes.HasPrefix(prev, orig) {
		return nil, nil, fmt.Errorf("%w: the previous PDF revision does not start with the document the QR names", ErrSessionMismatch)
	}
	sum := sha256.Sum256(orig)
	chain := []string{hex.EncodeToString(sum[:])}
	var earlier []EarlierSignature
	at := len(orig)
	ends := pades.Revisions(prev)
	for at < len(prev) {
		var found *pades.Checked
		next := -1
		for _, end := range ends {
			if end <= at {
				continue
			}
			if c, err := pades.CheckIncrement(prev[:at], prev[:end]); err == nil && c.CMS != nil && c.Signature.Kind == pades.CAdES {
				found, next = c, end
				break
			}
		}
		if next < 0 {
			return nil, nil, fmt.Errorf("%w: the previous PDF revision adds bytes after offset %d that are not a signature", ErrSessionMismatch, at)
		}
		cert, err := found.SignerCert()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: the signature the previous PDF revision holds at offset %d does not verify: %v", ErrSessionMismatch, at, err)
		}
		earlier = append(earlier, EarlierSignature{Name: found.Signature.Name, Reason: found.Signature.Reason, Subject: cert.Subject.String()})
		sum := sha256.Sum256(prev[:next])
		chain = append(chain, hex.EncodeToString(sum[:]))
		at = next
	}
	return chain, earlier, nil
}

// P7SAttributes are the DER CMS signed attributes of a detached .p7s over
// content (the document's bytes, checked against the QR) signed at at,
// which the signing-time attribute holds to the second (returned so): the
// relay builds the very same attributes from the callback's time.
func P7SAttributes(content []byte, cert *x509.Certificate, at time.Time) ([]byte, time.Time, error) {
	at = P7STime(at)
	attrs, err := cms.ForContent(content, cert, at).Marshal()
	return attrs, at, err
}

// P7STime is a .p7s's signing time: UTC, whole seconds (signing-time holds seconds).
func P7STime(at time.Time) time.Time { return at.UTC().Truncate(time.Second) }

// DERSignature re-encodes a raw r‖s ECDSA P-256 signature (IEEE P1363,
// what WebCrypto makes) as the DER SEQUENCE the CMS signatures carry.
func DERSignature(raw []byte) ([]byte, error) {
	if len(raw) != 64 {
		return nil, fmt.Errorf("a raw ECDSA P-256 signature is 64 bytes, not %d", len(raw))
	}
	return asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
}
