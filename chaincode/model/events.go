package model

import (
	"time"

	"github.com/qrsign/qrsign/chaincode/payload"
)

// EventType names an event. Events are append-only: one ledger key each, never
// updated or deleted. Struct field order fixes the JSON field order.
type EventType string

const (
	EventDocumentRegistered EventType = "DocumentRegistered"
	EventSignatureRecorded  EventType = "SignatureRecorded"
	EventSignatureDeclined  EventType = "SignatureDeclined"
	EventDocumentVoided     EventType = "DocumentVoided"
	EventDocumentCompleted  EventType = "DocumentCompleted"
	EventAnnotated          EventType = "Annotated"
	EventSignerCARegistered EventType = "SignerCARegistered"
	EventCRLPublished       EventType = "CRLPublished"
)

// Event is one ledger event. Exactly one of the body pointers is set, matching Type.
type Event struct {
	Type           EventType `json:"type"`
	DocumentID     string    `json:"documentId,omitempty"` // document events only
	MSPID          string    `json:"mspId,omitempty"`      // org events (CA, CRL) only
	Seq            int       `json:"seq"`                  // position in its stream (document or org), from 0
	TxID           string    `json:"txId"`
	Timestamp      time.Time `json:"timestamp"` // the transaction timestamp, UTC
	CreatorMSP     string    `json:"creatorMsp"`
	CreatorSubject string    `json:"creatorSubject"` // submitting identity's certificate subject

	Registered *DocumentRegistered `json:"registered,omitempty"`
	Signature  *SignatureEvidence  `json:"signature,omitempty"` // SignatureRecorded, SignatureDeclined
	Voided     *Voided             `json:"voided,omitempty"`
	Completed  *Completed          `json:"completed,omitempty"`
	Annotation *Annotation         `json:"annotation,omitempty"`
	CA         *SignerCA           `json:"ca,omitempty"`
	CRL        *CRLInfo            `json:"crl,omitempty"`
	Revision   *PDFRevision        `json:"revision,omitempty"` // RevisionRecorded
}

// DocumentRegistered is the body of a DocumentRegistered event: the request as accepted.
type DocumentRegistered struct {
	RegisterDocumentRequest
	OwnerMSP string `json:"ownerMsp"`
}

// SignatureEvidence freezes everything a verifier used to accept a signature
// (or a decline, or an annotation), so that a later revocation or CA change
// does not rewrite history.
type SignatureEvidence struct {
	Signer          SignerSpec `json:"signer"`
	Nonce           string     `json:"nonce"`
	Algorithm       Algorithm  `json:"algorithm"`
	Signature       string     `json:"signature"` // base64, as submitted
	PayloadSHA256   string     `json:"payloadSha256"`
	CertChainPEM    string     `json:"certChainPem"`
	CertFingerprint string     `json:"certFingerprint"` // SHA-256 hex of the signer certificate's DER
	CertSubject     string     `json:"certSubject"`
	CertIssuer      string     `json:"certIssuer"`
	CertSerial      string     `json:"certSerial"` // lowercase hex
	CertNotBefore   time.Time  `json:"certNotBefore"`
	CertNotAfter    time.Time  `json:"certNotAfter"`
	CAFingerprint   string     `json:"caFingerprint"`
	CRLNumber       string     `json:"crlNumber,omitempty"` // decimal; empty when the org had published no CRL
	CRLThisUpdate   *time.Time `json:"crlThisUpdate,omitempty"`
	CRLStale        bool       `json:"crlStale,omitempty"` // the tx time was past that CRL's nextUpdate (it was still applied)
	Reason          string     `json:"reason,omitempty"`   // declines
	// Batch is set when the signature covered a batch (RecordBatchSignature,
	// RecordBatchDecline): the payload signed was the batch-sign (or
	// batch-decline) payload of Batch, and this document's SHA-256 is leaf
	// Index of its Merkle tree.
	Batch *BatchEvidence `json:"batch,omitempty"`
	// PDF is set when the signature also signed a PDF revision (issue 13).
	PDF *PDFRevision `json:"pdf,omitempty"`
	// P7S is set when the signature came with a detached .p7s (issue 13).
	P7S *P7S `json:"p7s,omitempty"`
}

// BatchEvidence freezes what tied one document to a batch signature.
type BatchEvidence struct {
	BatchID string   `json:"batchId"`
	Root    string   `json:"root"` // Merkle root, lowercase hex
	Size    int      `json:"size"`
	Index   int      `json:"index"` // the document's batchOrder
	Proof   []string `json:"proof"` // inclusion path (RFC 9162), lowercase hex
	// PDFs is what the batch-sign payload bound of the PDF signatures made
	// with it (set on every document of such a signature: the payload is
	// rebuilt from it); PDFIndex and PDFProof place this document's PDF
	// statement (payload.PDFStatement of the event's PDF revision) in that
	// tree, set when the event has a PDF revision.
	PDFs     *payload.BatchPDFs `json:"pdfs,omitempty"`
	PDFIndex int                `json:"pdfIndex,omitempty"`
	PDFProof []string           `json:"pdfProof,omitempty"`
}

// Voided is the body of a DocumentVoided event.
type Voided struct {
	Reason string `json:"reason"`
}

// Completed is the body of a DocumentCompleted event.
type Completed struct {
	Signatures int `json:"signatures"`
}

// Annotation is the body of an Annotated event.
type Annotation struct {
	Tags     []string          `json:"tags"`
	Note     string            `json:"note"`
	Evidence SignatureEvidence `json:"evidence"`
}

// SignerCA is the body of a SignerCARegistered event.
type SignerCA struct {
	Fingerprint string    `json:"fingerprint"` // SHA-256 hex of the CA certificate's DER
	Subject     string    `json:"subject"`
	CertPEM     string    `json:"certPem"`
	NotAfter    time.Time `json:"notAfter"`
}

// CRLInfo is the body of a CRLPublished event.
type CRLInfo struct {
	CAFingerprint  string    `json:"caFingerprint"`
	Number         string    `json:"number"` // decimal
	ThisUpdate     time.Time `json:"thisUpdate"`
	NextUpdate     time.Time `json:"nextUpdate,omitempty"`
	RevokedSerials []string  `json:"revokedSerials"` // lowercase hex, sorted
	CRLPEM         string    `json:"crlPem"`
}
