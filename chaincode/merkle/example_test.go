package merkle_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/merkle"
)

// A relay prepares a batch: the signer signs the root once; each document's
// signature record carries its proof, which the chaincode checks.
func Example() {
	docs := [][32]byte{
		sha256.Sum256([]byte("contract.pdf")),
		sha256.Sum256([]byte("annex-a.pdf")),
		sha256.Sum256([]byte("annex-b.pdf")),
	}
	root, proofs, err := merkle.Proofs(docs)
	if err != nil {
		panic(err)
	}
	js, _ := json.Marshal(proofs[2])
	fmt.Println("root:", merkle.Hex(root))
	fmt.Println("proof:", string(js))

	// Chaincode side: the signed payload carries root and size; each
	// document's record carries its proof. Decode strictly, then verify.
	batch, err := merkle.ParseBatch(merkle.Hex(root), len(docs))
	p, err2 := merkle.DecodeProof(js)
	fmt.Println(err, err2, batch.Verify(docs[2], p))
	fmt.Println(batch.Verify(docs[1], p))
	// Output:
	// root: 5362f0ee1fb83040c8f6e893667c8a9645b70aecf1bf97ff742c3fdee3d5a869
	// proof: {"index":2,"size":3,"path":["dbecd1ced4733667832cfe23bcfa882ed1c831a280f961c4f4b3c4f10f2ec83f"]}
	// <nil> <nil> <nil>
	// merkle: proof does not lead to the root: leaf 2 of 3
}
