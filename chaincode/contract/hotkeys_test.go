package contract

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// simulate endorses fn without committing, as two concurrent transactions
// would both be endorsed against the same state.
func (w *world) simulate(t *testing.T, creator []byte, fn, arg string) *fakestub.Stub {
	t.Helper()
	st := w.L.NewTx(w.tick(), creator, fn, arg)
	if resp := w.cc.Invoke(st); resp.Status != 200 {
		t.Fatalf("%s: %s", fn, resp.Message)
	}
	return st
}

// No hot keys: signatures on different documents, endorsed concurrently,
// never invalidate each other (neither writes what the other read), and
// parallel signers of one document conflict only on that document's
// projection key — the unavoidable one, since the turn check and completion
// detection read it.
func TestConcurrentSignaturesConflictOnlyWhereUnavoidable(t *testing.T) {
	w := newWorld(t)
	a, b := w.signer("Org1MSP", "a", 1), w.signer("Org2MSP", "b", 1)
	w.register("h1", a, b)
	w.register("h2", a, b)
	w.register("h3", a)
	client := w.orgs["Org1MSP"].client
	sig := func(s *signer, doc string) string { return js(w.sigRequest(s, doc, payload.PurposeSign, "", nil, "")) }

	// Different documents, even the same signer with the same certificate.
	x := w.simulate(t, client, "RecordSignature", sig(a, "h1"))
	y := w.simulate(t, client, "RecordSignature", sig(a, "h2"))
	z := w.simulate(t, client, "RecordSignature", sig(a, "h3")) // completes h3
	for _, p := range [][2]*fakestub.Stub{{x, y}, {y, x}, {x, z}, {z, x}, {y, z}, {z, y}} {
		if c := p[0].ConflictsWith(p[1]); len(c) != 0 {
			t.Fatalf("signatures on different documents conflict on %v", c)
		}
	}
	// Other writers of the ledger do not conflict with a signature either.
	reg := w.simulate(t, client, "RegisterDocument", js(docRequest("h4", a)))
	ann := w.simulate(t, client, "Annotate", js(model.AnnotateRequest{
		SignatureRequest: w.sigRequest(b, "h2", payload.PurposeAnnotate, "", []string{"t"}, ""), Tags: []string{"t"}}))
	for _, other := range []*fakestub.Stub{reg, ann} {
		if c := x.ConflictsWith(other); len(c) != 0 {
			t.Fatalf("a signature on h1 conflicts with %s on %v", other.Args[0], c)
		}
	}

	// Parallel signers of one document: only doc/h1.
	p := w.simulate(t, client, "RecordSignature", sig(b, "h1"))
	if c := strings.Join(p.ConflictsWith(x), ","); c != "doc/h1" {
		t.Fatalf("parallel signers of h1 conflict on %q, want doc/h1", c)
	}
	// A trust change of the signer's org is judged against concurrently, by design.
	o := w.orgs["Org1MSP"]
	crl := w.simulate(t, o.admin, "PublishCRL", js(model.PublishCRLRequest{CAFingerprint: payload.Fingerprint(o.ca.Cert.Raw),
		CRLPEM: o.ca.CRL(1, w.now)}))
	if c := x.ConflictsWith(crl); len(c) != 1 || !strings.HasPrefix(c[0], "crl/Org1MSP/") {
		t.Fatalf("signature vs PublishCRL conflicts on %v", c)
	}
}

// Batch signatures on different batches never conflict; a batch signature
// conflicts with a single signature only on the document both write.
func TestBatchSignaturesConflictOnlyOnSharedDocuments(t *testing.T) {
	w := newWorld(t)
	a := w.signer("Org1MSP", "a", 1)
	h1 := w.registerBatch("p", 3, a)
	h2 := w.registerBatch("q", 3, a)
	client := w.orgs["Org1MSP"].client
	x := w.simulate(t, client, "RecordBatchSignature", js(w.batchRequest(a, "p", h1, nil)))
	y := w.simulate(t, client, "RecordBatchSignature", js(w.batchRequest(a, "q", h2, nil)))
	if c := x.ConflictsWith(y); len(c) != 0 {
		t.Fatalf("batches p and q conflict on %v", c)
	}
	s := w.simulate(t, client, "RecordSignature", js(w.sigRequest(a, "p-001", payload.PurposeSign, "", nil, "")))
	if c := strings.Join(s.ConflictsWith(x), ","); c != "doc/p-001" {
		t.Fatalf("single signature vs batch conflict on %q, want doc/p-001", c)
	}
}
