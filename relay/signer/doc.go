// Package signer is the qrsign signer client (it stands in for the phone app)
// as a library. Its parts live in sub-packages named for what they hold:
//
//	keystore  the signer's private key, encrypted under a passphrase, and its certificates
//	enroll    enrollment against the org's Fabric CA over its REST API
//	qrscan    decoding a QR code PNG into the session URL it carries
//	relayapi  the relay's HTTP API as the client sees it, with retries
//	prompt    the questions the client asks a person (confirmation, passphrase)
//	flow      scan → check the document hash → confirm → sign → call back
//	verify    re-verifying a document's provenance locally
//
// cmd/qrsign is a thin main over these.
package signer
