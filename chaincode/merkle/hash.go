package merkle

import (
	"crypto/sha256"
	"encoding/hex"
)

// Domain-separation prefixes (RFC 9162 section 2.1.1).
const (
	leafPrefix = 0x00
	nodePrefix = 0x01
)

// MaxLeaves bounds a batch. It keeps proofs at most 16 hashes long and the
// work one transaction can ask for small.
const MaxLeaves = 1 << 16

// LeafHash is the tree's hash of one document hash.
func LeafHash(doc [32]byte) [32]byte { return hashLeaf(doc[:]) }

func hashLeaf(data []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte{leafPrefix})
	h.Write(data)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func hashNode(left, right [32]byte) [32]byte {
	var buf [65]byte
	buf[0] = nodePrefix
	copy(buf[1:33], left[:])
	copy(buf[33:], right[:])
	return sha256.Sum256(buf[:])
}

// Hex renders a hash the way the model writes hashes: 64 lowercase hex digits.
func Hex(h [32]byte) string { return hex.EncodeToString(h[:]) }

// ParseHash accepts exactly 64 lowercase hex digits, the model's only spelling
// of a hash, so one hash has one text form on the ledger.
func ParseHash(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, malformed("hash must be 64 lowercase hex characters, got %d characters", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, malformed("hash must be 64 lowercase hex characters, found %q at %d", c, i)
		}
	}
	hex.Decode(h[:], []byte(s))
	return h, nil
}

// ParseHashes parses a batch's document hashes, naming the first bad one.
func ParseHashes(ss []string) ([][32]byte, error) {
	out := make([][32]byte, len(ss))
	for i, s := range ss {
		h, err := ParseHash(s)
		if err != nil {
			return nil, malformed("leaf %d: %s", i, err.(*Error).Detail)
		}
		out[i] = h
	}
	return out, nil
}
