package merkle

import "strconv"

// Verify checks that doc (a document's SHA-256) sits at p.Index in the batch
// whose root is root. It returns an *Error wrapping ErrMalformed for a proof of
// the wrong shape, ErrMismatch when the proof does not lead to root.
func Verify(root, doc [32]byte, p Proof) error {
	path, err := p.hashes()
	if err != nil {
		return err
	}
	if got, ok := rootFromPath(LeafHash(doc), p.Index, p.Size, path); !ok || got != root {
		return &Error{Kind: ErrMismatch, Detail: "leaf " + strconv.Itoa(p.Index) + " of " + strconv.Itoa(p.Size)}
	}
	return nil
}

// rootFromPath is RFC 9162 section 2.1.3.2. The path length was checked
// against (index, size) already, so the sn checks are belt and braces.
func rootFromPath(r [32]byte, index, size int, path [][32]byte) ([32]byte, bool) {
	fn, sn := index, size-1
	for _, p := range path {
		if sn == 0 {
			return r, false
		}
		if fn&1 == 1 || fn == sn {
			r = hashNode(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = hashNode(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	return r, sn == 0
}

// Batch is what a batch signature must cover: the root AND the number of
// documents. A root alone does not fix the size (the leftmost path of a
// 3-leaf tree also verifies as "leaf 0 of 4"), which is why RFC 9162 signs
// the tree size next to the root. The chaincode should verify through Batch.
type Batch struct {
	Root [32]byte
	Size int
}

// Verify checks that doc is the p.Index-th document of this batch.
func (b Batch) Verify(doc [32]byte, p Proof) error {
	if p.Size != b.Size {
		return &Error{Kind: ErrMismatch, Detail: "proof is for size " + strconv.Itoa(p.Size) + ", the batch has " + strconv.Itoa(b.Size)}
	}
	return Verify(b.Root, doc, p)
}

// ParseBatch builds a Batch from what a signed batch payload carries: the
// root in lowercase hex and the document count.
func ParseBatch(rootHex string, size int) (Batch, error) {
	root, err := ParseHash(rootHex)
	if err != nil {
		return Batch{}, malformed("root: %s", err.(*Error).Detail)
	}
	if size < 1 || size > MaxLeaves {
		return Batch{}, malformed("size %d out of range [1, %d]", size, MaxLeaves)
	}
	return Batch{Root: root, Size: size}, nil
}
