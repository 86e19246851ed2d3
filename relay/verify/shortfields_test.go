package verify_test

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/signer/signertest"
	"github.com/qrsign/qrsign/relay/verify"
)

// A relay's short caFingerprint (a field the signer's payload does not
// cover) fails the signature's check; it does not crash the verifier.
func TestShortCAFingerprintFailsTheCheck(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	p := provenance(t, ca)
	for i := range p.Events {
		if e := &p.Events[i].Event; e.Type == model.EventSignatureRecorded && e.Signature != nil {
			e.Signature.CAFingerprint = "ab"
		}
	}
	r := (&verify.Verifier{Channel: "qrsign", Roots: roots("Org1MSP", ca)}).Provenance(p)
	if r.OK() {
		t.Fatal("verified with a CA fingerprint the chain does not pass through")
	}
	for _, c := range r.Checks {
		if !c.OK && strings.Contains(c.Detail, "no chain passes through the CA ab… the ledger recorded") {
			return
		}
	}
	t.Fatalf("no check says so: %+v", r.Checks)
}
