package api

// BatchSignatures is the answer of GET /v1/sessions/{token}/batch: what one
// scan of a batch QR signs beside the batch payload (issue 13 item 5). It
// lists the batch's documents that await the signer now, in batch order:
// for a PDF the increment to sign over its latest recorded revision (checked
// and signed exactly as one document's, flow.CheckPDF), for any other
// document that a .p7s over its registered bytes is made. A relay without a
// time-stamping authority answers 404: the batch signature alone.
type BatchSignatures struct {
	Documents []BatchSignatureDoc `json:"documents"`
}

// BatchSignatureDoc is one document of BatchSignatures: PDF is set for a
// PDF, P7S for another document.
type BatchSignatureDoc struct {
	DocumentID string        `json:"documentId"`
	PDF        *PDFIncrement `json:"pdf,omitempty"`
	P7S        bool          `json:"p7s,omitempty"`
}

// BatchDocSignature is what a batch-sign callback carries for one document
// beside the batch signature: its PDF signature or its .p7s signature. The
// batch-sign payload binds the PDF revisions by the Merkle root of their
// statements (model.BatchPDFTree, payload.BatchPDFs).
type BatchDocSignature struct {
	DocumentID string        `json:"documentId"`
	PDF        *PDFSignature `json:"pdf,omitempty"`
	P7S        *P7SSignature `json:"p7s,omitempty"`
}

// BatchSigned is what a batch-sign made of one document beside its ledger
// signature: the PDF revision, or the .p7s.
type BatchSigned struct {
	DocumentID string             `json:"documentId"`
	Revision   *PDFRevisionResult `json:"revision,omitempty"`
	P7S        *P7SResult         `json:"p7s,omitempty"`
}
