package merkle_test

import (
	"encoding/json"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
)

func jsonOf(p merkle.Proof) ([]byte, error) { return json.Marshal(p) }

func BenchmarkRoot500(b *testing.B) {
	leaves := batch(500)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := merkle.Root(leaves); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProofs500(b *testing.B) {
	leaves := batch(500)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := merkle.Proofs(leaves); err != nil {
			b.Fatal(err)
		}
	}
}

// What the chaincode pays per document of a batch.
func BenchmarkVerify500(b *testing.B) {
	leaves := batch(500)
	root, proofs, _ := merkle.Proofs(leaves)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := merkle.Verify(root, leaves[i%500], proofs[i%500]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
