package contract

import (
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// Every link of a verified chain whose issuer is a registered CA is checked
// against that CA's CRL, whichever path the chain could take.
func TestRevocationThroughIntermediates(t *testing.T) {
	cases := []struct {
		name string
		// setup registers CAs and publishes CRLs; it returns the signer and the expected error.
		setup func(w *world, o *org, inter *testpki.CA) (*signer, string)
	}{
		{"root and intermediate registered, leaf revoked on the intermediate's CRL", func(w *world, o *org, inter *testpki.CA) (*signer, string) {
			w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: inter.PEM()}))
			s := issued(inter, "alice")
			s.chain = testpki.PEM(s.cert, inter.Cert) // verifies leaf→I and leaf→I→R
			w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(inter.Cert.Raw),
				CRLPEM: inter.CRL(1, t0, s.cert.SerialNumber)}))
			return s, fmt.Sprintf("CERT_REVOKED: certificate serial %s (alice) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				s.cert.SerialNumber.Text(16), payload.Fingerprint(inter.Cert.Raw)[:16])
		}},
		{"root and intermediate registered, leaf alone, revoked on the intermediate's CRL", func(w *world, o *org, inter *testpki.CA) (*signer, string) {
			w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: inter.PEM()}))
			s := issued(inter, "alice")
			w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(inter.Cert.Raw),
				CRLPEM: inter.CRL(1, t0, s.cert.SerialNumber)}))
			return s, fmt.Sprintf("CERT_REVOKED: certificate serial %s (alice) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				s.cert.SerialNumber.Text(16), payload.Fingerprint(inter.Cert.Raw)[:16])
		}},
		{"both registered, intermediate revoked on the root's CRL", func(w *world, o *org, inter *testpki.CA) (*signer, string) {
			w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: inter.PEM()}))
			s := issued(inter, "alice")
			s.chain = testpki.PEM(s.cert, inter.Cert)
			w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
				CRLPEM: o.ca.CRL(1, t0, inter.Cert.SerialNumber)}))
			return s, fmt.Sprintf("CERT_REVOKED: certificate serial %s (Org1 issuing CA) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				inter.Cert.SerialNumber.Text(16), payload.Fingerprint(o.ca.Cert.Raw)[:16])
		}},
		{"only the root registered, intermediate revoked on the root's CRL", func(w *world, o *org, inter *testpki.CA) (*signer, string) {
			s := issued(inter, "alice")
			s.chain = testpki.PEM(s.cert, inter.Cert)
			w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
				CRLPEM: o.ca.CRL(1, t0, inter.Cert.SerialNumber)}))
			return s, fmt.Sprintf("CERT_REVOKED: certificate serial %s (Org1 issuing CA) is on the CRL of %s published by Org1MSP (thisUpdate 2026-11-24T12:00:00Z)",
				inter.Cert.SerialNumber.Text(16), payload.Fingerprint(o.ca.Cert.Raw)[:16])
		}},
		{"both registered, nothing revoked: the shortest path's anchor is recorded", func(w *world, o *org, inter *testpki.CA) (*signer, string) {
			w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: inter.PEM()}))
			s := issued(inter, "alice")
			s.chain = testpki.PEM(s.cert, inter.Cert)
			return s, ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			o := w.orgs["Org1MSP"]
			inter := o.ca.Intermediate("Org1 issuing CA")
			s, want := c.setup(w, o, inter)
			w.register("d1", s)
			out, err := w.sign(s, "d1")
			if want == "" {
				if err != nil {
					t.Fatal(err)
				}
				ev := decode[model.WriteResult](t, out).Events[0].Signature
				if ev.CAFingerprint != payload.Fingerprint(inter.Cert.Raw) {
					t.Fatalf("anchor %s, want the intermediate %s", ev.CAFingerprint, payload.Fingerprint(inter.Cert.Raw))
				}
				return
			}
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
		})
	}
}

func issued(ca *testpki.CA, cn string) *signer {
	c, k := ca.Issue(testpki.Leaf{CN: cn})
	return &signer{spec: model.SignerSpec{ID: cn, MSPID: "Org1MSP", RoutingOrder: 1}, cert: c, chain: testpki.PEM(c), key: k,
		alg: model.AlgECDSAP256DER}
}

// The chain memo is keyed by the CAs valid at the transaction time, so a
// peer with a warm cache and one with a cold cache endorse the same way.
func TestChainCacheKeyIsTheValidCAs(t *testing.T) {
	root := testpki.NewCA("R", t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0))
	old := testpki.NewCA("old", t0.AddDate(-1, 0, 0), t0.AddDate(0, 0, 1))
	leaf, _ := root.Issue(testpki.Leaf{CN: "alice"})
	var cas []certchain.Anchor
	for _, c := range []*testpki.CA{root, old} {
		ca, err := parseCA(model.SignerCA{Fingerprint: payload.Fingerprint(c.Cert.Raw), CertPEM: c.PEM()})
		if err != nil {
			t.Fatal(err)
		}
		cas = append(cas, ca)
	}
	chain := []*x509.Certificate{leaf}
	later := t0.AddDate(0, 0, 2) // old has expired
	warm, err := verifyChainCached(t0, chain, cas)
	if err != nil {
		t.Fatal(err)
	}
	warmLater, err := verifyChainCached(later, chain, cas)
	if err != nil {
		t.Fatal(err)
	}
	if chainKey(chain, cas) == chainKey(chain, cas[:1]) {
		t.Fatal("keys of different CA sets collide")
	}
	if _, ok := verifiedChains.Load(chainKey(chain, cas[:1])); !ok {
		t.Fatal("the later call was not keyed by the CAs valid at its time")
	}
	verifiedChains.Clear()
	cold, err := verifyChainCached(later, chain, cas)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(warmLater) != fmt.Sprint(cold) || warm.Anchor.Fingerprint != cold.Anchor.Fingerprint {
		t.Fatalf("warm %v cold %v", warmLater, cold)
	}
}
