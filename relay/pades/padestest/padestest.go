// Package padestest makes small PDFs for tests of PDF signing.
package padestest

import (
	"bytes"
	"fmt"
)

// Handmade is a PDF with one object per body (numbered from 1, the first
// the catalog) and a classic cross-reference table.
func Handmade(bodies ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(bodies))
	for i, body := range bodies {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, body)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(bodies)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(bodies)+1, xref)
	return b.Bytes()
}

// PageContent is the content stream of SimplePDF's page.
const PageContent = "BT /F1 24 Tf 72 720 Td (Contract to sign) Tj ET"

// SimplePDF is one page of text: no form, no annotations.
func SimplePDF() []byte { return TextPDF(PageContent) }

// TextPDF is one page with the given content stream.
func TextPDF(content string) []byte {
	return Handmade(
		"<</Type /Catalog /Pages 2 0 R>>",
		"<</Type /Pages /Kids [3 0 R] /Count 1>>",
		"<</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>>>>>>",
		fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content),
		"<</Type /Font /Subtype /Type1 /BaseFont /Helvetica>>",
	)
}
