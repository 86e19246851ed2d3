package api

import "time"

// PDFIncrement is the answer of GET /v1/sessions/{token}/pdf: the PDF
// revision a signer of a PDF document signs beside the ledger payload.
// The client fetches PrevURL, checks that PrevURL's bytes hash to PrevSHA256
// and that prev+Increment is exactly a signature increment
// (pades.CheckIncrement), recomputes the digest itself and shows Name,
// Reason and Time before signing.
type PDFIncrement struct {
	Revision   int       `json:"revision"`   // the revision the signature makes (1 = first signature)
	PrevSHA256 string    `json:"prevSha256"` // the latest recorded revision (the registered file before the first)
	PrevURL    string    `json:"prevUrl"`
	Increment  []byte    `json:"increment"` // standard base64 in JSON
	Field      string    `json:"field"`
	Name       string    `json:"name"`
	Reason     string    `json:"reason"`
	Time       time.Time `json:"time"`
	Digest     string    `json:"digest"` // the relay's view; the client signs its own
}

// PDFSignature is what a scan callback carries for a PDF revision: the
// revision, the time the increment states (the relay prepares it again with
// it) and the signer's signature over the CMS signed attributes
// (pades.Attributes(digest, cert)), made with the key and algorithm of the
// ledger signature; revision, prevSha256 and digest are also in the payload.
type PDFSignature struct {
	Revision   int       `json:"revision"`
	PrevSHA256 string    `json:"prevSha256"`
	Digest     string    `json:"digest"`
	Time       time.Time `json:"time"`
	Signature  string    `json:"signature"` // standard base64, ECDSA P-256 DER over SHA-256(signed attributes)
}
