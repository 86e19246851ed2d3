package merkle

// Root is the Merkle tree hash (RFC 9162 MTH) of the documents' hashes, in
// signing order. A batch has at least one and at most MaxLeaves documents.
func Root(leaves [][32]byte) ([32]byte, error) {
	if err := checkCount(len(leaves)); err != nil {
		return [32]byte{}, err
	}
	lv := levels(leafHashes(leaves))
	return lv[len(lv)-1][0], nil
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

// levels builds the tree bottom-up: levels[0] are the leaf hashes, the last
// level is the root alone. Pairing from the left and carrying an odd last node
// up unchanged gives exactly RFC 9162's split at the largest power of two
// below n, without recursion.
func levels(hs [][32]byte) [][][32]byte {
	out := [][][32]byte{hs}
	for level := hs; len(level) > 1; {
		next := make([][32]byte, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i]) // promoted, not duplicated
				continue
			}
			next = append(next, hashNode(level[i], level[i+1]))
		}
		out = append(out, next)
		level = next
	}
	return out
}

// path is the audit path of leaf i, leaf to root: the sibling at each level,
// skipping levels where the node is promoted for lack of one.
func path(lv [][][32]byte, i int) []string {
	out := []string{}
	for _, level := range lv[:len(lv)-1] {
		if sib := i ^ 1; sib < len(level) {
			out = append(out, Hex(level[sib]))
		}
		i >>= 1
	}
	return out
}

// split is the largest power of two strictly below n (n >= 2): RFC 9162's k.
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}
