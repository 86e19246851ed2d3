package httpapi

import (
	"strings"
	"testing"
)

// A batch title (kept by the relay, shown on the sheet and to every scanner)
// follows the same text rule as a document title: 400 INVALID_FIELD naming
// the field, and no manifest or document is written.
func TestBatchTitleFollowsTheTextRule(t *testing.T) {
	h := newHarness(t)
	meta := batchMeta("b1")
	meta["title"] = "Onboarding\u202e fdp.exe"
	p := wantProblem(t, h.postBatch(meta, 2), 400, "INVALID_FIELD")
	if p.Detail != "title: U+202E at byte 10 is an invisible formatting character (bidi control, zero-width, BOM, tag, …)" {
		t.Fatal(p.Detail)
	}
	wantProblem(t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
	if _, err := h.ledger.GetDocument(nil, "b1.0001"); err == nil {
		t.Fatal("a document of the refused batch is on the ledger")
	}
}

// A JSON body whose string holds a lone surrogate escape is refused, naming
// the field, instead of being read as U+FFFD.
func TestJSONLoneSurrogateIsRefused(t *testing.T) {
	h := newHarness(t)
	body := `{"id":"d1","title":"Loan \ud800","docType":"contract","owner":"alice","sha256":"` + strings.Repeat("a", 64) +
		`","size":1,"signers":[{"id":"bob","mspId":"Org1MSP","routingOrder":1}]}`
	p := wantProblem(t, h.do("POST", "/v1/documents", strings.NewReader(body), "Content-Type", "application/json",
		"Authorization", "Bearer "+writeKey), 400, "INVALID_FIELD")
	if p.Detail != `title: holds \ud800, a lone surrogate (not a character)` {
		t.Fatal(p.Detail)
	}
}
