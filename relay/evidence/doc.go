// Package evidence builds and verifies self-contained evidence bundles
// (format qrsign-evidence/1): everything an auditor needs to check a
// document's history offline, trusting only the CA roots they choose.
//
// A bundle holds the document's events exactly as the chaincode wrote them,
// the endorsed transaction envelopes that wrote them, the blocks holding
// those envelopes (every data entry, so the data hash can be recomputed, and
// the orderers' block signatures), and the signer CA certificates and CRLs the
// events name. Nothing in it is taken on the relay's word: every field is
// either recomputed or checked against something signed, so changing any of
// them makes Verify fail (the mutation test proves it field by field).
//
// What offline evidence cannot prove: that no later event exists (a bundle
// is a history up to its last transaction), and the validation code, which
// the committing peer computes and nobody signs (the verifier re-checks what
// it can of it: the endorsement policy over the given orgs and the
// signatures).
package evidence
