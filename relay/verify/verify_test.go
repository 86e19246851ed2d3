package verify_test

import (
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/signertest"
	"github.com/qrsign/qrsign/relay/verify"
)

// provenance is what the relay would serve for a one-signer document
// signed by alice of Org1MSP: registered, signed, completed.
func provenance(t *testing.T, ca *testpki.CA) *api.Provenance {
	t.Helper()
	p, err := signertest.Provenance(ca, "Org1MSP")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAGenuineRecordVerifies(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	v := &verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}
	r := v.Provenance(provenance(t, ca))
	if !r.OK() || r.Signatures != 1 {
		t.Fatalf("report %+v", r)
	}
}

func TestTamperingIsFound(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	other := signertest.NewCA("ca-elsewhere")
	for _, tc := range []struct {
		name   string
		v      verify.Verifier
		tamper func(p *api.Provenance)
		check  string // the failing check's name
		want   string // its detail starts with this
	}{
		{"a signature over another document hash", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Events[0].Event.Registered.SHA256 = strings.Repeat("a", 64)
			p.Document.SHA256 = strings.Repeat("a", 64)
		}, "event 1 SignatureRecorded by Org1MSP/alice", "rebuilt payload hashes to "},
		{"a flipped signature", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			s := p.Events[1].Event.Signature
			b, _ := base64.StdEncoding.DecodeString(s.Signature)
			b[len(b)-1] ^= 1
			s.Signature = base64.StdEncoding.EncodeToString(b)
		}, "event 1 SignatureRecorded by Org1MSP/alice", "BAD_SIGNATURE: "},
		{"the wrong channel", verify.Verifier{Channel: "other", Roots: roots("Org1MSP", ca)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "rebuilt payload hashes to "},
		{"a chain to an untrusted CA", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", other)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "chain at "},
		{"no roots at all", verify.Verifier{Channel: "qrsign"}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "UNVERIFIED: no trusted CA for Org1MSP (its signature verifies"},
		{"the right CA given for another org only", verify.Verifier{Channel: "qrsign", Roots: roots("Org2MSP", ca)}, func(*api.Provenance) {},
			"event 1 SignatureRecorded by Org1MSP/alice", "UNVERIFIED: no trusted CA for Org1MSP"},
		{"a self-issued certificate (a relay fabricating history)", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			*p = *provenance(t, signertest.NewCA("ca-org1")) // same names, the relay's own CA
		}, "event 1 SignatureRecorded by Org1MSP/alice", "chain at "},
		{"a projection that is not the fold", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Document.Status = model.StatusPending
		}, "projection", "the document shown differs from the fold of its events"},
		{"an invalid transaction", verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}, func(p *api.Provenance) {
			p.Events[1].ValidationCode = "MVCC_READ_CONFLICT"
		}, "events", `event 1 (tx tx1) has validation code "MVCC_READ_CONFLICT"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := provenance(t, ca)
			tc.tamper(p)
			r := tc.v.Provenance(p)
			if r.OK() {
				t.Fatal("tampered record verified")
			}
			for _, c := range r.Checks {
				if c.Name == tc.check {
					if c.OK || !strings.HasPrefix(c.Detail, tc.want) {
						t.Fatalf("check %q: ok=%v detail %q, want prefix %q", c.Name, c.OK, c.Detail, tc.want)
					}
					return
				}
			}
			t.Fatalf("no check %q in %+v", tc.check, r.Checks)
		})
	}
}

func roots(msp string, cas ...*testpki.CA) map[string][]*x509.Certificate {
	m := map[string][]*x509.Certificate{}
	for _, c := range cas {
		m[msp] = append(m[msp], c.Cert)
	}
	return m
}
