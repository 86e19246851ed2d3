package certchain_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
)

func selfSigned(t *testing.T, curve elliptic.Curve, mod func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	if mod != nil {
		mod(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The chaincode (RecordSignature) and the relay (sign-in) call CheckLeaf:
// both accept and refuse exactly these signer certificates.
func TestCheckLeafAcceptsOnlySigningKeys(t *testing.T) {
	docSigning := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	for _, tc := range []struct {
		name string
		mod  func(*x509.Certificate)
		p384 bool
		want string
	}{
		{name: "plain P-256 is accepted"},
		{name: "P-384 is refused", p384: true, want: "BAD_CERTIFICATE: signer key is ECDSA P-384; only P-256 is accepted"},
		{name: "a CA certificate is refused", mod: func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true },
			want: "BAD_CERTIFICATE: signer certificate is a CA certificate"},
		{name: "key usage without digitalSignature is refused", mod: func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment },
			want: "BAD_CERTIFICATE: signer certificate key usage does not allow digitalSignature"},
		{name: "serverAuth alone is refused", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} },
			want: "BAD_CERTIFICATE: signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any"},
		{name: "clientAuth is accepted", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }},
		{name: "document signing is accepted", mod: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{docSigning} }},
		{name: "RFC 9336 document signing is accepted", mod: func(c *x509.Certificate) { c.UnknownExtKeyUsage = []asn1.ObjectIdentifier{docSig} }},
		{name: "emailProtection is accepted", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection} }},
		{name: "anyExtendedKeyUsage is accepted", mod: func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }},
		{name: "codeSigning and an unknown usage are refused", mod: func(c *x509.Certificate) {
			c.ExtKeyUsage, c.UnknownExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, []asn1.ObjectIdentifier{{1, 2, 3}}
		}, want: "BAD_CERTIFICATE: signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			curve := elliptic.P256()
			if tc.p384 {
				curve = elliptic.P384()
			}
			err := certchain.CheckLeaf(selfSigned(t, curve, tc.mod))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// An anchor outside its validity cannot anchor a chain; the error names when.
func TestValidAnchorsDropsExpiredCAs(t *testing.T) {
	ca := selfSigned(t, elliptic.P256(), func(c *x509.Certificate) { c.IsCA, c.BasicConstraintsValid = true, true })
	a := certchain.NewAnchor(ca)
	if v, err := certchain.ValidAnchors(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), []certchain.Anchor{a}); err != nil || len(v) != 1 {
		t.Fatalf("inside validity: %v %v", v, err)
	}
	_, err := certchain.ValidAnchors(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), []certchain.Anchor{a})
	want := "CERT_EXPIRED: signer CA " + a.Fingerprint[:16] + " is valid 2026-01-01T00:00:00Z..2027-01-01T00:00:00Z, not at 2027-06-01T00:00:00Z"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if _, err := certchain.ValidAnchors(time.Now(), nil); err == nil || err.Error() != "UNTRUSTED_CHAIN: the org has registered no signer CA" {
		t.Fatalf("no anchors: %v", err)
	}
}
