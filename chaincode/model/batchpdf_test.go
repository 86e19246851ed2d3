package model_test

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func h(c string) string { return strings.Repeat(c, 64) }

// BatchPDFTree places each PDF revision's statement in item order, and
// CheckPDF accepts exactly a revision at its place.
func TestBatchPDFTreeAndCheck(t *testing.T) {
	items := []model.BatchItem{
		{DocumentID: "b.1", PDF: &model.PDFRevision{Revision: 1, PrevSHA256: h("1"), Digest: h("a")}},
		{DocumentID: "b.2", P7S: &model.P7S{SHA256: h("7")}},
		{DocumentID: "b.3", PDF: &model.PDFRevision{Revision: 3, PrevSHA256: h("3"), Digest: h("c")}},
	}
	pdfs, proofs, err := model.BatchPDFTree(items)
	if err != nil || pdfs == nil || pdfs.Count != 2 || proofs[0].Index != 0 || proofs[2].Index != 1 || proofs[1].Size != 0 {
		t.Fatalf("tree %+v %+v %v", pdfs, proofs, err)
	}
	ev := func(i int) *model.BatchEvidence {
		return &model.BatchEvidence{PDFs: pdfs, PDFIndex: proofs[i].Index, PDFProof: proofs[i].Path}
	}
	for _, i := range []int{0, 2} {
		if err := ev(i).CheckPDF(items[i].DocumentID, items[i].PDF); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	if err := (&model.BatchEvidence{PDFs: pdfs}).CheckPDF("b.2", nil); err != nil {
		t.Fatalf("no revision: %v", err)
	}
	other := *items[2].PDF
	other.Digest = h("d")
	for name, tc := range map[string]struct {
		ev   *model.BatchEvidence
		doc  string
		rev  *model.PDFRevision
		want string
	}{
		"another digest":  {ev(2), "b.3", &other, "PDF revision 3 of b.3 is not statement 1 of the signed batch: "},
		"another place":   {ev(0), "b.3", items[2].PDF, "PDF revision 3 of b.3 is not statement 0 of the signed batch: "},
		"nothing bound":   {&model.BatchEvidence{}, "b.1", items[0].PDF, "PDF revision 1 of b.1: the batch signature binds no PDF statements"},
		"proof, no event": {ev(2), "b.3", nil, "batch evidence places a PDF statement of b.3, the event has no PDF revision"},
	} {
		if err := tc.ev.CheckPDF(tc.doc, tc.rev); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want prefix %q", name, err, tc.want)
		}
	}
	if pdfs, _, err := model.BatchPDFTree(items[1:2]); pdfs != nil || err != nil {
		t.Fatalf("without PDFs: %+v %v", pdfs, err)
	}
}
