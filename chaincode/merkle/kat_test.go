package merkle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// Hashing by hand, independent of hash.go, so the vectors check the code
// rather than restate it.
func refLeaf(data []byte) [32]byte { return sha256.Sum256(append([]byte{0x00}, data...)) }
func refNode(l, r [32]byte) [32]byte {
	return sha256.Sum256(append(append([]byte{0x01}, l[:]...), r[:]...))
}

// refMTH is RFC 9162 MTH written as the RFC states it (recursive split at the
// largest power of two below n), the reference for the iterative tree.
func refMTH(hs [][32]byte) [32]byte {
	if len(hs) == 1 {
		return hs[0]
	}
	k := 1
	for k*2 < len(hs) {
		k *= 2
	}
	return refNode(refMTH(hs[:k]), refMTH(hs[k:]))
}

// refPath is RFC 9162 PATH(m, D[n]) as the RFC states it.
func refPath(hs [][32]byte, m int) [][32]byte {
	if len(hs) <= 1 {
		return nil
	}
	k := 1
	for k*2 < len(hs) {
		k *= 2
	}
	if m < k {
		return append(refPath(hs[:k], m), refMTH(hs[k:]))
	}
	return append(refPath(hs[k:], m-k), refMTH(hs[:k]))
}

func docHash(i int) [32]byte { return sha256.Sum256([]byte(fmt.Sprintf("doc-%d", i))) }

func docs(n int) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		out[i] = docHash(i)
	}
	return out
}

// The RFC 6962 test vectors of certificate-transparency (raw leaf data of
// varied length; same hashing as RFC 9162).
func TestRFC6962VectorsMatchTheTreeHash(t *testing.T) {
	data := []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}
	roots := []string{
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	var hs [][32]byte
	for i, d := range data {
		raw, _ := hex.DecodeString(d)
		hs = append(hs, hashLeaf(raw))
		lv := levels(hs)
		if got := Hex(lv[len(lv)-1][0]); got != roots[i] {
			t.Errorf("size %d: root %s, want %s", i+1, got, roots[i])
		}
	}
}

// Sizes 1..7 built node by node: shows where odd nodes go (promoted, never
// duplicated). Hex roots were computed separately with Python's hashlib.
func TestRootOfSmallBatchesMatchesTreesBuiltByHand(t *testing.T) {
	l := make([][32]byte, 7)
	for i := range l {
		d := docHash(i)
		l[i] = refLeaf(d[:])
	}
	n01, n23, n45 := refNode(l[0], l[1]), refNode(l[2], l[3]), refNode(l[4], l[5])
	n0123 := refNode(n01, n23)
	cases := []struct {
		size int
		want [32]byte
		hex  string
	}{
		{1, l[0], "d8bcd44291d2f3cd49f3301317f46dad99826c171c520a72342adf80cc2bf57d"},
		{2, n01, "083dfddadb202611af1d0213d8227c68c0db36be2b61c5067375f2dfa6cae71a"},
		{3, refNode(n01, l[2]), "8a6c0d4dd043326e7389015b789803de4c3ea3a5874383ff632c3e3f11fba10a"},
		{4, n0123, "9d4a533ccf92e70a172b3501f8d4361f82d2d8fd6e1bfdbb69b6736e6edefcd0"},
		{5, refNode(n0123, l[4]), "b6a3b04f0c736209de077fba84ca03dfca0568f62e53be7d45ddb1898eb228f9"},
		{6, refNode(n0123, n45), "cffb925a8a28059a9cb27a0727088aa7b82fd6559e6289b225d8f5468d546a42"},
		{7, refNode(n0123, refNode(n45, l[6])), "14439a367b88a4978b085603fefbfb4fda009d11b1662755b0e417441a0b471e"},
	}
	for _, c := range cases {
		got, err := Root(docs(c.size))
		if err != nil {
			t.Fatalf("size %d: %v", c.size, err)
		}
		if got != c.want || Hex(got) != c.hex {
			t.Errorf("size %d: root %s, want %s (by hand %s)", c.size, Hex(got), c.hex, Hex(c.want))
		}
	}
}

// Duplicating the last leaf (Bitcoin's rule) would give [a b c] and [a b c c]
// the same root; promotion does not.
func TestRootDistinguishesABatchFromOneWithItsLastLeafRepeated(t *testing.T) {
	three := docs(3)
	four := append(docs(3), docHash(2))
	r3, _ := Root(three)
	r4, _ := Root(four)
	if r3 == r4 {
		t.Fatal("[a b c] and [a b c c] share a root")
	}
}

// A leaf never equals an interior node with the same bytes: the 0x00/0x01
// prefixes separate them, so a node cannot be presented as a document.
func TestInteriorNodeCannotBeProvedAsALeaf(t *testing.T) {
	leaves := docs(4)
	root, _ := Root(leaves)
	lv := levels(leafHashes(leaves))
	node := lv[1][0] // hash of leaves 0 and 1
	p := Proof{Index: 0, Size: 2, Path: []string{Hex(lv[1][1])}}
	if err := Verify(root, node, p); err == nil {
		t.Fatal("interior node accepted as a leaf")
	}
}

func TestProofsMatchRFCPathForEveryPositionUpTo70(t *testing.T) {
	for n := 1; n <= 70; n++ {
		leaves := docs(n)
		hs := make([][32]byte, n)
		for i := range hs {
			hs[i] = refLeaf(leaves[i][:])
		}
		root, ps, err := Proofs(leaves)
		if err != nil {
			t.Fatal(err)
		}
		if root != refMTH(hs) {
			t.Fatalf("size %d: root differs from RFC MTH", n)
		}
		for i, p := range ps {
			want := refPath(hs, i)
			if len(p.Path) != len(want) || pathLen(i, n) != len(want) {
				t.Fatalf("size %d index %d: path length %d, RFC %d", n, i, len(p.Path), len(want))
			}
			for j := range want {
				if p.Path[j] != Hex(want[j]) {
					t.Fatalf("size %d index %d: path[%d] differs from RFC PATH", n, i, j)
				}
			}
		}
	}
}
