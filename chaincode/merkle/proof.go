package merkle

import (
	"bytes"
	"encoding/json"
	"io"
)

// Proof is an inclusion proof: the sibling hashes from the leaf up to the
// root (RFC 9162 PATH order), for the leaf at Index in a tree of Size leaves.
// It travels as JSON inside signature requests, hashes in lowercase hex.
type Proof struct {
	Index int      `json:"index"`
	Size  int      `json:"size"`
	Path  []string `json:"path"`
}

// NewProof is the inclusion proof of leaves[index].
func NewProof(leaves [][32]byte, index int) (Proof, error) {
	if err := checkCount(len(leaves)); err != nil {
		return Proof{}, err
	}
	if index < 0 || index >= len(leaves) {
		return Proof{}, malformed("index %d out of range [0, %d)", index, len(leaves))
	}
	return Proof{Index: index, Size: len(leaves), Path: path(levels(leafHashes(leaves)), index)}, nil
}

// Proofs is every leaf's inclusion proof and the root, building the tree once
// (what a relay preparing a batch needs): O(n log n) instead of O(n²).
func Proofs(leaves [][32]byte) ([32]byte, []Proof, error) {
	if err := checkCount(len(leaves)); err != nil {
		return [32]byte{}, nil, err
	}
	lv := levels(leafHashes(leaves))
	ps := make([]Proof, len(leaves))
	for i := range ps {
		ps[i] = Proof{Index: i, Size: len(leaves), Path: path(lv, i)}
	}
	return lv[len(lv)-1][0], ps, nil
}

// pathLen is how many hashes the proof for index in a tree of size has.
// A proof must have exactly that many: extra or missing hashes are rejected
// before any hashing, so one leaf has exactly one valid proof.
func pathLen(index, size int) int {
	n := 0
	for size > 1 {
		k := split(size)
		if index < k {
			size = k
		} else {
			index, size = index-k, size-k
		}
		n++
	}
	return n
}

// Validate checks the proof's shape: size in [1, MaxLeaves], index in
// [0, size), the path exactly as long as that position needs, every hash
// lowercase hex. It does not check the proof against a root: Verify does.
func (p Proof) Validate() error {
	_, err := p.hashes()
	return err
}

func (p Proof) hashes() ([][32]byte, error) {
	if p.Size < 1 || p.Size > MaxLeaves {
		return nil, malformed("size %d out of range [1, %d]", p.Size, MaxLeaves)
	}
	if p.Index < 0 || p.Index >= p.Size {
		return nil, malformed("index %d out of range [0, %d)", p.Index, p.Size)
	}
	if want := pathLen(p.Index, p.Size); len(p.Path) != want {
		return nil, malformed("path has %d hashes, index %d of size %d needs %d", len(p.Path), p.Index, p.Size, want)
	}
	hs := make([][32]byte, len(p.Path))
	for i, s := range p.Path {
		h, err := ParseHash(s)
		if err != nil {
			return nil, malformed("path[%d]: %s", i, err.(*Error).Detail)
		}
		hs[i] = h
	}
	return hs, nil
}

// DecodeProof parses a proof strictly (one JSON object, no unknown fields, no
// trailing data) and validates its shape.
func DecodeProof(data []byte) (Proof, error) {
	var p Proof
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Proof{}, malformed("proof JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Proof{}, malformed("proof JSON: trailing data after the object")
	}
	if err := p.Validate(); err != nil {
		return Proof{}, err
	}
	return p, nil
}
