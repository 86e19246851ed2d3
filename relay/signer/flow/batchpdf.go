package flow

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// batchSignatures fetches, checks and shows what a batch sign session also
// signs: each awaiting PDF's revision, each other document's .p7s; nil when
// the subject is not a batch signature or the relay makes none (any 404).
func (s *Scanner) batchSignatures(ctx context.Context, sc *scan, sub *subject) (*clearsign.BatchSigning, error) {
	if sub.batch == nil {
		return nil, nil
	}
	prep, err := sc.rc.BatchSignatures(ctx, sc.tok)
	if p := (*api.Problem)(nil); errors.As(err, &p) && p.Status == http.StatusNotFound {
		fmt.Fprint(s.out(), s.tr("batchNoSigs"))
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the batch's PDF and .p7s signatures to make: %w", err)
	}
	bd := sub.batch
	prevs := map[string][]byte{}
	for _, d := range prep.Documents {
		sha, ok := bd.sha[d.DocumentID]
		if d.PDF == nil || !ok || d.PDF.PrevSHA256 == sha {
			continue // no PDF, not of the batch (CheckBatch refuses it), or over the original
		}
		if prevs[d.DocumentID], err = sc.rc.Content(ctx, contentRef(sc.rc, d.PDF.PrevURL, d.DocumentID, sc.tok), s.maxBytes()); err != nil {
			return nil, fmt.Errorf("downloading the previous PDF revision of %s: %w", d.DocumentID, err)
		}
	}
	b, err := clearsign.CheckBatch(bd.order, bd.contents, prevs, prep)
	if err != nil {
		return nil, err
	}
	for _, d := range b.Docs {
		if c := d.PDF; c != nil {
			st := c.Checked.Signature
			fmt.Fprint(s.out(), s.tr("batchPDF", printable(d.DocumentID, maxShown), c.Revision, printable(st.Field, maxShown),
				printable(st.Name, maxShown), printable(st.Reason, maxShown), st.Time.UTC().Format("2006-01-02 15:04:05Z"), c.Checked.Digest))
		} else {
			fmt.Fprint(s.out(), s.tr("batchP7S", printable(d.DocumentID, maxShown), len(d.Content)))
		}
	}
	return b, nil
}
