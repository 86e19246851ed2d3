package contract

import (
	"fmt"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// countingStub counts the state calls that are each a message exchange
// with the peer on Fabric 2.5 (a range query is two: the query and the
// iterator's close).
type countingStub struct {
	*fakestub.Stub
	n int
}

func (c *countingStub) GetState(k string) ([]byte, error) { c.n++; return c.Stub.GetState(k) }
func (c *countingStub) PutState(k string, v []byte) error { c.n++; return c.Stub.PutState(k, v) }
func (c *countingStub) DelState(k string) error           { c.n++; return c.Stub.DelState(k) }
func (c *countingStub) GetStateByRange(s, e string) (shim.StateQueryIteratorInterface, error) {
	c.n += 2
	return c.Stub.GetStateByRange(s, e)
}

// roundTrips runs fn and commits it, and returns its peer round trips.
func (w *world) roundTrips(t *testing.T, fn, arg string) int {
	t.Helper()
	st := &countingStub{Stub: w.L.NewTx(w.tick(), w.orgs["Org1MSP"].client, fn, arg)}
	if resp := w.cc.Invoke(st); resp.Status != 200 {
		t.Fatalf("%s: %s", fn, resp.Message)
	}
	if err := st.Commit(); err != nil {
		t.Fatal(err)
	}
	return st.n
}

// The round trips of one signature: RecordSignature alone, and each item of
// a group of 16 (one org: its CAs and CRL are read once per transaction).
// Reads per signature: the document, the nonce; per org: the CA range and the
// CRL. Writes per signature: the event, the projection, the nonce, the
// pending key deleted; per transaction: the tx index.
func TestRoundTripsPerSignature(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.signer("Org1MSP", "alice", 1), w.signer("Org2MSP", "bob", 1)
	o := w.orgs["Org1MSP"]
	w.must(o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw), CRLPEM: o.ca.CRL(1, w.now)}))
	const n = 16
	for i := range n + 1 {
		w.register(fmt.Sprintf("rt%d", i), alice, bob)
	}
	single := w.roundTrips(t, "RecordSignature", js(w.signReq(alice, "rt0")))
	items := make([]model.SignatureRequest, n)
	for i := range items {
		items[i] = w.signReq(alice, fmt.Sprintf("rt%d", i+1))
	}
	grouped := w.roundTrips(t, "RecordSignatures", js(model.SignatureGroupRequest{Items: items}))
	t.Logf("peer round trips: RecordSignature %d, RecordSignatures of %d %d (%.2f per signature)", single, n, grouped, float64(grouped)/n)
	if want := 2 + 2 + 1 + 5; single != want {
		t.Errorf("RecordSignature: %d round trips, want %d", single, want)
	}
	if want := n*(2+4) + 2 + 1 + 1; grouped != want {
		t.Errorf("RecordSignatures of %d: %d round trips, want %d", n, grouped, want)
	}
}
