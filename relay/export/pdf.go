package export

import (
	"errors"
	"io"
)

// PDFWriter writes one certificate of completion per record (one page, more
// only when a document's signers or events overflow) into a single PDF.
// fpdf builds the document in memory and it is written on Close, its pages
// deflated on the way out (deflatePages): about 2.7 KB a page.
type PDFWriter struct {
	w      io.Writer
	c      *canvas
	o      Options
	docs   int
	closed bool
}

// NewPDF starts a PDF export. Options.PublicURL is required (every page
// carries a QR code of the document's verification link), and so are
// Options.Fonts.
func NewPDF(w io.Writer, o Options) (*PDFWriter, error) {
	if o.PublicURL == "" {
		return nil, errors.New("export: PDF needs Options.PublicURL for the verification QR code")
	}
	if o.Fonts == nil {
		return nil, errors.New("export: PDF needs Options.Fonts (LoadFonts)")
	}
	return &PDFWriter{w: w, c: newCanvas(o.Fonts, msgs.T(o.Lang, "certificate")), o: o}, nil
}

func (p *PDFWriter) Write(r Record) error {
	if p.closed {
		return errors.New("export: write after Close")
	}
	p.docs++
	return layoutCertificate(p.c, r, p.o, p.docs)
}

// Close writes the document. An export of nothing is still a valid
// one-page PDF that says so.
func (p *PDFWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	c, l := p.c, p.o.Lang
	if p.docs == 0 {
		c.page()
		c.rect(0, pageH-contBandH, pageW, contBandH, navy)
		c.text(bold, 12, margin, pageH-27, msgs.T(l, "certificate"), white)
		c.text(regular, 11, margin, pageH-90, msgs.T(l, "noDocuments"), ink)
	}
	c.p.SetTitle(msgs.T(l, "pdfTitle", p.docs), true)
	stampDates(c, p.o.GeneratedAt)
	return c.finish(p.w)
}
