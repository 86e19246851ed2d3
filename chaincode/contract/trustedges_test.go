package contract

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// An intermediate its registered root revoked issues no signer, whether or
// not the signer's chain includes it: both are registered, so the path
// through the root (and its CRL) is built either way.
func TestRevokedRegisteredIntermediateIssuesNoSigner(t *testing.T) {
	for _, withI := range []bool{true, false} {
		w := newWorld(t)
		o := w.orgs["Org1MSP"]
		inter := o.ca.Intermediate("Org1 issuing CA")
		w.must(o.admin, "RegisterSignerCA", js(model.RegisterSignerCARequest{CertPEM: inter.PEM()}))
		w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
			CRLPEM: o.ca.CRL(1, t0, inter.Cert.SerialNumber)}))
		s := issued(inter, "alice")
		if withI {
			s.chain = testpki.PEM(s.cert, inter.Cert)
		}
		w.register("d1", s)
		before := len(w.L.State)
		if _, err := w.sign(s, "d1"); err == nil || !strings.HasPrefix(err.Error(), string(model.CodeCertRevoked)+": ") {
			t.Errorf("chain with the intermediate %v: %v, want CERT_REVOKED", withI, err)
		}
		if len(w.L.State) != before {
			t.Errorf("chain with the intermediate %v: a refused signature wrote %d keys", withI, len(w.L.State)-before)
		}
	}
}

// An expiry the JSON time cannot hold is refused as input, before any write.
func TestExpiryBeyondYear9999IsInvalid(t *testing.T) {
	f := newFixture(t)
	req := docRequest("d9", f.alice)
	b, _ := req.ExpiresAt.MarshalJSON()
	raw := strings.Replace(js(req), string(b), `"9999-12-31T23:59:59-23:59"`, 1)
	before := len(f.L.State)
	_, err := f.invoke(f.orgs["Org1MSP"].client, "RegisterDocument", raw)
	if err == nil || err.Error() != "INVALID_FIELD: expiresAt must be before the year 10000 (UTC)" || len(f.L.State) != before {
		t.Fatalf("%v, %d keys written", err, len(f.L.State)-before)
	}
}

// A batch position holds one document: another registration at it, from
// any org, is refused before anything is written.
func TestBatchPositionIsTakenOnce(t *testing.T) {
	f := newFixture(t)
	a := docRequest("b1-0", f.alice)
	a.BatchID, a.BatchOrder = "b1", 0
	f.must(f.orgs["Org1MSP"].client, "RegisterDocument", js(a))
	for _, org := range []string{"Org2MSP", "Org1MSP"} {
		x := docRequest("other-0", f.alice)
		x.BatchID, x.BatchOrder = "b1", 0
		before := len(f.L.State)
		_, err := f.invoke(f.orgs[org].client, "RegisterDocument", js(x))
		if err == nil || err.Error() != "INVALID_FIELD: batch b1 position 0 is taken by document b1-0" || len(f.L.State) != before {
			t.Fatalf("%s at a taken position: %v, %d keys written", org, err, len(f.L.State)-before)
		}
	}
	next := docRequest("b1-1", f.alice)
	next.BatchID, next.BatchOrder = "b1", 1
	f.must(f.orgs["Org1MSP"].client, "RegisterDocument", js(next))
	if page := decode[model.Page](t, f.must(nil, "ListBatch", "b1")); len(page.Records) != 2 {
		t.Fatalf("ListBatch: %d records", len(page.Records))
	}
}
