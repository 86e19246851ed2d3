// Package merkle builds and checks the Merkle tree that lets one scan sign a
// whole batch of documents: the signer signs the tree's root, and the ledger
// records one signature per document, each backed by that document's
// inclusion proof.
//
// The tree follows RFC 9162 (Certificate Transparency v2), section 2.1:
// leaves are domain-separated from interior nodes (leaf = SHA-256(0x00 || d),
// node = SHA-256(0x01 || left || right)), so an interior node can never be
// passed off as a leaf, and an odd node is promoted rather than duplicated,
// so two different batches never share a root (the CVE-2012-2459 ambiguity).
// Leaves are the documents' SHA-256 hashes in the batch's signing order.
//
// Use: the relay computes Proofs over the batch's hashes; the signer signs a
// payload carrying the root (Hex) and the batch size; each document's
// RecordSignature carries its Proof. The chaincode checks the signature once
// per batch and each document with ParseBatch(root, size).Verify(docHash,
// proof): the size must be signed too, because a root alone does not pin it.
// The same hash may appear twice in a batch (two documents with equal
// bytes); proofs are per position, so both verify, each at its own index.
//
// Everything here is deterministic (no maps, no randomness, no clock), so the
// chaincode can run it on every endorsing peer.
package merkle
