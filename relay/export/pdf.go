package export

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// PDFWriter writes one certificate of completion per record (one page, more
// only when a document's signers or events overflow) into a single PDF.
type PDFWriter struct {
	f                    *pdfFile
	o                    Options
	pages, catalog, info int
	fonts                [len(fontNames)]int
	kids                 []int
	docs                 int
	closed               bool
}

// NewPDF starts a PDF export. Options.PublicURL is required: every page
// carries a QR code of the document's verification link.
func NewPDF(w io.Writer, o Options) (*PDFWriter, error) {
	if o.PublicURL == "" {
		return nil, errors.New("export: PDF needs Options.PublicURL for the verification QR code")
	}
	p := &PDFWriter{f: newPDFFile(w), o: o}
	p.catalog, p.pages, p.info = p.f.alloc(), p.f.alloc(), p.f.alloc()
	for i, name := range fontNames {
		p.fonts[i] = p.f.alloc()
		p.f.object(p.fonts[i], fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", name))
	}
	return p, p.f.err
}

func (p *PDFWriter) Write(r Record) error {
	if p.closed {
		return errors.New("export: write after Close")
	}
	qr, err := newQRImage(VerifyURL(p.o.PublicURL, r.Document.ID))
	if err != nil {
		return err
	}
	img := p.f.alloc()
	p.f.stream(img, qr.dict(), qr.rows)
	for _, c := range layoutCertificate(r, p.o) {
		p.page(c, img)
	}
	p.docs++
	return p.f.err
}

func (p *PDFWriter) page(c *canvas, img int) {
	content, page := p.f.alloc(), p.f.alloc()
	p.f.stream(content, "", c.b.Bytes())
	xobj := ""
	if img > 0 {
		xobj = fmt.Sprintf(" /XObject << /QR %d 0 R >>", img)
	}
	p.f.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >>%s >> /Contents %d 0 R >>",
		p.pages, num(pageW), num(pageH), p.fonts[0], p.fonts[1], p.fonts[2], xobj, content))
	p.kids = append(p.kids, page)
}

// Close writes the page tree, catalog, document info and cross-reference
// table. An export of nothing is still a valid one-page PDF that says so.
func (p *PDFWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.docs == 0 {
		c := &canvas{}
		c.rect(0, pageH-contBandH, pageW, contBandH, navy)
		c.text(helveticaBold, 12, margin, pageH-27, winAnsi("Certificate of Completion"), white)
		c.text(helvetica, 11, margin, pageH-90, winAnsi("No documents match this export."), ink)
		p.page(c, 0)
	}
	kids := make([]string, len(p.kids))
	for i, k := range p.kids {
		kids[i] = fmt.Sprintf("%d 0 R", k)
	}
	p.f.object(p.pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(p.kids)))
	p.f.object(p.catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", p.pages))
	info := fmt.Sprintf("/Title %s /Producer (qrsign export) /Creator (qrsign)",
		pdfString(winAnsi(fmt.Sprintf("Certificates of completion (%d document%s)", p.docs, plural(p.docs)))))
	if !p.o.GeneratedAt.IsZero() {
		info += " /CreationDate " + pdfString([]byte(p.o.GeneratedAt.UTC().Format("D:20060102150405Z")))
	}
	p.f.object(p.info, "<< "+info+" >>")
	return p.f.finish(p.catalog, p.info)
}
