package api

import "time"

// P7SSignature is what a scan callback carries for a document that is not a
// PDF (issue 13 item 4): the signer's signature over the CMS signed
// attributes of a detached CAdES .p7s over the registered bytes
// (cms.ForContent(document, cert, time)), made in the same user action and
// with the same key as the ledger signature. The relay verifies it, has its
// TSA stamp it (CAdES-T) and stores the .p7s.
type P7SSignature struct {
	Time      time.Time `json:"time"`      // the signing-time attribute
	Signature string    `json:"signature"` // standard base64, ECDSA P-256 DER over SHA-256(signed attributes)
}

// P7SResult names a recorded .p7s and where to fetch it.
type P7SResult struct {
	SHA256 string `json:"sha256"`
	URL    string `json:"url"` // GET /v1/documents/{id}/signatures/{n}.p7s
}
