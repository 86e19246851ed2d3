package contract

import (
	"crypto/x509"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

func TestRegisterSignerCARejects(t *testing.T) {
	w := newWorld(t)
	o := w.orgs["Org1MSP"]
	leaf, _ := o.ca.Issue(testpki.Leaf{CN: "someone"})
	expired := testpki.NewCA("old", t0.AddDate(-2, 0, 0), t0.AddDate(0, 0, -1))
	fp := payload.Fingerprint(o.ca.Cert.Raw)
	cases := []struct {
		name    string
		creator []byte
		req     string
		want    string
	}{
		{"client identity", o.client, js(model.RegisterSignerCARequest{CertPEM: testpki.NewCA("x", t0, t0.AddDate(1, 0, 0)).PEM()}),
			"FORBIDDEN: only an admin of Org1MSP may do this (certificate OU [client])"},
		{"not PEM", o.admin, js(model.RegisterSignerCARequest{CertPEM: "hello"}), "BAD_CERTIFICATE: expected exactly one PEM CERTIFICATE block"},
		{"two certificates", o.admin, js(model.RegisterSignerCARequest{CertPEM: o.ca.PEM() + o.ca.PEM()}),
			"BAD_CERTIFICATE: expected exactly one PEM CERTIFICATE block"},
		{"end-entity certificate", o.admin, js(model.RegisterSignerCARequest{CertPEM: testpki.PEM(leaf)}),
			"BAD_CERTIFICATE: certPem is not a CA certificate (needs basicConstraints CA:TRUE and keyCertSign)"},
		{"expired CA", o.admin, js(model.RegisterSignerCARequest{CertPEM: expired.PEM()}),
			"CERT_EXPIRED: certificate 0 (old) is valid 2024-11-24T12:00:00Z..2026-11-23T12:00:00Z, not at 2026-11-24T12:00:02.001234567Z"},
		{"already registered", o.admin, js(model.RegisterSignerCARequest{CertPEM: o.ca.PEM()}),
			"CA_EXISTS: CA " + fp + " is already registered for Org1MSP"},
		{"unknown field", o.admin, `{"certPem":"x","mspId":"Org2MSP"}`, `BAD_REQUEST: request JSON: json: unknown field "mspId"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w.now = t0.Add(time.Second)
			_, err := w.invoke(c.creator, "RegisterSignerCA", c.req)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

func TestPublishCRL(t *testing.T) {
	w := newWorld(t)
	o, o2 := w.orgs["Org1MSP"], w.orgs["Org2MSP"]
	fp := payload.Fingerprint(o.ca.Cert.Raw)
	publish := func(creator []byte, fp, crl string) error {
		_, err := w.invoke(creator, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp, CRLPEM: crl}))
		return err
	}
	expect := func(err error, want string) {
		t.Helper()
		if want == "" && err != nil || want != "" && (err == nil || err.Error() != want) {
			t.Fatalf("got  %v\nwant %q", err, want)
		}
	}
	expect(publish(o.client, fp, o.ca.CRL(1, t0)), "FORBIDDEN: only an admin of Org1MSP may do this (certificate OU [client])")
	expect(publish(o2.admin, fp, o.ca.CRL(1, t0)), "CA_NOT_FOUND: no CA "+fp+" is registered for Org2MSP")
	expect(publish(o.admin, fp, o2.ca.CRL(1, t0)), "BAD_CRL: CRL is not signed by CA "+fp+": x509: ECDSA verification failure")
	expect(publish(o.admin, fp, o.ca.PEM()), "BAD_CRL: expected exactly one PEM X509 CRL block")
	expect(publish(o.admin, fp, o.ca.CRL(5, t0, big.NewInt(7), big.NewInt(300))), "")
	trust := decode[model.OrgTrust](t, w.must(nil, "GetOrgTrust", "Org1MSP"))
	if len(trust.CAs) != 1 || len(trust.CRLs) != 1 || trust.CRLs[0].Number != "5" ||
		fmt.Sprint(trust.CRLs[0].RevokedSerials) != "[12c 7]" {
		t.Fatalf("trust %+v", trust)
	}
	expect(publish(o.admin, fp, o.ca.CRL(5, t0.Add(3*time.Second))), "BAD_CRL: CRL number 5 does not increase over the published 5")
	expect(publish(o.admin, fp, o.ca.CRL(0, t0.Add(3*time.Second))), "BAD_CRL: CRL has no number; the published one has number 5")
	expect(publish(o.admin, fp, o.ca.CRL(6, t0.Add(3*time.Second))), "")

	// Fabric CA's CRLs carry no number: they must move forward in thisUpdate.
	fp2 := payload.Fingerprint(o2.ca.Cert.Raw)
	expect(publish(o2.admin, fp2, o2.ca.CRL(0, t0)), "")
	expect(publish(o2.admin, fp2, o2.ca.CRL(0, t0)), "BAD_CRL: CRL thisUpdate 2026-11-24T12:00:00Z is not after the published 2026-11-24T12:00:00Z")
	expect(publish(o2.admin, fp2, o2.ca.CRL(0, t0.Add(time.Second))), "")

	// Not from the future, nextUpdate after thisUpdate, no negative numbers.
	expect(publish(o.admin, fp, o.ca.CRL(7, w.now.Add(10*time.Minute))),
		"BAD_CRL: CRL thisUpdate 2026-11-24T12:10:14Z is more than 5m0s after the transaction time 2026-11-24T12:00:15Z")
	expect(publish(o.admin, fp, o.ca.CRLWith(x509.RevocationList{Number: big.NewInt(7), ThisUpdate: t0.Add(4 * time.Second),
		NextUpdate: t0.Add(4 * time.Second)})),
		"BAD_CRL: CRL nextUpdate 2026-11-24T12:00:04Z is not after its thisUpdate 2026-11-24T12:00:04Z")
	expect(publish(o.admin, fp, o.ca.CRLWith(x509.RevocationList{Number: big.NewInt(-8), ThisUpdate: t0.Add(4 * time.Second),
		NextUpdate: t0.Add(time.Hour)})),
		"BAD_CRL: CRL number -8 is negative")
	expect(publish(o.admin, fp, o.ca.CRL(7, w.now.Add(4*time.Minute))), "") // within the allowed skew

	none := decode[model.OrgTrust](t, w.must(nil, "GetOrgTrust", "Org9MSP"))
	if none.MSPID != "Org9MSP" || len(none.CAs) != 0 || len(none.CRLs) != 0 {
		t.Fatalf("unknown org trust %+v", none)
	}
	if _, err := w.invoke(nil, "GetOrgTrust", "bad/msp"); err == nil || err.Error() != `INVALID_FIELD: mspId "bad/msp" is not a valid MSP id` {
		t.Fatalf("got %v", err)
	}
}
