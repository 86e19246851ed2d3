package model

import (
	"fmt"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// validateSigned checks what item i signs beside the batch payload: a PDF
// revision or a .p7s, not both, and neither with a decline.
func (it *BatchItem) validateSigned(i int, decline bool) error {
	switch {
	case decline && (it.PDF != nil || it.P7S != nil):
		return Errorf(CodeInvalidField, "items[%d]: pdf and p7s are only for RecordBatchSignature", i)
	case it.PDF != nil && it.P7S != nil:
		return Errorf(CodeInvalidField, "items[%d]: a document has a PDF revision or a .p7s, not both", i)
	case it.PDF != nil:
		if err := it.PDF.Validate(); err != nil {
			return Errorf(CodeInvalidField, "items[%d].%s", i, err.(*Error).Message)
		}
	case it.P7S != nil:
		if err := it.P7S.Validate(); err != nil {
			return Errorf(CodeInvalidField, "items[%d].%s", i, err.(*Error).Message)
		}
	}
	return nil
}

// BatchPDFTree is what a batch signature binds of the PDF revisions its
// items add: the Merkle tree over payload.PDFLeaf of each item with a PDF
// revision, in item (batch) order. It returns nil without any, and the
// inclusion proof of each item's statement (zero for items without one).
// The signer's client, the relay and the chaincode all compute it here.
func BatchPDFTree(items []BatchItem) (*payload.BatchPDFs, []merkle.Proof, error) {
	var leaves [][32]byte
	at := make([]int, len(items))
	for i, it := range items {
		at[i] = -1
		if it.PDF == nil {
			continue
		}
		l, err := payload.PDFLeaf(it.DocumentID, *it.PDF.Payload())
		if err != nil {
			return nil, nil, Errorf(CodeInvalidField, "items[%d].pdf: %v", i, err)
		}
		at[i] = len(leaves)
		leaves = append(leaves, l)
	}
	if len(leaves) == 0 {
		return nil, make([]merkle.Proof, len(items)), nil
	}
	root, proofs, err := merkle.Proofs(leaves)
	if err != nil {
		return nil, nil, Errorf(CodeInvalidField, "PDF statements: %v", err)
	}
	out := make([]merkle.Proof, len(items))
	for i, j := range at {
		if j >= 0 {
			out[i] = proofs[j]
		}
	}
	return &payload.BatchPDFs{Root: merkle.Hex(root), Count: len(leaves)}, out, nil
}

// CheckPDF checks that the batch signature this evidence freezes bound the
// event's PDF revision r of document docID: its statement is leaf PDFIndex
// of the PDF tree the payload names. Without r, the evidence must place no
// statement. Every verifier of a recorded batch signature calls it.
func (b *BatchEvidence) CheckPDF(docID string, r *PDFRevision) error {
	if r == nil {
		if b.PDFProof != nil || b.PDFIndex != 0 {
			return fmt.Errorf("batch evidence places a PDF statement of %s, the event has no PDF revision", docID)
		}
		return nil
	}
	if b.PDFs == nil {
		return fmt.Errorf("PDF revision %d of %s: the batch signature binds no PDF statements", r.Revision, docID)
	}
	tree, err := merkle.ParseBatch(b.PDFs.Root, b.PDFs.Count)
	if err != nil {
		return fmt.Errorf("batch PDF statements: %w", err)
	}
	leaf, err := payload.PDFLeaf(docID, *r.Payload())
	if err != nil {
		return err
	}
	if err := tree.Verify(leaf, merkle.Proof{Index: b.PDFIndex, Size: b.PDFs.Count, Path: b.PDFProof}); err != nil {
		return fmt.Errorf("PDF revision %d of %s is not statement %d of the signed batch: %w", r.Revision, docID, b.PDFIndex, err)
	}
	return nil
}
