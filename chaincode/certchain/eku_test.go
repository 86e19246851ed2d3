package certchain_test

import (
	"crypto/x509"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

var (
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msDocSig = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	docSig   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36} // RFC 9336
)

type usage struct {
	eku     []x509.ExtKeyUsage
	unknown []asn1.ObjectIdentifier
}

func eku(u ...x509.ExtKeyUsage) usage { return usage{eku: u} }

// TestCAExtKeyUsageConstrainsTheLeaf: the extended key usage of every CA on
// the path (root, intermediate) limits what the leaf may be used for; a
// path on which no signing use (clientAuth, emailProtection, document
// signing) is allowed by every certificate does not verify.
func TestCAExtKeyUsageConstrainsTheLeaf(t *testing.T) {
	const limited = `UNTRUSTED_CHAIN: CA "Inter" limits the extended key usage of what it certifies to `
	const tail = `: it cannot issue signer certificates (clientAuth, emailProtection, documentSigning)`
	for _, tc := range []struct {
		name        string
		inter, leaf usage
		want        string
	}{
		{"no EKU anywhere", usage{}, usage{}, ""},
		{"CA limited to serverAuth, leaf without EKU", eku(x509.ExtKeyUsageServerAuth), usage{}, limited + "serverAuth" + tail},
		{"CA limited to serverAuth, clientAuth leaf", eku(x509.ExtKeyUsageServerAuth), eku(x509.ExtKeyUsageClientAuth), limited + "serverAuth" + tail},
		{"CA limited to serverAuth and codeSigning", eku(x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageCodeSigning), usage{}, limited + "serverAuth, codeSigning" + tail},
		{"CA with anyExtendedKeyUsage", eku(x509.ExtKeyUsageAny), eku(x509.ExtKeyUsageClientAuth), ""},
		{"CA with anyExtendedKeyUsage among others", eku(x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageAny), usage{}, ""},
		{"clientAuth CA, leaf without EKU", eku(x509.ExtKeyUsageClientAuth), usage{}, ""},
		{"clientAuth CA, clientAuth leaf", eku(x509.ExtKeyUsageClientAuth), eku(x509.ExtKeyUsageClientAuth), ""},
		{"clientAuth CA, emailProtection leaf", eku(x509.ExtKeyUsageClientAuth), eku(x509.ExtKeyUsageEmailProtection),
			"UNTRUSTED_CHAIN: the signer certificate's extended key usage (emailProtection) has no signing use its CAs allow"},
		{"serverAuth+emailProtection CA, emailProtection leaf", eku(x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageEmailProtection),
			eku(x509.ExtKeyUsageEmailProtection), ""},
		{"document-signing CA (RFC 9336), document-signing leaf", usage{unknown: []asn1.ObjectIdentifier{docSig}},
			usage{unknown: []asn1.ObjectIdentifier{docSig}}, ""},
		{"document-signing CA (Microsoft), leaf without EKU", usage{unknown: []asn1.ObjectIdentifier{msDocSig}}, usage{}, ""},
		{"CA limited to an unknown usage", usage{unknown: []asn1.ObjectIdentifier{{1, 2, 3, 4}}}, usage{}, limited + "1.2.3.4" + tail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := testpki.NewCA("Root", t0, t0.AddDate(2, 0, 0))
			inter := root.IntermediateWith(testpki.Leaf{CN: "Inter", OUs: []string{}, ExtKeyUsage: tc.inter.eku, UnknownExtKeyUsage: tc.inter.unknown})
			leaf, _ := inter.Issue(testpki.Leaf{CN: "alice", ExtKeyUsage: tc.leaf.eku, UnknownExtKeyUsage: tc.leaf.unknown})
			if err := certchain.CheckLeaf(leaf); err != nil {
				t.Fatalf("CheckLeaf: %v (every leaf here has a signing use of its own)", err)
			}
			v, err := certchain.Verify(t0.AddDate(0, 1, 0), []*x509.Certificate{leaf, inter.Cert}, []certchain.Anchor{certchain.NewAnchor(root.Cert)})
			got := ""
			if err != nil {
				got = err.Error()
			} else if len(v.Paths) != 1 || len(v.Links) != 1 {
				t.Fatalf("verdict %+v: want one path and one link", v)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// A registered CA (the anchor itself) limited to serverAuth cannot anchor
// signers either; the same CA registered as the intermediate's issuer
// without the limit can.
func TestAnchorExtKeyUsageConstrainsTheLeaf(t *testing.T) {
	ca := testpki.NewCA("Root", t0, t0.AddDate(2, 0, 0))
	tls := ca.IntermediateWith(testpki.Leaf{CN: "TLS CA", OUs: []string{}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	leaf, _ := tls.Issue(testpki.Leaf{CN: "alice"})
	at := t0.AddDate(0, 1, 0)
	_, err := certchain.Verify(at, []*x509.Certificate{leaf}, []certchain.Anchor{certchain.NewAnchor(tls.Cert)})
	want := `UNTRUSTED_CHAIN: CA "TLS CA" limits the extended key usage of what it certifies to serverAuth: it cannot issue signer certificates (clientAuth, emailProtection, documentSigning)`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}

// Of two paths to registered CAs, one through a serverAuth-only
// intermediate, only the other is accepted, and only its links are checked
// for revocation.
func TestOnlyPathsThatAllowSigningCount(t *testing.T) {
	root := testpki.NewCA("Root", t0, t0.AddDate(2, 0, 0))
	key := testpki.P256()
	good := root.IntermediateWith(testpki.Leaf{CN: "Inter", OUs: []string{}, Key: key})
	bad := root.IntermediateWith(testpki.Leaf{CN: "Inter", OUs: []string{}, Key: key, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	leaf, _ := good.Issue(testpki.Leaf{CN: "alice"})
	v, err := certchain.Verify(t0.AddDate(0, 1, 0), []*x509.Certificate{leaf, bad.Cert, good.Cert}, []certchain.Anchor{certchain.NewAnchor(root.Cert)})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Paths) != 1 || !v.Paths[0][1].Equal(good.Cert) {
		t.Fatalf("paths %v: want only the one through the unconstrained intermediate", v.Paths)
	}
	if len(v.Links) != 1 || v.Links[0].Serial != certchain.SerialHex(good.Cert) {
		t.Fatalf("links %+v: want the unconstrained intermediate's serial only", v.Links)
	}
}
