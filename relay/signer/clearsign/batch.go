package clearsign

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
)

// ErrBatchMismatch: a batch session's documents do not make the root the QR
// code names (or the session contradicts itself). Nothing was signed.
var ErrBatchMismatch = errors.New("REFUSED: the batch does not match the QR code; nothing was signed")

// BatchSigning is what one scan of a batch signs beside the batch payload,
// judged by the client itself (CheckBatch): per document, in batch order, a
// checked PDF revision or a .p7s over the document's bytes, and what the
// batch-sign payload binds of the PDF revisions (nil without any).
type BatchSigning struct {
	Docs []BatchSigningDoc
	PDFs *payload.BatchPDFs
}

// BatchSigningDoc is one document of a BatchSigning: PDF set for a PDF
// revision, else a .p7s over Content.
type BatchSigningDoc struct {
	DocumentID string
	PDF        *CheckedPDF
	Content    []byte // the registered bytes (a .p7s's content)
}

// CheckBatch judges what a relay prepared for a batch session (GET
// /v1/sessions/{token}/batch). order is the batch's document ids in batch
// order and originals their bytes, both already checked against the QR's
// Merkle root; prevs holds the previous revision of each PDF whose
// increment is not over the original (the relay's prevUrl, downloaded).
// Listed documents must be the batch's, in its order, each once; each PDF
// increment is checked exactly as one document's (CheckPDF). Nothing here
// does I/O, so the phone page runs it (the signer module) as qrsign does.
func CheckBatch(order []string, originals, prevs map[string][]byte, prep *api.BatchSignatures) (*BatchSigning, error) {
	if len(prep.Documents) > len(order) || len(prep.Documents) > model.MaxBatchItems {
		return nil, fmt.Errorf("%w: the relay lists %d documents to sign for a batch of %d", ErrBatchMismatch, len(prep.Documents), len(order))
	}
	out := &BatchSigning{}
	items := make([]model.BatchItem, 0, len(prep.Documents))
	k := 0
	for i, d := range prep.Documents {
		for k < len(order) && order[k] != d.DocumentID {
			k++
		}
		if k == len(order) {
			return nil, fmt.Errorf("%w: entry %d names %q, not a later document of the batch", ErrBatchMismatch, i+1, d.DocumentID)
		}
		k++
		orig := originals[d.DocumentID]
		sd := BatchSigningDoc{DocumentID: d.DocumentID, Content: orig}
		switch {
		case (d.PDF == nil) == !d.P7S:
			return nil, fmt.Errorf("%w: entry %d (%s) asks for a PDF revision or a .p7s, not one of them", ErrBatchMismatch, i+1, d.DocumentID)
		case d.PDF != nil:
			prev := orig
			if p, ok := prevs[d.DocumentID]; ok {
				prev = p
			}
			c, err := CheckPDF(orig, prev, d.PDF)
			if err != nil {
				return nil, fmt.Errorf("document %s: the PDF signature the relay prepared is refused: %w", d.DocumentID, err)
			}
			sd.PDF = c
			items = append(items, model.BatchItem{DocumentID: d.DocumentID,
				PDF: &model.PDFRevision{Revision: c.Revision, PrevSHA256: c.PrevSHA256, Digest: c.Payload().Digest}})
		}
		out.Docs = append(out.Docs, sd)
	}
	pdfs, _, err := model.BatchPDFTree(items)
	if err != nil {
		return nil, err
	}
	out.PDFs = pdfs
	return out, nil
}

// Restated: next, checked after the relay refused b's batch signature as
// REVISION_STALE, may be signed without asking again only if it lists the
// same documents in the same order, each signed the same way (a .p7s, or a
// PDF revision that CheckedPDF.Restated accepts).
func (b *BatchSigning) Restated(next *BatchSigning) error {
	if len(next.Docs) != len(b.Docs) {
		return fmt.Errorf("%w: after REVISION_STALE the relay lists %d documents, the signer approved %d", ErrBatchMismatch, len(next.Docs), len(b.Docs))
	}
	for i, d := range b.Docs {
		n := next.Docs[i]
		if n.DocumentID != d.DocumentID || (n.PDF == nil) != (d.PDF == nil) {
			return fmt.Errorf("%w: after REVISION_STALE entry %d is %s, the signer approved %s signed the same way",
				ErrBatchMismatch, i+1, n.DocumentID, d.DocumentID)
		}
		if d.PDF != nil {
			if err := d.PDF.Restated(n.PDF); err != nil {
				return fmt.Errorf("document %s: %w", d.DocumentID, err)
			}
		}
	}
	return nil
}

// Attributes are the DER CMS signed attributes the signer signs for each
// document, in Docs order (ECDSA P-256 over their SHA-256): a PDF
// revision's, or a .p7s's with signing time at.
func (b *BatchSigning) Attributes(cert *x509.Certificate, at time.Time) ([][]byte, error) {
	out := make([][]byte, len(b.Docs))
	for i, d := range b.Docs {
		var err error
		if d.PDF != nil {
			out[i], err = d.PDF.Attributes(cert)
		} else {
			out[i], _, err = P7SAttributes(d.Content, cert, at)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Signatures is what the batch-sign callback carries (documents) for sigs,
// the signer's ECDSA DER signatures over Attributes(cert, at).
func (b *BatchSigning) Signatures(at time.Time, sigs [][]byte) ([]api.BatchDocSignature, error) {
	if len(sigs) != len(b.Docs) {
		return nil, fmt.Errorf("%d signatures for %d documents", len(sigs), len(b.Docs))
	}
	out := make([]api.BatchDocSignature, len(b.Docs))
	for i, d := range b.Docs {
		out[i].DocumentID = d.DocumentID
		if d.PDF != nil {
			out[i].PDF = d.PDF.Signed(sigs[i])
		} else {
			out[i].P7S = &api.P7SSignature{Time: P7STime(at), Signature: base64.StdEncoding.EncodeToString(sigs[i])}
		}
	}
	return out, nil
}

// Sign signs every document's attributes with the key that signs the batch payload.
func (b *BatchSigning) Sign(key crypto.Signer, cert *x509.Certificate, at time.Time) ([]api.BatchDocSignature, error) {
	attrs, err := b.Attributes(cert, at)
	if err != nil {
		return nil, err
	}
	sigs := make([][]byte, len(attrs))
	for i, a := range attrs {
		if sigs[i], err = sigalg.Sign(model.AlgECDSAP256DER, key, a); err != nil {
			return nil, err
		}
	}
	return b.Signatures(at, sigs)
}
