package merkle_test

import (
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
)

// Any bytes given as a proof either decode to a well-formed proof or fail
// with a *merkle.Error; never a panic. A decoded proof verifies only for the
// one (leaf, index) it was made for.
func FuzzDecodeAndVerify(f *testing.F) {
	leaves := batch(7)
	root, proofs, _ := merkle.Proofs(leaves)
	for _, p := range proofs {
		js, _ := jsonOf(p)
		f.Add(js, uint8(p.Index))
	}
	f.Add([]byte(`{"index":0,"size":1,"path":null}`), uint8(0))
	f.Add([]byte(`{"index":-1,"size":0,"path":[""]}`), uint8(3))
	f.Add([]byte(`[]`), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, leaf uint8) {
		p, err := merkle.DecodeProof(data)
		if err != nil {
			if _, ok := err.(*merkle.Error); !ok {
				t.Fatalf("error %T %v is not a *merkle.Error", err, err)
			}
			return
		}
		if p.Validate() != nil {
			t.Fatal("decoded proof fails Validate")
		}
		i := int(leaf) % len(leaves)
		err = merkle.Verify(root, leaves[i], p)
		if err == nil && (p.Index != i || p.Size != len(leaves)) {
			t.Fatalf("proof for index %d size %d verified leaf %d of %d", p.Index, p.Size, i, len(leaves))
		}
	})
}
