package contract

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// fixture: alice (Org1, order 1) then bob (Org2, order 2) on document d1.
type fixture struct {
	*world
	alice, bob *signer
}

func newFixture(t *testing.T) *fixture {
	w := newWorld(t)
	f := &fixture{world: w, alice: w.signer("Org1MSP", "alice", 1), bob: w.signer("Org2MSP", "bob", 2)}
	w.register("d1", f.alice, f.bob)
	return f
}

// withCert gives alice a different certificate (and key) from issuer.
func (f *fixture) aliceWith(issuer *testpki.CA, l testpki.Leaf) *signer {
	if l.CN == "" {
		l.CN = "alice"
	}
	c, k := issuer.Issue(l)
	s := &signer{spec: f.alice.spec, cert: c, chain: testpki.PEM(c), key: k, alg: model.AlgECDSAP256DER}
	return s
}

// signatureRejects: each request RecordSignature refuses, with the exact error.
var signatureRejects = []struct {
	name string
	run  func(f *fixture) (req model.SignatureRequest, want string)
}{
	{"unknown document", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.DocumentID = "nope"
		return r, "DOCUMENT_NOT_FOUND: document nope not found"
	}},
	{"nonce used before", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(r))
		return r, fmt.Sprintf("NONCE_REUSED: nonce %s was used by transaction %s", r.Nonce, f.last.TxID)
	}},
	{"voided document", func(f *fixture) (model.SignatureRequest, string) {
		f.must(f.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "wrong file"}))
		return f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, ""), "DOCUMENT_CLOSED: document d1 is VOIDED"
	}},
	{"expired document", func(f *fixture) (model.SignatureRequest, string) {
		f.now = t0.AddDate(0, 1, 0)
		return f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, ""), "DOCUMENT_EXPIRED: document d1 expired at 2026-12-24T12:00:00Z"
	}},
	{"chain is not PEM", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.CertChainPEM = "MIIB..."
		return r, "BAD_CERTIFICATE: certChainPem holds data outside PEM blocks"
	}},
	{"chain holds a private key", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.CertChainPEM += "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		return r, `BAD_CERTIFICATE: certChainPem: block 1 is "PRIVATE KEY", only CERTIFICATE is allowed`
	}},
	{"junk between blocks", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.CertChainPEM += "junk\n" + f.orgs["Org1MSP"].ca.PEM()
		return r, "BAD_CERTIFICATE: certChainPem holds data outside PEM blocks"
	}},
	{"P-384 key", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{Key: testpki.P384()})
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.CertChainPEM = s.chain
		return r, "BAD_CERTIFICATE: signer key is ECDSA P-384; only P-256 is accepted"
	}},
	{"RSA key", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{Key: testpki.RSA()})
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.CertChainPEM = s.chain
		return r, "BAD_CERTIFICATE: signer key is RSA; only ECDSA P-256 and Ed25519 are accepted"
	}},
	{"key usage without digitalSignature", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{KeyUsage: x509.KeyUsageKeyEncipherment})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"BAD_CERTIFICATE: signer certificate key usage does not allow digitalSignature"
	}},
	{"server-only extended key usage", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"BAD_CERTIFICATE: signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any"
	}},
	{"CA certificate as leaf", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{IsCA: true})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""), "BAD_CERTIFICATE: signer certificate is a CA certificate"
	}},
	{"expired certificate", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{NotBefore: t0.AddDate(0, -2, 0), NotAfter: t0.AddDate(0, 0, -1)})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"CERT_EXPIRED: certificate 0 (alice) is valid 2026-09-24T12:00:00Z..2026-11-23T12:00:00Z, not at 2026-11-24T12:00:04.004938268Z"
	}},
	{"not yet valid certificate", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{NotBefore: t0.AddDate(0, 0, 1)})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"CERT_EXPIRED: certificate 0 (alice) is valid 2026-11-25T12:00:00Z..2027-11-24T12:00:00Z, not at 2026-11-24T12:00:04.004938268Z"
	}},
	{"CN is not a signer", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{CN: "mallory"})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""), `NOT_A_SIGNER: certificate CN "mallory" is not a signer of document d1`
	}},
	{"CA of another org", func(f *fixture) (model.SignatureRequest, string) {
		s := f.aliceWith(f.orgs["Org2MSP"].ca, testpki.Leaf{})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"UNTRUSTED_CHAIN: chain does not verify to a CA registered by the signer's org: x509: certificate signed by unknown authority"
	}},
	{"unregistered CA", func(f *fixture) (model.SignatureRequest, string) {
		rogue := testpki.NewCA("Org1MSP CA", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
		s := f.aliceWith(rogue, testpki.Leaf{})
		return f.sigRequest(s, "d1", payload.PurposeSign, "", nil, ""),
			"UNTRUSTED_CHAIN: chain does not verify to a CA registered by the signer's org: x509: certificate signed by unknown authority (possibly because of \"x509: ECDSA verification failure\" while trying to verify candidate authority certificate \"Org1MSP CA\")"
	}},
	{"signature over another nonce", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Nonce = f.nextNonce()
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"signature for decline used to sign", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeDecline, "", nil, "")
		return r, "BAD_SIGNATURE: signature does not verify"
	}},
	{"signature not base64", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Signature = strings.TrimRight(r.Signature, "=") + "!"
		return r, "BAD_SIGNATURE: signature is not standard base64"
	}},
	{"high-S signature", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		der, _ := base64.StdEncoding.DecodeString(r.Signature)
		var v struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &v); err != nil {
			panic(err)
		}
		n := new(big.Int).Set(p256N())
		v.S = n.Sub(n, v.S)
		der, _ = asn1.Marshal(v)
		r.Signature = base64.StdEncoding.EncodeToString(der)
		return r, "BAD_SIGNATURE: ECDSA signature is not low-S"
	}},
	{"algorithm does not fit the key", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Algorithm = model.AlgEd25519
		return r, "BAD_CERTIFICATE: algorithm ED25519 needs an Ed25519 key"
	}},
	{"unknown algorithm", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Algorithm = "RSA_PSS"
		return r, `UNKNOWN_ALGORITHM: algorithm "RSA_PSS" is not one of ECDSA_P256_SHA256_DER, ECDSA_P256_SHA256_RAW, ED25519`
	}},
	{"revoked certificate", func(f *fixture) (model.SignatureRequest, string) {
		o := f.orgs["Org1MSP"]
		crl := o.ca.CRL(1, t0, f.alice.cert.SerialNumber)
		f.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw), CRLPEM: crl}))
		return f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, ""),
			fmt.Sprintf("CERT_REVOKED: certificate serial %s (alice) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				f.alice.cert.SerialNumber.Text(16), payload.Fingerprint(o.ca.Cert.Raw)[:16])
	}},
	{"already signed", func(f *fixture) (model.SignatureRequest, string) {
		f.must(f.orgs["Org1MSP"].client, "RecordSignature", js(f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")))
		return f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, ""), "ALREADY_SIGNED: Org1MSP/alice already signed document d1"
	}},
	{"out of turn", func(f *fixture) (model.SignatureRequest, string) {
		return f.sigRequest(f.bob, "d1", payload.PurposeSign, "", nil, ""),
			"OUT_OF_TURN: Org2MSP/bob has routing order 2; order 1 has not finished"
	}},
	{"reason on a signature", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Reason = "because"
		return r, "INVALID_FIELD: reason is bound only for DeclineSignature"
	}},
	{"malformed nonce", func(f *fixture) (model.SignatureRequest, string) {
		r := f.sigRequest(f.alice, "d1", payload.PurposeSign, "", nil, "")
		r.Nonce = "ABC"
		return r, "INVALID_FIELD: nonce must be 32 lowercase hex characters"
	}},
}

func TestRecordSignatureRejects(t *testing.T) {
	for _, c := range signatureRejects {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			req, want := c.run(f)
			wantError(t, want)(f.invoke(f.orgs["Org1MSP"].client, "RecordSignature", js(req)))
		})
	}
}

func TestRecordSignatureRejectsBadJSON(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ in, want string }{
		{`{"documentId":"d1"} x`, "BAD_REQUEST: request JSON: trailing data after the object"},
		{`{"documentId":"d1","extra":1}`, `BAD_REQUEST: request JSON: json: unknown field "extra"`},
		{`[]`, "BAD_REQUEST: request JSON: json: cannot unmarshal array into Go value of type model.SignatureRequest"},
	} {
		_, err := f.invoke(f.orgs["Org1MSP"].client, "RecordSignature", c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got  %v\n want %s", c.in, err, c.want)
		}
	}
}

func TestRecordSignatureAccepts(t *testing.T) {
	cases := []struct {
		name string
		make func(f *fixture) *signer
	}{
		{"ECDSA DER", func(f *fixture) *signer { return f.alice }},
		{"ECDSA raw", func(f *fixture) *signer { s := *f.alice; s.alg = model.AlgECDSAP256Raw; return &s }},
		{"Ed25519 leaf", func(f *fixture) *signer {
			s := f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{Key: testpki.Ed25519()})
			s.alg = model.AlgEd25519
			return s
		}},
		{"clientAuth EKU", func(f *fixture) *signer {
			return f.aliceWith(f.orgs["Org1MSP"].ca, testpki.Leaf{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		}},
		{"via an intermediate CA", func(f *fixture) *signer {
			inter := f.orgs["Org1MSP"].ca.Intermediate("Org1 issuing CA")
			s := f.aliceWith(inter, testpki.Leaf{})
			s.chain = testpki.PEM(s.cert, inter.Cert)
			return s
		}},
		{"revoked serial of another certificate", func(f *fixture) *signer {
			o := f.orgs["Org1MSP"]
			f.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
				CRLPEM: o.ca.CRL(0, t0, big.NewInt(999))}))
			return f.alice
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			s := c.make(f)
			res := decode[model.WriteResult](t, mustOK(t)(f.sign(s, "d1")))
			ev := res.Events[0].Signature
			if ev.CertFingerprint != payload.Fingerprint(s.cert.Raw) || ev.CAFingerprint != payload.Fingerprint(f.orgs["Org1MSP"].ca.Cert.Raw) ||
				ev.Algorithm != s.alg || res.Document.Signers[0].Status != model.SignerSigned {
				t.Fatalf("evidence %+v", ev)
			}
			rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", "d1"))
			if !rep.OK {
				t.Fatalf("VerifyRecord %+v", rep)
			}
		})
	}
}

func p256N() *big.Int {
	n, _ := new(big.Int).SetString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", 16)
	return n
}

// The chain memo (chaincache.go) must never let a later check be skipped:
// revocation and validity are judged at every transaction.
func TestRememberedChainStillChecksRevocationAndTime(t *testing.T) {
	w := newWorld(t)
	o := w.orgs["Org1MSP"]
	c, k := o.ca.Issue(testpki.Leaf{CN: "alice", NotAfter: t0.AddDate(0, 0, 2)})
	alice := &signer{spec: model.SignerSpec{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}, cert: c, chain: testpki.PEM(c), key: k,
		alg: model.AlgECDSAP256DER}
	for _, id := range []string{"m1", "m2", "m3", "m4"} {
		w.register(id, alice)
	}
	first := decode[model.WriteResult](t, mustOK(t)(w.sign(alice, "m1")))
	second := decode[model.WriteResult](t, mustOK(t)(w.sign(alice, "m2"))) // chain remembered
	a, b := *first.Events[0].Signature, *second.Events[0].Signature
	if a.CAFingerprint != b.CAFingerprint || a.CertFingerprint != b.CertFingerprint || a.CertChainPEM != b.CertChainPEM {
		t.Fatalf("evidence differs between a fresh and a remembered chain:\n%+v\n%+v", a, b)
	}
	w.now = t0.AddDate(0, 0, 3)
	if _, err := w.sign(alice, "m3"); err == nil || !strings.HasPrefix(err.Error(), "CERT_EXPIRED: certificate 0 (alice) is valid ") {
		t.Fatalf("expired leaf with a remembered chain: %v", err)
	}
	w.now = t0.AddDate(0, 0, 1)
	w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw), CRLPEM: o.ca.CRL(1, w.now, c.SerialNumber)}))
	if _, err := w.sign(alice, "m4"); err == nil || !strings.HasPrefix(err.Error(), "CERT_REVOKED: ") {
		t.Fatalf("revoked leaf with a remembered chain: %v", err)
	}
}

func TestExpiredSignerCA(t *testing.T) {
	w := newWorld(t)
	o := w.newOrg("Org3MSP")
	o.ca = testpki.NewCA("Org3MSP CA", t0.AddDate(-1, 0, 0), t0.AddDate(0, 0, 10))
	w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: o.ca.PEM()}))
	// A leaf that outlives its CA (x509 allows issuing it).
	c, k := o.ca.Issue(testpki.Leaf{CN: "carol", NotAfter: t0.AddDate(1, 0, 0)})
	carol := &signer{spec: model.SignerSpec{ID: "carol", MSPID: "Org3MSP", RoutingOrder: 1}, cert: c, chain: testpki.PEM(c), key: k,
		alg: model.AlgECDSAP256DER}
	for _, id := range []string{"e1", "e2"} {
		w.register(id, carol)
	}
	mustOK(t)(w.sign(carol, "e1")) // remembered while the CA is valid
	w.now = t0.AddDate(0, 0, 20)
	want := fmt.Sprintf("CERT_EXPIRED: signer CA %s is valid 2025-11-24T12:00:00Z..2026-12-04T12:00:00Z, not at 2026-12-14T12:00:01.001234567Z",
		payload.Fingerprint(o.ca.Cert.Raw)[:16])
	if _, err := w.sign(carol, "e2"); err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
