package model

// P7S is the detached CAdES-T signature (.p7s) over the registered bytes
// that a signer of a document other than a PDF made with the same key in
// the same user action (issue 13 item 4); SHA256 is the .p7s file as the
// relay stored it (its signed attributes name the document's SHA-256 and
// the signer's certificate; the signature time-stamp is the org TSA's).
type P7S struct {
	SHA256 string `json:"sha256"`
}

// Validate checks the shape of p.
func (p *P7S) Validate() error {
	if !reHex64.MatchString(p.SHA256) {
		return Errorf(CodeInvalidField, "p7s.sha256 must be 64 lowercase hex")
	}
	return nil
}

// CheckP7S refuses a .p7s for a PDF document: its signatures are PDF revisions.
func (d *Document) CheckP7S() error {
	if d.MediaType == PDFMediaType {
		return Errorf(CodeInvalidField, "document %s is %s: its signatures are PDF revisions, not .p7s files", d.ID, PDFMediaType)
	}
	return nil
}
