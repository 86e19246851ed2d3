package merkle_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
)

// For random batch sizes up to 300, every proof verifies, survives a JSON
// round trip, and any single change (a flipped bit in a path hash, the leaf
// or the root; another index or size) is rejected.
func TestEveryProofVerifiesAndAnyChangeFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: reproducible
	sizes := []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 255, 256, 257, 300}
	for range 20 {
		sizes = append(sizes, 1+rng.IntN(300))
	}
	for _, n := range sizes {
		leaves := batch(n)
		for i := range leaves {
			leaves[i][0] ^= byte(rng.Uint32()) // vary beyond the fixed names
		}
		root, proofs, err := merkle.Proofs(leaves)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range proofs {
			if err := merkle.Verify(root, leaves[i], p); err != nil {
				t.Fatalf("size %d index %d: %v", n, i, err)
			}
			js, _ := json.Marshal(p)
			back, err := merkle.DecodeProof(js)
			if err != nil || merkle.Verify(root, leaves[i], back) != nil {
				t.Fatalf("size %d index %d: JSON round trip: %v", n, i, err)
			}
			mustFail := func(what string, root, leaf [32]byte, p merkle.Proof) {
				t.Helper()
				if merkle.Verify(root, leaf, p) == nil {
					t.Fatalf("size %d index %d: %s accepted", n, i, what)
				}
			}
			bit := byte(1) << rng.IntN(8)
			if len(p.Path) > 0 {
				j := rng.IntN(len(p.Path))
				h, _ := merkle.ParseHash(p.Path[j])
				h[rng.IntN(32)] ^= bit
				q := p
				q.Path = append([]string(nil), p.Path...)
				q.Path[j] = merkle.Hex(h)
				mustFail("flipped path bit", root, leaves[i], q)
			}
			leaf := leaves[i]
			leaf[rng.IntN(32)] ^= bit
			mustFail("flipped leaf bit", root, leaf, p)
			r := root
			r[rng.IntN(32)] ^= bit
			mustFail("flipped root bit", r, leaves[i], p)
			if n > 1 {
				q := p
				q.Index = (i + 1 + rng.IntN(n-1)) % n
				mustFail("other index", root, leaves[i], q)
			}
			batch := merkle.Batch{Root: root, Size: n}
			if err := batch.Verify(leaves[i], p); err != nil {
				t.Fatalf("size %d index %d: batch: %v", n, i, err)
			}
			for _, size := range []int{n - 1, n + 1, 2 * n} {
				q := p
				q.Size = size
				if batch.Verify(leaves[i], q) == nil {
					t.Fatalf("size %d index %d: batch accepted size %d", n, i, size)
				}
			}
		}
	}
}

// Why Batch exists: the bare root does not pin the size. Proofs along the
// left edge of a tree that is not a power of two verify for a larger size.
func TestBareRootDoesNotPinTheBatchSize(t *testing.T) {
	three := batch(3)
	root, _ := merkle.Root(three)
	p, _ := merkle.NewProof(three, 0)
	p.Size = 4
	if err := merkle.Verify(root, three[0], p); err != nil {
		t.Fatalf("expected the RFC-inherent acceptance, got %v", err)
	}
	if (merkle.Batch{Root: root, Size: 3}).Verify(three[0], p) == nil {
		t.Fatal("Batch accepted a proof claiming size 4 for a batch of 3")
	}
}

// Reordering a batch changes its root: the signature covers the signing order.
func TestRootDependsOnSigningOrder(t *testing.T) {
	a := batch(6)
	b := append([][32]byte(nil), a...)
	b[2], b[3] = b[3], b[2]
	ra, _ := merkle.Root(a)
	rb, _ := merkle.Root(b)
	if ra == rb {
		t.Fatal("swapping two documents kept the root")
	}
}
