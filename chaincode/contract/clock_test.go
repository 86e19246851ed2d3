package contract

import (
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// Peers do not bound proposal timestamps: a document write may not be dated
// before the document's last event.
func TestClockSkewRefused(t *testing.T) {
	cases := []struct {
		name string
		run  func(f *fixture) (string, error)
		want string
	}{
		{"signature dated before the registration", func(f *fixture) (string, error) {
			f.now = t0.Add(-time.Minute)
			return f.sign(f.alice, "d1")
		}, "CLOCK_SKEW: transaction time 2026-11-24T11:59:01.001234567Z is before document d1's last event at 2026-11-24T12:00:03.003703701Z"},
		{"decline dated before the last signature", func(f *fixture) (string, error) {
			mustOK(f.tb.(*testing.T))(f.sign(f.alice, "d1"))
			f.now = t0
			return f.invoke(f.orgs["Org1MSP"].client, "DeclineSignature", js(f.sigRequest(f.bob, "d1", payload.PurposeDecline, "no", nil, "")))
		}, "CLOCK_SKEW: transaction time 2026-11-24T12:00:01.001234567Z is before document d1's last event at 2026-11-24T12:00:04.004938268Z"},
		{"void dated before the registration", func(f *fixture) (string, error) {
			f.now = t0
			return f.invoke(f.orgs["Org1MSP"].client, "VoidDocument", js(model.VoidRequest{DocumentID: "d1", Reason: "x"}))
		}, "CLOCK_SKEW: transaction time 2026-11-24T12:00:01.001234567Z is before document d1's last event at 2026-11-24T12:00:03.003703701Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := c.run(f)
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
	// The same instant as the last event is fine (several events per transaction share it).
	f := newFixture(t)
	doc := decode[model.DocumentView](t, f.must(nil, "GetDocument", "d1"))
	if !doc.UpdatedAt.Equal(doc.CreatedAt) {
		t.Fatalf("updatedAt %v createdAt %v", doc.UpdatedAt, doc.CreatedAt)
	}
	f.now = doc.UpdatedAt.Add(-time.Second - 1234567*time.Nanosecond) // tick lands exactly on it
	mustOK(t)(f.sign(f.alice, "d1"))
}

// A CRL past its nextUpdate is still applied; the evidence says it was stale.
func TestStaleCRLRecorded(t *testing.T) {
	f := newFixture(t)
	o := f.orgs["Org1MSP"]
	f.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw), CRLPEM: o.ca.CRL(1, t0)}))
	f.register("d2", f.alice)
	ev := decode[model.WriteResult](t, mustOK(t)(f.sign(f.alice, "d1"))).Events[0].Signature
	if ev.CRLStale || ev.CRLNumber != "1" {
		t.Fatalf("fresh CRL: %+v", ev)
	}
	f.now = t0.AddDate(0, 0, 8) // the CRL's nextUpdate is t0 + 7 days
	ev = decode[model.WriteResult](t, mustOK(t)(f.sign(f.alice, "d2"))).Events[0].Signature
	if !ev.CRLStale {
		t.Fatalf("stale CRL not recorded: %+v", ev)
	}
	if rep := decode[model.VerifyReport](t, f.must(nil, "VerifyRecord", "d2")); !rep.OK {
		t.Fatalf("VerifyRecord %+v", rep)
	}
}

// Fabric NodeOUs match the OU identifier exactly: "Admin" is not "admin".
func TestAdminOUIsExact(t *testing.T) {
	w := newWorld(t)
	o := w.orgs["Org1MSP"]
	c, _ := o.ca.Issue(testpki.Leaf{CN: "admin2", OUs: []string{"Admin"}})
	_, err := w.invoke(fakestub.Creator("Org1MSP", c), "RegisterSignerCA",
		js(model.RegisterSignerCARequest{CertPEM: testpki.NewCA("x", t0, t0.AddDate(1, 0, 0)).PEM()}))
	want := "FORBIDDEN: only an admin of Org1MSP may do this (certificate OU [Admin])"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
