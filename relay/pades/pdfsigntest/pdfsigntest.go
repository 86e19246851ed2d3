// Package pdfsigntest makes real signature revisions for the tests of what
// judges them (relay/pdfrev, relay/evidence): a signer with its own CA
// signs a prepared increment as the relay embeds a signer's CMS.
package pdfsigntest

import (
	"crypto/x509"
	"encoding/hex"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/pades"
)

// Signer is a person with a P-256 certificate from a CA of their own,
// valid a day either side of the time it was made for.
type Signer struct {
	Name string
	CA   *testpki.CA
	*testpki.Signer
}

// New is signer name with a certificate valid around at.
func New(name string, at time.Time) *Signer {
	ca := testpki.NewCA(name+" CA", at.Add(-24*time.Hour), at.Add(24*time.Hour))
	return &Signer{Name: name, CA: ca, Signer: ca.Signer(name)}
}

// Fingerprint is the certificate's SHA-256, as signature events record it.
func (s *Signer) Fingerprint() string { return payload.Fingerprint(s.Cert.Raw) }

// Sign returns prev plus a signature increment in field, stated by s at at
// and signed (CMS with s's chain), and the ByteRange digest it signs (hex).
func (s *Signer) Sign(t testing.TB, prev []byte, field string, at time.Time) ([]byte, string) {
	t.Helper()
	p, err := pades.Prepare(prev, pades.Signature{Field: field, Name: s.Name, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	der, err := cms.Sign(pades.Attributes(p.Digest, s.Cert), s.Key, []*x509.Certificate{s.Cert, s.CA.Cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	next, err := pades.Embed(p, der)
	if err != nil {
		t.Fatal(err)
	}
	return next, hex.EncodeToString(p.Digest[:])
}
