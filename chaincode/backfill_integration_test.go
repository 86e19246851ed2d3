//go:build integration

package main

import (
	"encoding/json"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// On a ledger whose documents were all registered with the lookup indexes,
// an admin's back-fill walks every document page by page, writes nothing and
// ends with next ""; a relay client is refused.
func TestIntegrationBackfillOnAFreshLedgerWritesNothing(t *testing.T) {
	it := setup(t)
	// At least two documents, so a page of one leaves a cursor.
	for i := 0; i < 2; i++ {
		it.registerDoc("backfill-"+randHex(8), model.SignerSpec{ID: "nobody-" + randHex(4), MSPID: it.org.MSPID, RoutingOrder: 1})
	}
	run := func(after string, limit int) model.BackfillResult {
		t.Helper()
		out, err := it.submit(it.admin, "BackfillLookupIndexes", model.BackfillRequest{After: after, Limit: limit})
		if err != nil {
			t.Fatalf("BackfillLookupIndexes after %q: %v", after, err)
		}
		var r model.BackfillResult
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("result %q: %v", out, err)
		}
		return r
	}
	if r := run("", 1); r.Scanned != 1 || r.Written != 0 || r.Next == "" {
		t.Fatalf("page of one: %+v", r)
	}
	total, pages := 0, 0
	for after := ""; ; pages++ {
		r := run(after, model.MaxBackfillLimit)
		if r.Written != 0 {
			t.Fatalf("page after %q wrote %d keys on a ledger that has every index: %+v", after, r.Written, r)
		}
		total += r.Scanned
		if r.Next == "" {
			break
		}
		after = r.Next
	}
	if total < 2 {
		t.Fatalf("scanned %d documents in %d pages", total, pages+1)
	}
	t.Logf("back-fill scanned %d documents in %d pages, wrote 0", total, pages+1)
	_, err := it.submit(it.client, "BackfillLookupIndexes", model.BackfillRequest{Limit: 1})
	if code, _ := model.CodeOf(err); code != model.CodeForbidden {
		t.Fatalf("relay client: %v", err)
	}
}
