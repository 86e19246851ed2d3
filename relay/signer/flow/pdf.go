package flow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// maxRePrepare bounds how often a stale PDF revision is prepared and signed again.
const maxRePrepare = 3

// prepare fetches and checks what the subject signs beside its payload:
// one document's PDF revision, or a batch's PDF revisions and .p7s files.
func (s *Scanner) prepare(ctx context.Context, sc *scan, sub *subject) (*clearsign.CheckedPDF, *clearsign.BatchSigning, error) {
	if sub.batch != nil {
		b, err := s.batchSignatures(ctx, sc, sub)
		return nil, b, err
	}
	pdf, err := s.pdfRevision(ctx, sc, sub)
	return pdf, nil, err
}

// pdfRevision fetches, checks and shows the PDF signature a PDF document's
// sign session also makes; nil when the subject is not one, the relay
// makes no PDF signatures (any 404) or cannot write into this file
// (PDF_UNREADABLE, PDF_UNSUPPORTED: encrypted, not really a PDF).
func (s *Scanner) pdfRevision(ctx context.Context, sc *scan, sub *subject) (*clearsign.CheckedPDF, error) {
	if sub.content == nil {
		return nil, nil
	}
	inc, err := sc.rc.PDFIncrement(ctx, sc.tok)
	if p := (*api.Problem)(nil); errors.As(err, &p) && p.Status == http.StatusNotFound { // no TSA, or a relay before PDF signatures
		fmt.Fprint(s.out(), s.tr("pdfNone"))
		return nil, nil
	}
	if isProblem(err, model.Code(pades.CodeNotPDF)) || isProblem(err, model.Code(pades.CodeUnsupported)) {
		fmt.Fprint(s.out(), s.tr("pdfCannot", printable(err.Error(), maxShown)))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the PDF signature to make: %w", err)
	}
	prev := sub.content
	if inc.PrevSHA256 != sub.sha256 {
		if prev, err = sc.rc.Content(ctx, contentRef(sc.rc, inc.PrevURL, sc.claims.DocID, sc.tok), s.maxBytes()); err != nil {
			return nil, fmt.Errorf("downloading the previous PDF revision: %w", err)
		}
	}
	c, err := clearsign.CheckPDF(sub.content, prev, inc)
	if err != nil {
		return nil, fmt.Errorf("the PDF signature the relay prepared is refused: %w", err)
	}
	st := c.Checked.Signature
	fmt.Fprint(s.out(), s.tr("pdfSig", c.Revision,
		printable(st.Field, maxShown), printable(st.Name, maxShown), printable(st.Reason, maxShown),
		st.Time.UTC().Format("2006-01-02 15:04:05Z"), c.Checked.Digest))
	for i, e := range c.Earlier { // what the signature will cover besides the original
		fmt.Fprint(s.out(), s.tr("pdfEarlier", i+1, printable(e.Name, maxShown), printable(e.Subject, maxShown)))
	}
	return c, nil
}

// isProblem: err is the relay's problem with code.
func isProblem(err error, code model.Code) bool {
	var p *api.Problem
	return errors.As(err, &p) && p.Code == code
}
