package contract

import (
	"fmt"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/internal/fakestub"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// BenchmarkBatchSignature100 compares, per document, one RecordBatchSignature
// of a 100-document batch with 100 RecordSignature transactions on the same
// kind of documents (same signer, chain remembered in both), in process CPU
// time. It reports batch-cpu-ns/doc, single-cpu-ns/doc and their ratio.
func BenchmarkBatchSignature100(b *testing.B) {
	const n = 100
	w := newWorld(b)
	alice := w.signer("Org1MSP", "alice", 1)
	creator := w.orgs["Org1MSP"].client
	batches := make([]*fakestub.Stub, b.N)
	singles := make([]*fakestub.Stub, 0, b.N*n)
	for i := range b.N {
		id := fmt.Sprintf("bb%d", i)
		hashes := w.registerBatch(id, n, alice)
		batches[i] = w.L.NewTx(w.tick(), creator, "RecordBatchSignature", js(w.batchRequest(alice, id, hashes, nil)))
		sid := fmt.Sprintf("bs%d", i)
		w.registerBatch(sid, n, alice)
		for j := range n {
			doc := batchDoc(sid, j)
			singles = append(singles, w.L.NewTx(w.tick(), creator, "RecordSignature", js(w.sigRequest(alice, doc, payload.PurposeSign, "", nil, ""))))
		}
	}
	// Warm the chain memo for both paths alike.
	w.register("warm", alice)
	if _, err := w.sign(alice, "warm"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for _, st := range batches {
		if resp := w.cc.Invoke(st); resp.Status != 200 {
			b.Fatal(resp.Message)
		}
	}
	b.StopTimer()
	cpu1 := cpuTime()
	for _, st := range singles {
		if resp := w.cc.Invoke(st); resp.Status != 200 {
			b.Fatal(resp.Message)
		}
	}
	cpu2 := cpuTime()
	docs := float64(b.N * n)
	batchPer, singlePer := float64(cpu1-cpu0)/docs, float64(cpu2-cpu1)/docs
	b.ReportMetric(batchPer, "batch-cpu-ns/doc")
	b.ReportMetric(singlePer, "single-cpu-ns/doc")
	b.ReportMetric(batchPer/singlePer, "ratio")
	b.Logf("N=%d batches of %d: batch %v CPU/doc, single %v CPU/doc, ratio=%.2f", b.N, n,
		time.Duration(batchPer), time.Duration(singlePer), batchPer/singlePer)
}
