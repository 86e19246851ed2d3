package contract

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// A certificate revoked by the CA's complete CRL stays revoked when a CRL
// that cannot stand for the complete one is offered next (issue 11, item 3):
// PublishCRL refuses it with BAD_CRL, writes nothing, and the signer is
// still refused with CERT_REVOKED.
func TestScopedCRLCannotUnrevoke(t *testing.T) {
	onlyCA, _ := asn1.Marshal(struct {
		OnlyCA bool `asn1:"optional,tag:2"`
	}{true})
	for _, tc := range []struct {
		name string
		ext  pkix.Extension
		want string
	}{
		{"delta CRL", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 1}},
			"BAD_CRL: CRL is a delta CRL (deltaCRLIndicator); only a CA's complete CRL can be published"},
		{"only CA certificates", pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: onlyCA},
			"BAD_CRL: CRL's issuingDistributionPoint limits its scope (onlyContainsCACerts); only a CA's complete CRL can be published"},
		{"unknown critical extension", pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Critical: true, Value: []byte{5, 0}},
			"BAD_CRL: CRL has a critical extension 1.3.6.1.4.1.99999.1 this ledger does not implement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.orgs["Org1MSP"]
			fp := payload.Fingerprint(o.ca.Cert.Raw)
			alice := w.signer("Org1MSP", "alice", 1)
			w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: o.ca.CRL(1, t0, alice.cert.SerialNumber)}))
			scoped := o.ca.CRLWith(x509.RevocationList{Number: big.NewInt(2), ThisUpdate: t0.Add(time.Minute), NextUpdate: t0.AddDate(0, 0, 7), ExtraExtensions: []pkix.Extension{tc.ext}})
			if _, err := w.invoke(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: scoped})); err == nil || err.Error() != tc.want {
				t.Fatalf("PublishCRL: got %v\nwant %s", err, tc.want)
			}
			w.register("d1", alice)
			_, err := w.sign(alice, "d1")
			want := fmt.Sprintf("CERT_REVOKED: certificate serial %s (alice) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				alice.cert.SerialNumber.Text(16), fp[:16])
			if err == nil || err.Error() != want {
				t.Fatalf("sign: got %v\nwant %s", err, want)
			}
		})
	}
}

// The ledger refuses a signer whose intermediate CA is limited to
// serverAuth, and accepts one whose intermediate allows clientAuth.
func TestIntermediateExtKeyUsageAtTheLedger(t *testing.T) {
	for _, tc := range []struct {
		name string
		eku  []x509.ExtKeyUsage
		want string
	}{
		{"serverAuth CA", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			`UNTRUSTED_CHAIN: CA "Org1 TLS CA" limits the extended key usage of what it certifies to serverAuth: it cannot issue signer certificates (clientAuth, emailProtection, documentSigning)`},
		{"clientAuth CA", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			inter := w.orgs["Org1MSP"].ca.IntermediateWith(testpki.Leaf{CN: "Org1 TLS CA", OUs: []string{}, ExtKeyUsage: tc.eku})
			s := issued(inter, "alice")
			s.chain = testpki.PEM(s.cert, inter.Cert)
			w.register("d1", s)
			_, err := w.sign(s, "d1")
			if got := fmt.Sprint(err); (tc.want == "" && err != nil) || (tc.want != "" && got != tc.want) {
				t.Fatalf("got  %v\nwant %q", err, tc.want)
			}
		})
	}
}

// The forged title of issue 11 and its kin are refused by the chaincode
// itself, so a relay that skipped its check cannot put them on the ledger.
func TestLedgerRefusesForgedText(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	forged := docRequest("d1", alice)
	forged.Title = "Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt"
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RegisterDocument", js(forged)); err == nil ||
		err.Error() != "INVALID_FIELD: title: U+000A at byte 25 is a control character" {
		t.Fatalf("forged title: %v", err)
	}
	lone := `{"id":"d1","title":"\ud800"}`
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "RegisterDocument", lone); err == nil ||
		err.Error() != `INVALID_FIELD: title: holds \ud800, a lone surrogate (not a character)` {
		t.Fatalf("lone surrogate: %v", err)
	}
	w.register("d1", alice)
	req := w.sigRequest(alice, "d1", payload.PurposeDecline, "no\u202e", nil, "")
	if _, err := w.invoke(w.orgs["Org1MSP"].client, "DeclineSignature", js(req)); err == nil ||
		err.Error() != "INVALID_FIELD: reason: U+202E at byte 2 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)" {
		t.Fatalf("decline reason: %v", err)
	}
}
