package contract

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// FuzzParseChain: the chain parser never panics, fails only with
// BAD_CERTIFICATE, and what it accepts re-encodes to a chain that parses to
// the same certificates.
func FuzzParseChain(f *testing.F) {
	ca := testpki.NewCA("fuzz CA", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
	leaf, _ := ca.Issue(testpki.Leaf{CN: "alice"})
	ed, _ := ca.Issue(testpki.Leaf{CN: "bob", Key: testpki.Ed25519()})
	f.Add(testpki.PEM(leaf))
	f.Add(testpki.PEM(leaf, ca.Cert))
	f.Add("\n\n" + testpki.PEM(ed) + "\r\n")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	f.Add("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n")
	f.Add("Proc-Type: 4,ENCRYPTED\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		certs, err := certchain.Parse(in)
		if err != nil {
			if code, _ := model.CodeOf(err); code != model.CodeBadCertificate {
				t.Fatalf("code %s: %v", code, err)
			}
			return
		}
		again, err := certchain.Parse(chainPEM(certs))
		if err != nil || len(again) != len(certs) {
			t.Fatalf("re-encoded chain: %v", err)
		}
		for i := range certs {
			if !bytes.Equal(certs[i].Raw, again[i].Raw) {
				t.Fatal("re-encoded chain differs")
			}
		}
		// The other certificate checks must not panic on whatever parsed.
		_ = certchain.CheckLeaf(certs[0])
		_ = certchain.CheckValidity(time.Unix(0, 0), certs...)
		_, _ = certchain.Verify(t0, certs, []certchain.Anchor{certchain.NewAnchor(ca.Cert)})
		var _ *x509.Certificate = certs[0]
	})
}
