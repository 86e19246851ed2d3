package contract

import (
	"fmt"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// BenchmarkBackfill2000 back-fills the hash/ and tx/ keys of 2000 documents
// that lack them (a ledger from before the indexes), in pages of the maximum
// limit, and runs the same pass again on the filled ledger (reads only). It
// reports ms per page of each, documents per second of the back-fill, and
// their ratio: what one admin loop costs the endorsing peer per page on this
// machine, without the network. `go test -run XXX -bench Backfill2000
// ./chaincode/contract`.
func BenchmarkBackfill2000(b *testing.B) {
	const n = 2000
	w := newWorld(b)
	alice := w.signer("Org1MSP", "alice", 1)
	for i := range n {
		w.register(fmt.Sprintf("d%05d", i), alice)
	}
	admin := w.orgs["Org1MSP"].admin
	pass := func() (pages, written int, took time.Duration) {
		t0 := time.Now()
		after := ""
		for {
			r := decode[model.BackfillResult](b, w.must(admin, "BackfillLookupIndexes",
				js(model.BackfillRequest{After: after, Limit: model.MaxBackfillLimit})))
			pages, written = pages+1, written+r.Written
			if r.Next == "" {
				return pages, written, time.Since(t0)
			}
			after = r.Next
		}
	}
	var fill, again time.Duration
	var pages int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		// Each document has its hash key and one tx key, in the
		// per-transaction form at first and per document after a back-fill.
		keys := lookupKeys(w)
		forget(w, keys)
		b.StartTimer()
		p, written, took := pass()
		if written != len(keys) {
			b.Fatalf("back-fill wrote %d keys, want %d", written, len(keys))
		}
		p2, written2, took2 := pass()
		if written2 != 0 || p2 != p {
			b.Fatalf("rerun wrote %d keys in %d pages", written2, p2)
		}
		fill, again, pages = fill+took, again+took2, pages+p
	}
	perPage := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(pages) }
	b.ReportMetric(perPage(fill), "fill-ms/page")
	b.ReportMetric(perPage(again), "rerun-ms/page")
	b.ReportMetric(float64(n*b.N)/fill.Seconds(), "docs/s")
	b.ReportMetric(float64(fill)/float64(again), "fill/rerun")
}
