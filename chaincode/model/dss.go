package model

// EventRevisionRecorded appends a PDF revision that is not a signature: a
// DSS increment (PAdES B-LT) the relay adds once the document is completed.
const EventRevisionRecorded EventType = "RevisionRecorded"

// RevisionDSS is the Kind of a revision that adds a document security store
// (certificates and CRLs) and nothing else (relay/pades.CheckDSS judges it).
const RevisionDSS = "dss"

// RevisionRequest is the argument of RecordRevision: document DocumentID's
// revision Revision is the file PrevSHA256 (its latest recorded revision)
// plus an increment of Kind, and hashes to SHA256.
type RevisionRequest struct {
	DocumentID string `json:"documentId"`
	Kind       string `json:"kind"`
	Revision   int    `json:"revision"`
	PrevSHA256 string `json:"prevSha256"`
	SHA256     string `json:"sha256"`
}

// Validate checks the request's shape.
func (r *RevisionRequest) Validate() error {
	switch {
	case !reID.MatchString(r.DocumentID):
		return Errorf(CodeInvalidField, "documentId %q must match %s", clip(r.DocumentID), reID)
	case r.Kind != RevisionDSS:
		return Errorf(CodeInvalidField, "kind must be %q", RevisionDSS)
	}
	return r.PDFRevision().validate()
}

// PDFRevision is the revision the request records.
func (r *RevisionRequest) PDFRevision() *PDFRevision {
	return &PDFRevision{Kind: r.Kind, Revision: r.Revision, PrevSHA256: r.PrevSHA256, SHA256: r.SHA256}
}

// PDFRevision is the PDF revision event e adds: a signature's, a
// RevisionRecorded's, or nil.
func (e *Event) PDFRevision() *PDFRevision {
	switch {
	case e.Type == EventSignatureRecorded && e.Signature != nil:
		return e.Signature.PDF
	case e.Type == EventRevisionRecorded:
		return e.Revision
	}
	return nil
}

// applyRevisionRecorded folds a revision that is not a signature: only a
// completed document gets one, so every signer's revision is a signature
// increment over the one before (what signers' clients accept).
func (d *Document) applyRevisionRecorded(e Event) error {
	switch {
	case e.Revision == nil:
		return rejectf(e, "missing body")
	case e.Revision.Kind != RevisionDSS:
		return rejectf(e, "revision kind %q is not %q", e.Revision.Kind, RevisionDSS)
	case e.Revision.Digest != "":
		return rejectf(e, "a %s revision has no digest", RevisionDSS)
	case d.Status != StatusCompleted:
		return rejectf(e, "document is %s", d.Status)
	}
	if err := e.Revision.validate(); err != nil {
		return rejectf(e, "%v", err)
	}
	if err := d.CheckNextRevision(e.Revision); err != nil {
		return rejectf(e, "%v", err)
	}
	d.Revisions, d.RevisionSHA256 = e.Revision.Revision, e.Revision.SHA256
	return nil
}
