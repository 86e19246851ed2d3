package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/internal/fakeledger"
	"github.com/qrsign/qrsign/relay/service"
)

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

// A bundle carries whole blocks (other documents' envelopes): a signer's
// session token, which reads the document and its provenance, does not get it.
func TestEvidenceIsForAPIKeysOnly(t *testing.T) {
	h := newHarness(t)
	tok := h.register("doc-1", signer("bob", 1)).Signing[0].Token
	if rec := h.do("GET", "/v1/documents/doc-1/provenance?token="+tok, nil); rec.Code != 200 {
		t.Fatalf("the token reads the provenance: %d %s", rec.Code, rec.Body)
	}
	wantProblem(t, h.do("GET", "/v1/documents/doc-1/evidence?token="+tok, nil), 401, "UNAUTHORIZED")
}

// blockLedger is the fake ledger with block reads: a history of n events in
// n transactions, and blocks that are not blocks (the build fails after
// reading them, which is enough to count them).
type blockLedger struct {
	*fakeledger.Ledger
	events int
	reads  int
}

func (b *blockLedger) GetHistory(_ context.Context, id string) (*model.History, error) {
	h := &model.History{DocumentID: id}
	for i := range b.events {
		h.Events = append(h.Events, model.Event{Type: model.EventSignatureRecorded, DocumentID: id, Seq: i, TxID: fmt.Sprintf("tx%d", i)})
	}
	return h, nil
}

func (b *blockLedger) BlockByTxID(context.Context, string) ([]byte, error) {
	b.reads++
	return []byte("not a block"), nil
}

func (b *blockLedger) GetOrgHistory(_ context.Context, msp string) (*model.OrgHistory, error) {
	return &model.OrgHistory{MSPID: msp}, nil
}

func TestEvidenceIsCappedAndChargedPerBlock(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 0.001, Burst: 5} })
	h.register("doc-1", signer("bob", 1)) // 1 token
	bl := &blockLedger{Ledger: h.ledger, events: service.MaxEvidenceEvents + 1}
	h.svc.Ledger = bl
	p := wantProblem(t, h.do("GET", "/v1/documents/doc-1/evidence", nil, "X-API-Key", readKey), 422, "EVIDENCE_TOO_LARGE")
	if want := fmt.Sprintf("evidence too large: document doc-1 has %d events, the cap is %d", service.MaxEvidenceEvents+1,
		service.MaxEvidenceEvents); p.Detail != want || bl.reads != 0 {
		t.Fatalf("detail %q after %d block reads\nwant %q after 0", p.Detail, bl.reads, want)
	}
	// 3 transactions: 3 blocks read and charged, on top of the request's own token: 5 - 1 - 1 - 1 - 3 < 0.
	bl.events = 3
	p = wantProblem(t, h.do("GET", "/v1/documents/doc-1/evidence", nil, "X-API-Key", readKey), 502, "EVIDENCE_INCOMPLETE")
	if strings.Contains(p.Detail, "transaction") || strings.Contains(p.Detail, "doc-1") {
		t.Errorf("detail %q carries the ledger's internals", p.Detail)
	}
	if bl.reads != 3 {
		t.Fatalf("%d block reads, want 3", bl.reads)
	}
	wantProblem(t, h.do("GET", "/v1/documents/doc-1", nil, "X-API-Key", readKey), 429, "RATE_LIMITED")
}
