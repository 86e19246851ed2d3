// Package signer is the qrsign signer client (it stands in for the phone app)
// as a library. Its parts live in sub-packages named for what they hold:
//
//	keystore  the signer's private key, encrypted under a passphrase, and its certificates
//	qrscan    decoding a QR code PNG into the session URL it carries
//	relayapi  a client of the relay's HTTP API (wire types: relay/api), with retries
//	prompt    the questions the client asks a person (confirmation, passphrase)
//	flow      scan → check the document hash → confirm → sign → call back
//	clearsign what the client judges and signs beside the ledger payload (a
//	          prepared PDF increment, PDF and .p7s signed attributes); no I/O,
//	          also compiled to WebAssembly for the phone page (cmd/signer-wasm)
//	upload    batch uploads with progress
//
// Shared with the relay, outside this tree: relay/api (wire types),
// relay/fabricca (enrollment against the org's Fabric CA), relay/verify
// (re-verifying a provenance locally) and relay/evidence (offline evidence
// bundles). None of it links fabric-gateway, gRPC or Echo
// (relay/internal/layers). cmd/qrsign is a thin main over these.
package signer
