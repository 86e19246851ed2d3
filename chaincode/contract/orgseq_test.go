package contract

import (
	"fmt"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// Org events get their seq from a counter key (no scan of the org's stream);
// a ledger without the counter (written before it) is counted once.
func TestOrgEventSeqCounter(t *testing.T) {
	w := newWorld(t) // each org registered its CA: seq 0
	o := w.orgs["Org1MSP"]
	fp := payload.Fingerprint(o.ca.Cert.Raw)
	var seqs []int
	for i := int64(1); i <= 2; i++ {
		res := decode[model.WriteResult](t, w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp,
			CRLPEM: o.ca.CRL(i, t0.Add(time.Duration(i)*time.Second))})))
		seqs = append(seqs, res.Events[0].Seq)
	}
	if got := string(w.L.State["orgseq/Org1MSP"]); got != "3" {
		t.Fatalf("orgseq/Org1MSP = %q", got)
	}
	delete(w.L.State, "orgseq/Org1MSP") // a ledger from before the counter
	res := decode[model.WriteResult](t, w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: fp,
		CRLPEM: o.ca.CRL(3, t0.Add(3*time.Second))})))
	seqs = append(seqs, res.Events[0].Seq)
	if fmt.Sprint(seqs) != "[1 2 3]" || string(w.L.State["orgseq/Org1MSP"]) != "4" {
		t.Fatalf("seqs %v, counter %q", seqs, w.L.State["orgseq/Org1MSP"])
	}
}

// ListPending lists what a signer can still sign: expired documents only when asked.
func TestListPendingSkipsExpired(t *testing.T) {
	w := newWorld(t)
	alice := w.signer("Org1MSP", "alice", 1)
	soon := docRequest("soon", alice)
	soon.ExpiresAt = t0.Add(time.Hour)
	w.must(w.orgs["Org1MSP"].client, "RegisterDocument", js(soon))
	w.register("later", alice)
	q := func(status model.Status) string {
		return ids(decode[model.Page](t, w.must(nil, "ListPending", js(model.ListQuery{MSPID: "Org1MSP", SignerID: "alice", Status: status}))))
	}
	if got := q(""); got != "soon,later" {
		t.Fatalf("before expiry: %s", got)
	}
	w.now = t0.Add(2 * time.Hour)
	if got, exp := q(""), q(model.StatusExpired); got != "later" || exp != "soon" {
		t.Fatalf("after expiry: pending %s, expired %s", got, exp)
	}
}
