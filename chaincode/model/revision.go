package model

import "github.com/qrsign/qrsign/chaincode/payload"

// PDFMediaType is the media type whose documents get PDF signatures (issue 13).
const PDFMediaType = "application/pdf"

// CodeRevisionStale: a PDF signature was made over a revision that is no
// longer the document's latest recorded one (another signer's landed first);
// the relay prepares the increment again over the new latest revision.
const CodeRevisionStale Code = "REVISION_STALE"

// PDFRevision is the PDF revision a signature adds: revision Revision of the
// document is the file PrevSHA256 (revision Revision-1, the registered file
// for 1) plus an increment whose ByteRange SHA-256 is Digest. The signer signs
// Revision, PrevSHA256 and Digest in the ledger payload; SHA256 is the new
// file (its CMS, stamped by the org's TSA, embedded) as the relay stored it.
// The chain original → 1 → … is provable from the files: each starts with the
// one before it and its increment checks (relay/pades.CheckIncrement).
//
// Kind is empty for a signature's revision and RevisionDSS for a DSS
// revision (RecordRevision), which has no Digest: nobody signs it.
type PDFRevision struct {
	Kind       string `json:"kind,omitempty"`
	Revision   int    `json:"revision"`
	PrevSHA256 string `json:"prevSha256"`
	Digest     string `json:"digest,omitempty"`
	SHA256     string `json:"sha256"`
}

// MaxPDFRevision bounds Revision (as payload.MaxRevision).
const MaxPDFRevision = 999

// Validate checks the shape of a signature's revision.
func (r *PDFRevision) Validate() error {
	switch {
	case r.Kind != "":
		return Errorf(CodeInvalidField, "pdf.kind is only for RecordRevision")
	case !reHex64.MatchString(r.Digest):
		return Errorf(CodeInvalidField, "pdf.digest must be 64 lowercase hex")
	}
	return r.validate()
}

// validate checks what every revision has.
func (r *PDFRevision) validate() error {
	switch {
	case r.Revision < 1 || r.Revision > MaxPDFRevision:
		return Errorf(CodeInvalidField, "pdf.revision must be 1..%d", MaxPDFRevision)
	case !reHex64.MatchString(r.PrevSHA256):
		return Errorf(CodeInvalidField, "pdf.prevSha256 must be 64 lowercase hex")
	case !reHex64.MatchString(r.SHA256):
		return Errorf(CodeInvalidField, "pdf.sha256 must be 64 lowercase hex")
	case r.SHA256 == r.PrevSHA256:
		return Errorf(CodeInvalidField, "pdf.sha256 must differ from pdf.prevSha256")
	}
	return nil
}

// Payload is what the signer signs of r in the ledger payload (nil for nil).
func (r *PDFRevision) Payload() *payload.PDF {
	if r == nil {
		return nil
	}
	return &payload.PDF{Revision: r.Revision, PrevSHA256: r.PrevSHA256, Digest: r.Digest}
}

// LatestSHA256 is the SHA-256 of the document's latest recorded PDF revision:
// the registered file until a PDF signature is recorded.
func (d *Document) LatestSHA256() string {
	if d.RevisionSHA256 != "" {
		return d.RevisionSHA256
	}
	return d.SHA256
}

// CheckNextRevision: r must be the revision after the latest recorded one.
func (d *Document) CheckNextRevision(r *PDFRevision) error {
	if d.MediaType != PDFMediaType {
		return Errorf(CodeInvalidField, "document %s is %s, not %s: it has no PDF revisions", d.ID, d.MediaType, PDFMediaType)
	}
	if r.Revision != d.Revisions+1 || r.PrevSHA256 != d.LatestSHA256() {
		return Errorf(CodeRevisionStale, "PDF revision %d over %s is stale: document %s's latest is revision %d (%s)",
			r.Revision, r.PrevSHA256, d.ID, d.Revisions, d.LatestSHA256())
	}
	return nil
}

// applyRevision folds the revision a signature event adds.
func (d *Document) applyRevision(e Event) error {
	r := e.Signature.PDF
	if r == nil {
		return nil
	}
	if err := r.Validate(); err != nil {
		return rejectf(e, "%v", err)
	}
	if err := d.CheckNextRevision(r); err != nil {
		return rejectf(e, "%v", err)
	}
	d.Revisions, d.RevisionSHA256 = r.Revision, r.SHA256
	return nil
}
