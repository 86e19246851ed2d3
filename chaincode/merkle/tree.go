package merkle

// Root is the Merkle tree hash (RFC 9162 MTH) of the documents' hashes, in
// signing order. A batch has at least one and at most MaxLeaves documents.
func Root(leaves [][32]byte) ([32]byte, error) {
	if err := checkCount(len(leaves)); err != nil {
		return [32]byte{}, err
	}
	return mth(leafHashes(leaves)), nil
}

func checkCount(n int) error {
	switch {
	case n == 0:
		return malformed("no leaves")
	case n > MaxLeaves:
		return malformed("%d leaves, limit %d", n, MaxLeaves)
	}
	return nil
}

func leafHashes(leaves [][32]byte) [][32]byte {
	hs := make([][32]byte, len(leaves))
	for i := range leaves {
		hs[i] = LeafHash(leaves[i])
	}
	return hs
}

// mth computes MTH over already-hashed leaves. It reduces level by level in
// place: pairing from the left and carrying an odd last node up unchanged
// gives exactly RFC 9162's split at the largest power of two below n.
func mth(hs [][32]byte) [32]byte {
	level := append([][32]byte(nil), hs...)
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i]) // promoted, not duplicated
				continue
			}
			next = append(next, hashNode(level[i], level[i+1]))
		}
		level = next
	}
	return level[0]
}

// split is the largest power of two strictly below n (n >= 2): RFC 9162's k.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}
