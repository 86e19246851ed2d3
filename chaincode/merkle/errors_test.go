package merkle_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
)

func batch(n int) [][32]byte {
	out := make([][32]byte, n)
	for i := range out {
		out[i] = sha256.Sum256([]byte(fmt.Sprintf("doc-%d", i)))
	}
	return out
}

func TestBadInputGetsAnExactError(t *testing.T) {
	five := batch(5)
	root, _ := merkle.Root(five)
	good, _ := merkle.NewProof(five, 4) // one hash: the root of leaves 0..3
	h := good.Path[0]
	cases := []struct {
		name string
		err  func() error
		want string
		kind error
	}{
		{"RootOfNoLeaves", func() error { _, err := merkle.Root(nil); return err },
			"merkle: malformed: no leaves", merkle.ErrMalformed},
		{"RootOfTooManyLeaves", func() error { _, err := merkle.Root(make([][32]byte, merkle.MaxLeaves+1)); return err },
			"merkle: malformed: 65537 leaves, limit 65536", merkle.ErrMalformed},
		{"ProofIndexPastTheEnd", func() error { _, err := merkle.NewProof(five, 5); return err },
			"merkle: malformed: index 5 out of range [0, 5)", merkle.ErrMalformed},
		{"ProofNegativeIndex", func() error { _, err := merkle.NewProof(five, -1); return err },
			"merkle: malformed: index -1 out of range [0, 5)", merkle.ErrMalformed},
		{"VerifySizeZero", func() error { return merkle.Verify(root, five[0], merkle.Proof{}) },
			"merkle: malformed: size 0 out of range [1, 65536]", merkle.ErrMalformed},
		{"VerifySizeTooLarge", func() error { return merkle.Verify(root, five[0], merkle.Proof{Size: 1 << 20}) },
			"merkle: malformed: size 1048576 out of range [1, 65536]", merkle.ErrMalformed},
		{"VerifyIndexEqualsSize", func() error { return merkle.Verify(root, five[4], merkle.Proof{Index: 5, Size: 5, Path: []string{h}}) },
			"merkle: malformed: index 5 out of range [0, 5)", merkle.ErrMalformed},
		{"VerifyPathTooLong", func() error {
			return merkle.Verify(root, five[4], merkle.Proof{Index: 4, Size: 5, Path: []string{h, h}})
		}, "merkle: malformed: path has 2 hashes, index 4 of size 5 needs 1", merkle.ErrMalformed},
		{"VerifyPathTooShort", func() error { return merkle.Verify(root, five[0], merkle.Proof{Index: 0, Size: 5, Path: []string{h}}) },
			"merkle: malformed: path has 1 hashes, index 0 of size 5 needs 3", merkle.ErrMalformed},
		{"VerifyUppercaseHex", func() error {
			return merkle.Verify(root, five[4], merkle.Proof{Index: 4, Size: 5, Path: []string{h[:10] + "A" + h[11:]}})
		}, "merkle: malformed: path[0]: hash must be 64 lowercase hex characters, found 'A' at 10", merkle.ErrMalformed},
		{"VerifyShortHash", func() error {
			return merkle.Verify(root, five[4], merkle.Proof{Index: 4, Size: 5, Path: []string{"abcd"}})
		},
			"merkle: malformed: path[0]: hash must be 64 lowercase hex characters, got 4 characters", merkle.ErrMalformed},
		{"VerifyWrongDocument", func() error { return merkle.Verify(root, five[3], good) },
			"merkle: proof does not lead to the root: leaf 4 of 5", merkle.ErrMismatch},
		{"VerifyWrongRoot", func() error { return merkle.Verify(five[0], five[4], good) },
			"merkle: proof does not lead to the root: leaf 4 of 5", merkle.ErrMismatch},
		{"BatchOfOtherSize", func() error { return merkle.Batch{Root: root, Size: 6}.Verify(five[4], good) },
			"merkle: proof does not lead to the root: proof is for size 5, the batch has 6", merkle.ErrMismatch},
		{"ParseBatchBadRoot", func() error { _, err := merkle.ParseBatch("00", 3); return err },
			"merkle: malformed: root: hash must be 64 lowercase hex characters, got 2 characters", merkle.ErrMalformed},
		{"ParseBatchEmpty", func() error { _, err := merkle.ParseBatch(merkle.Hex(root), 0); return err },
			"merkle: malformed: size 0 out of range [1, 65536]", merkle.ErrMalformed},
		{"ParseHashNonHex", func() error { _, err := merkle.ParseHash(strings.Repeat("g", 64)); return err },
			`merkle: malformed: hash must be 64 lowercase hex characters, found 'g' at 0`, merkle.ErrMalformed},
		{"ParseHashesNamesTheLeaf", func() error { _, err := merkle.ParseHashes([]string{merkle.Hex(five[0]), "x"}); return err },
			"merkle: malformed: leaf 1: hash must be 64 lowercase hex characters, got 1 characters", merkle.ErrMalformed},
		{"DecodeUnknownField", func() error {
			_, err := merkle.DecodeProof([]byte(`{"index":0,"size":1,"path":[],"root":"x"}`))
			return err
		},
			`merkle: malformed: proof JSON: json: unknown field "root"`, merkle.ErrMalformed},
		{"DecodeTrailingData", func() error { _, err := merkle.DecodeProof([]byte(`{"index":0,"size":1,"path":[]} {}`)); return err },
			"merkle: malformed: proof JSON: trailing data after the object", merkle.ErrMalformed},
		{"DecodeWrongType", func() error { _, err := merkle.DecodeProof([]byte(`{"index":"0","size":1,"path":[]}`)); return err },
			"merkle: malformed: proof JSON: json: cannot unmarshal string into Go struct field Proof.index of type int", merkle.ErrMalformed},
		{"DecodeValidatesShape", func() error { _, err := merkle.DecodeProof([]byte(`{"index":0,"size":2,"path":[]}`)); return err },
			"merkle: malformed: path has 0 hashes, index 0 of size 2 needs 1", merkle.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if err.Error() != c.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), c.want)
			}
			if !errors.Is(err, c.kind) {
				t.Errorf("error %v does not unwrap to %v", err, c.kind)
			}
			var me *merkle.Error
			if !errors.As(err, &me) {
				t.Errorf("error %T is not a *merkle.Error", err)
			}
		})
	}
}

func TestSingleDocumentBatchHasAnEmptyPathAndRootIsItsLeafHash(t *testing.T) {
	one := batch(1)
	root, _ := merkle.Root(one)
	if root != merkle.LeafHash(one[0]) {
		t.Fatal("root of one document is not its leaf hash")
	}
	p, _ := merkle.NewProof(one, 0)
	if js := fmt.Sprintf("%d %d %d %v", p.Index, p.Size, len(p.Path), p.Path == nil); js != "0 1 0 false" {
		t.Fatalf("proof %s", js)
	}
	if err := merkle.Verify(root, one[0], p); err != nil {
		t.Fatal(err)
	}
	// A bare document hash is not the root: the leaf prefix is applied.
	if merkle.Verify(one[0], one[0], p) == nil {
		t.Fatal("document hash accepted as the root of its own batch")
	}
}
