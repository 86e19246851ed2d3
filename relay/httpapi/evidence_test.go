package httpapi

import "testing"

// The evidence bundle needs blocks, which only the real gateway reads
// (relay/e2e covers it); with a ledger that cannot, the relay says so
// instead of failing with a 500.
func TestEvidenceNeedsALedgerThatReadsBlocks(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	p := wantProblem(t, h.do("GET", "/v1/documents/doc-1/evidence", nil, "X-API-Key", readKey), 501, "EVIDENCE_UNSUPPORTED")
	if p.Detail != "this relay's ledger connection cannot read blocks" {
		t.Fatalf("detail %q", p.Detail)
	}
	wantProblem(t, h.do("GET", "/v1/documents/nope/evidence", nil, "X-API-Key", readKey), 404, "DOCUMENT_NOT_FOUND")
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/evidence", nil), 401, "UNAUTHORIZED")
}
