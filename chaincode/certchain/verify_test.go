package certchain_test

import (
	"crypto/x509"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// selfSigned is a certificate for l valid through 2026 (these tests pass
// their own times to ValidAnchors; CheckLeaf reads none).
func selfSigned(l testpki.Leaf) *x509.Certificate {
	l.CN, l.NotBefore, l.NotAfter = "x", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	c, _ := testpki.SelfSigned(l)
	return c
}

// The chaincode (RecordSignature) and the relay (sign-in) call CheckLeaf:
// both accept and refuse exactly these signer certificates.
func TestCheckLeafAcceptsOnlySigningKeys(t *testing.T) {
	docSigning := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	for _, tc := range []struct {
		name string
		leaf testpki.Leaf
		want string
	}{
		{name: "plain P-256 is accepted"},
		{name: "P-384 is refused", leaf: testpki.Leaf{Key: testpki.P384()}, want: "BAD_CERTIFICATE: signer key is ECDSA P-384; only P-256 is accepted"},
		{name: "a CA certificate is refused", leaf: testpki.Leaf{IsCA: true},
			want: "BAD_CERTIFICATE: signer certificate is a CA certificate"},
		{name: "key usage without digitalSignature is refused", leaf: testpki.Leaf{KeyUsage: x509.KeyUsageKeyEncipherment},
			want: "BAD_CERTIFICATE: signer certificate key usage does not allow digitalSignature"},
		{name: "serverAuth alone is refused", leaf: testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
			want: "BAD_CERTIFICATE: signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any"},
		{name: "clientAuth is accepted", leaf: testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}},
		{name: "document signing is accepted", leaf: testpki.Leaf{UnknownExtKeyUsage: []asn1.ObjectIdentifier{docSigning}}},
		{name: "RFC 9336 document signing is accepted", leaf: testpki.Leaf{UnknownExtKeyUsage: []asn1.ObjectIdentifier{docSig}}},
		{name: "emailProtection is accepted", leaf: testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}},
		{name: "anyExtendedKeyUsage is accepted", leaf: testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}},
		{name: "codeSigning and an unknown usage are refused", leaf: testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			UnknownExtKeyUsage: []asn1.ObjectIdentifier{{1, 2, 3}}}, want: "BAD_CERTIFICATE: signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := certchain.CheckLeaf(selfSigned(tc.leaf))
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
	ca := selfSigned(testpki.Leaf{IsCA: true})
	a := certchain.NewAnchor(ca)
	if v, err := certchain.ValidAnchors(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), []certchain.Anchor{a}); err != nil || len(v) != 1 {
		t.Fatalf("inside validity: %v %v", v, err)
	}
	_, err := certchain.ValidAnchors(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), []certchain.Anchor{a})
	want := "CERT_EXPIRED: signer CA " + a.Fingerprint[:16] + " is valid 2026-01-01T00:00:00Z..2027-01-01T00:00:00Z, not at 2027-06-01T00:00:00Z"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if _, err := certchain.ValidAnchors(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), nil); err == nil || err.Error() != "UNTRUSTED_CHAIN: the org has registered no signer CA" {
		t.Fatalf("no anchors: %v", err)
	}
}
