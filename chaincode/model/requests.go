package model

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/text"
)

// Field limits. They bound what one transaction can write.
const (
	MaxTitleLen     = 256
	MaxTextLen      = 1024 // reasons and notes
	MaxSigners      = 32
	MaxTags         = 16
	MaxChainPEMLen  = 16 << 10
	MaxRequestBytes = 64 << 10
	// MaxBatchItems bounds the documents one RecordBatchSignature writes;
	// MaxBatchRequestBytes its argument (500 items with 16-hash proofs fit).
	MaxBatchItems        = 500
	MaxBatchRequestBytes = 1 << 20
	MaxPriority          = 9
	MaxRoutingOrder      = 99
)

// Algorithm names a signature scheme accepted by RecordSignature.
type Algorithm string

const (
	// AlgECDSAP256DER is ECDSA P-256 with SHA-256, signature ASN.1 DER (Go, Java, OpenSSL).
	AlgECDSAP256DER Algorithm = "ECDSA_P256_SHA256_DER"
	// AlgECDSAP256Raw is ECDSA P-256 with SHA-256, signature r||s, 64 bytes (WebCrypto, JOSE ES256).
	AlgECDSAP256Raw Algorithm = "ECDSA_P256_SHA256_RAW"
	// AlgEd25519 is pure Ed25519 over the payload.
	AlgEd25519 Algorithm = "ED25519"
)

var (
	reID     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	reSigner = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$`)
	reHex64  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reNonce  = regexp.MustCompile(`^[0-9a-f]{32}$`)
	reTag    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	reMedia  = regexp.MustCompile(`^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$`)
	reDocTyp = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// Decode parses a request strictly: one JSON object, no unknown fields, no
// trailing data, no duplicate keys, field names in exactly their case.
func Decode(data []byte, v any) error { return DecodeLimit(data, v, MaxRequestBytes) }

// DecodeLimit is Decode with another size limit (batch requests).
func DecodeLimit(data []byte, v any, limit int) error {
	if len(data) > limit {
		return Errorf(CodeBadRequest, "request is %d bytes, limit %d", len(data), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeBadRequest, "request JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(CodeBadRequest, "request JSON: trailing data after the object")
	}
	// encoding/json turned invalid UTF-8 and lone surrogates into U+FFFD.
	if err := text.CheckJSON(data); err != nil {
		return Errorf(CodeInvalidField, "%v", err)
	}
	return strictKeys(data, reflect.TypeOf(v))
}

// SignerSpec names one signer of a document: an enrollment id (the CN of the
// certificate the org's Fabric CA issued) in an org (its MSP id), and when they sign.
type SignerSpec struct {
	ID           string `json:"id"`
	MSPID        string `json:"mspId"`
	RoutingOrder int    `json:"routingOrder"` // 1..MaxRoutingOrder; equal = parallel, rising = sequential
}

// Key is the signer's identity as one string, "mspId/id".
func (s SignerSpec) Key() string { return s.MSPID + "/" + s.ID }

// RegisterDocumentRequest is the argument of RegisterDocument.
type RegisterDocumentRequest struct {
	ID         string       `json:"id"`
	SHA256     string       `json:"sha256"` // lowercase hex of the document bytes
	Size       int64        `json:"size"`
	MediaType  string       `json:"mediaType"`
	Title      string       `json:"title"`
	DocType    string       `json:"docType"`
	Owner      string       `json:"owner"` // app-level owner id; the owner's org is the submitter's MSP
	Signers    []SignerSpec `json:"signers"`
	Priority   int          `json:"priority"` // 0..MaxPriority, higher is more urgent
	ExpiresAt  time.Time    `json:"expiresAt"`
	BatchID    string       `json:"batchId,omitempty"`
	BatchOrder int          `json:"batchOrder,omitempty"`
}

// Validate checks every field; now is the transaction time (expiry must be after it).
func (r *RegisterDocumentRequest) Validate(now time.Time) error {
	switch {
	case !reID.MatchString(r.ID):
		return Errorf(CodeInvalidField, "id %q must match %s", clip(r.ID), reID)
	case !reHex64.MatchString(r.SHA256):
		return Errorf(CodeInvalidField, "sha256 must be 64 lowercase hex characters")
	case r.Size < 0:
		return Errorf(CodeInvalidField, "size must not be negative")
	case !reMedia.MatchString(r.MediaType):
		return Errorf(CodeInvalidField, "mediaType %q is not a media type", clip(r.MediaType))
	case strings.TrimSpace(r.Title) == "" || len(r.Title) > MaxTitleLen:
		return Errorf(CodeInvalidField, "title must be 1..%d bytes, not blank", MaxTitleLen)
	case !reDocTyp.MatchString(r.DocType):
		return Errorf(CodeInvalidField, "docType %q must match %s", clip(r.DocType), reDocTyp)
	case !reSigner.MatchString(r.Owner):
		return Errorf(CodeInvalidField, "owner %q must match %s", clip(r.Owner), reSigner)
	case len(r.Signers) == 0 || len(r.Signers) > MaxSigners:
		return Errorf(CodeInvalidField, "signers must list 1..%d signers", MaxSigners)
	case r.Priority < 0 || r.Priority > MaxPriority:
		return Errorf(CodeInvalidField, "priority must be 0..%d", MaxPriority)
	case !r.ExpiresAt.After(now):
		return Errorf(CodeInvalidField, "expiresAt must be after the transaction time")
	case r.ExpiresAt.UTC().Year() > 9999: // JSON time ends there
		return Errorf(CodeInvalidField, "expiresAt must be before the year 10000 (UTC)")
	case r.BatchID != "" && !reID.MatchString(r.BatchID):
		return Errorf(CodeInvalidField, "batchId %q must match %s", clip(r.BatchID), reID)
	case r.BatchOrder < 0 || r.BatchOrder >= merkle.MaxLeaves:
		return Errorf(CodeInvalidField, "batchOrder must be 0..%d", merkle.MaxLeaves-1)
	case r.BatchID == "" && r.BatchOrder != 0:
		return Errorf(CodeInvalidField, "batchOrder needs a batchId")
	}
	if err := CheckText("title", r.Title, MaxTitleLen, text.Line); err != nil {
		return err
	}
	seen := make(map[string]bool, len(r.Signers))
	for i, s := range r.Signers {
		switch {
		case !reSigner.MatchString(s.ID):
			return Errorf(CodeInvalidField, "signers[%d].id %q must match %s", i, clip(s.ID), reSigner)
		case !reID.MatchString(s.MSPID):
			return Errorf(CodeInvalidField, "signers[%d].mspId %q must match %s", i, clip(s.MSPID), reID)
		case s.RoutingOrder < 1 || s.RoutingOrder > MaxRoutingOrder:
			return Errorf(CodeInvalidField, "signers[%d].routingOrder must be 1..%d", i, MaxRoutingOrder)
		case seen[s.Key()]:
			return Errorf(CodeInvalidField, "signers[%d] %s is listed twice", i, s.Key())
		}
		seen[s.Key()] = true
	}
	return nil
}

// SignatureRequest is the argument of RecordSignature and DeclineSignature.
type SignatureRequest struct {
	DocumentID   string    `json:"documentId"`
	Nonce        string    `json:"nonce"`        // 32 lowercase hex, one use ever
	CertChainPEM string    `json:"certChainPem"` // signer's certificate first, then intermediates (not the root)
	Signature    string    `json:"signature"`    // standard base64
	Algorithm    Algorithm `json:"algorithm"`
	Reason       string    `json:"reason,omitempty"` // decline only
	// MSPID names the signer's org (the relay sends its session token's).
	// With it, only the signer (mspId, CN) is considered; without it, a CN
	// that is a signer in two orgs whose CAs both verify the chain is refused.
	MSPID string `json:"mspId,omitempty"`
	// PDF is the PDF revision this signature adds (RecordSignature of a PDF
	// document only); its revision, prevSha256 and digest are in the payload.
	PDF *PDFRevision `json:"pdf,omitempty"`
	// P7S is the .p7s this signature comes with (RecordSignature of a
	// document other than a PDF only).
	P7S *P7S `json:"p7s,omitempty"`
}

// Validate checks the shape of the request; the cryptographic checks are the chaincode's.
func (r *SignatureRequest) Validate() error {
	switch {
	case !reID.MatchString(r.DocumentID):
		return Errorf(CodeInvalidField, "documentId %q must match %s", clip(r.DocumentID), reID)
	case !reNonce.MatchString(r.Nonce):
		return Errorf(CodeInvalidField, "nonce must be 32 lowercase hex characters")
	case r.CertChainPEM == "" || len(r.CertChainPEM) > MaxChainPEMLen:
		return Errorf(CodeInvalidField, "certChainPem must be 1..%d bytes", MaxChainPEMLen)
	case r.Signature == "" || len(r.Signature) > 256:
		return Errorf(CodeInvalidField, "signature must be 1..256 base64 characters")
	case r.MSPID != "" && !reID.MatchString(r.MSPID):
		return Errorf(CodeInvalidField, "mspId %q must match %s", clip(r.MSPID), reID)
	}
	if err := CheckText("reason", r.Reason, MaxTextLen, text.Lines); err != nil {
		return err
	}
	if r.PDF != nil {
		if err := r.PDF.Validate(); err != nil {
			return err
		}
	}
	if r.P7S != nil {
		if err := r.P7S.Validate(); err != nil {
			return err
		}
	}
	switch r.Algorithm {
	case AlgECDSAP256DER, AlgECDSAP256Raw, AlgEd25519:
	default:
		return Errorf(CodeUnknownAlgorithm, "algorithm %q is not one of %s, %s, %s", clip(string(r.Algorithm)),
			AlgECDSAP256DER, AlgECDSAP256Raw, AlgEd25519)
	}
	return nil
}

// BatchSignatureRequest is the argument of RecordBatchSignature and
// RecordBatchDecline: one signature over the batch-sign (or batch-decline,
// with the reason) payload (batch id, Merkle root, size) that answers for
// every listed document of the batch, each with its inclusion proof.
type BatchSignatureRequest struct {
	BatchID      string      `json:"batchId"`
	MSPID        string      `json:"mspId,omitempty"` // the signer's org, as in SignatureRequest
	Nonce        string      `json:"nonce"`
	CertChainPEM string      `json:"certChainPem"`
	Signature    string      `json:"signature"`
	Algorithm    Algorithm   `json:"algorithm"`
	Root         string      `json:"root"` // Merkle root of the batch's document hashes, lowercase hex
	Size         int         `json:"size"` // documents in the batch (the tree's leaves)
	Items        []BatchItem `json:"items"`
	Reason       string      `json:"reason,omitempty"` // RecordBatchDecline only
}

// BatchItem is one document of a batch signature and its inclusion proof
// (proof.index must be the document's batchOrder, proof.size the batch size).
type BatchItem struct {
	DocumentID string       `json:"documentId"`
	Proof      merkle.Proof `json:"proof"`
	// PDF is the PDF revision the batch signature adds to this document
	// (RecordBatchSignature of a PDF document only); the payload binds it
	// through the Merkle root of the batch's PDF statements (BatchPDFTree).
	PDF *PDFRevision `json:"pdf,omitempty"`
	// P7S is the .p7s made for this document (RecordBatchSignature of a
	// document other than a PDF only).
	P7S *P7S `json:"p7s,omitempty"`
}

// Validate checks the request's shape.
func (r *BatchSignatureRequest) Validate() error {
	sr := SignatureRequest{DocumentID: r.BatchID, Nonce: r.Nonce, CertChainPEM: r.CertChainPEM, Signature: r.Signature,
		Algorithm: r.Algorithm, MSPID: r.MSPID, Reason: r.Reason}
	switch {
	case !reID.MatchString(r.BatchID):
		return Errorf(CodeInvalidField, "batchId %q must match %s", clip(r.BatchID), reID)
	case !reHex64.MatchString(r.Root):
		return Errorf(CodeInvalidField, "root must be 64 lowercase hex characters")
	case r.Size < 1 || r.Size > merkle.MaxLeaves:
		return Errorf(CodeInvalidField, "size must be 1..%d", merkle.MaxLeaves)
	case len(r.Items) == 0 || len(r.Items) > MaxBatchItems:
		return Errorf(CodeInvalidField, "items must list 1..%d documents", MaxBatchItems)
	case len(r.Items) > r.Size:
		return Errorf(CodeInvalidField, "items list %d documents, the batch has %d", len(r.Items), r.Size)
	}
	if err := sr.Validate(); err != nil {
		return err
	}
	seen := make(map[string]bool, len(r.Items))
	for i, it := range r.Items {
		switch {
		case !reID.MatchString(it.DocumentID):
			return Errorf(CodeInvalidField, "items[%d].documentId %q must match %s", i, clip(it.DocumentID), reID)
		case seen[it.DocumentID]:
			return Errorf(CodeInvalidField, "items[%d] document %s is listed twice", i, it.DocumentID)
		case it.Proof.Size != r.Size:
			return Errorf(CodeInvalidField, "items[%d].proof.size %d is not the batch size %d", i, it.Proof.Size, r.Size)
		}
		if err := it.Proof.Validate(); err != nil {
			return Errorf(CodeInvalidField, "items[%d].proof: %v", i, err)
		}
		if err := it.validateSigned(i, r.Reason != ""); err != nil {
			return err
		}
		seen[it.DocumentID] = true
	}
	return nil
}

// AnnotateRequest is the argument of Annotate: tags and a note on a document,
// proven by one of its signers' signature over them.
type AnnotateRequest struct {
	SignatureRequest
	Tags []string `json:"tags"`
	Note string   `json:"note"`
}

// Validate checks the request's shape.
func (r *AnnotateRequest) Validate() error {
	if r.Reason != "" {
		return Errorf(CodeInvalidField, "reason is not a field of Annotate")
	}
	if r.PDF != nil || r.P7S != nil {
		return Errorf(CodeInvalidField, "pdf and p7s are bound only for RecordSignature")
	}
	if err := r.SignatureRequest.Validate(); err != nil {
		return err
	}
	if len(r.Tags) > MaxTags {
		return Errorf(CodeInvalidField, "at most %d tags", MaxTags)
	}
	for i, t := range r.Tags {
		if !reTag.MatchString(t) {
			return Errorf(CodeInvalidField, "tags[%d] %q must match %s", i, clip(t), reTag)
		}
	}
	if err := CheckText("note", r.Note, MaxTextLen, text.Lines); err != nil {
		return err
	}
	if len(r.Tags) == 0 && r.Note == "" {
		return Errorf(CodeInvalidField, "an annotation needs tags or a note")
	}
	return nil
}

// VoidRequest is the argument of VoidDocument.
type VoidRequest struct {
	DocumentID string `json:"documentId"`
	Reason     string `json:"reason"`
}

// Validate checks the request's shape.
func (r *VoidRequest) Validate() error {
	if !reID.MatchString(r.DocumentID) {
		return Errorf(CodeInvalidField, "documentId %q must match %s", clip(r.DocumentID), reID)
	}
	if strings.TrimSpace(r.Reason) == "" || len(r.Reason) > MaxTextLen {
		return Errorf(CodeInvalidField, "reason must be 1..%d bytes, not blank", MaxTextLen)
	}
	return CheckText("reason", r.Reason, MaxTextLen, text.Lines)
}

// RegisterSignerCARequest is the argument of RegisterSignerCA. The org is the submitter's MSP.
type RegisterSignerCARequest struct {
	CertPEM string `json:"certPem"`
}

// PublishCRLRequest is the argument of PublishCRL. The org is the submitter's MSP.
type PublishCRLRequest struct {
	CAFingerprint string `json:"caFingerprint"` // SHA-256 hex of the registered CA certificate's DER
	CRLPEM        string `json:"crlPem"`
}

// Validate checks the request's shape.
func (r *PublishCRLRequest) Validate() error {
	if !reHex64.MatchString(r.CAFingerprint) {
		return Errorf(CodeInvalidField, "caFingerprint must be 64 lowercase hex characters")
	}
	if r.CRLPEM == "" || len(r.CRLPEM) > MaxRequestBytes/2 {
		return Errorf(CodeInvalidField, "crlPem must be 1..%d bytes", MaxRequestBytes/2)
	}
	return nil
}

// ValidTag reports whether t is a well-formed tag.
func ValidTag(t string) bool { return reTag.MatchString(t) }

// ValidID reports whether id is a well-formed document or batch id.
func ValidID(id string) bool { return reID.MatchString(id) }

// ValidSignerID reports whether id is a well-formed signer (enrollment) id.
func ValidSignerID(id string) bool { return reSigner.MatchString(id) }

// ValidSHA256 reports whether h is 64 lowercase hex characters.
func ValidSHA256(h string) bool { return reHex64.MatchString(h) }

// CheckText applies a length limit and the clear-signing rule (package
// text) to a field a person is shown: INVALID_FIELD naming the field and
// what is wrong with it.
func CheckText(field, s string, max int, k text.Kind) error {
	if len(s) > max {
		return Errorf(CodeInvalidField, "%s must be at most %d bytes", field, max)
	}
	if err := text.Check(s, k); err != nil {
		return Errorf(CodeInvalidField, "%s: %v", field, err)
	}
	return nil
}

// clip keeps error messages short when echoing hostile input.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
