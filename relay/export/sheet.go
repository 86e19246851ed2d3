package export

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// SheetDoc is one document of a batch signing sheet.
type SheetDoc struct {
	Order   int
	ID      string
	Title   string
	SHA256  string
	Status  string // effective document status
	Signers []SheetSigner
}

// SheetSigner is one signer's QR on a sheet: URL is the signing link the QR
// carries; empty when the signer has nothing left to do (Status says why).
type SheetSigner struct {
	Label  string // mspId/id
	Order  int    // routing order
	Status string
	URL    string
}

// SheetOptions head a sheet.
type SheetOptions struct {
	BatchID, Title string
	GeneratedAt    time.Time // zero leaves it out
}

// HashPrefix is what a sheet prints of a hash: its first 12 hex digits.
func HashPrefix(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

const (
	sheetQR     = 148.0 // QR cell, points; the code is 132 pt (46 mm) wide: decodes from a 200 dpi rendering
	sheetHeadH  = 40.0
	sheetBlockH = 30 + sheetQR + 30
	sheetPerRow = 3
)

// WriteSheetPDF writes a printable signing sheet: every document in signing
// order with its title, hash prefix and one QR per signer, several documents
// to a page. Each QR is a 1-bit image, so pages stay small.
func WriteSheetPDF(w io.Writer, o SheetOptions, docs []SheetDoc) error {
	f := newPDFFile(w)
	catalog, pages, info := f.alloc(), f.alloc(), f.alloc()
	var fonts [len(fontNames)]int
	for i, name := range fontNames {
		fonts[i] = f.alloc()
		f.object(fonts[i], fmt.Sprintf("<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>", name))
	}
	var kids []int
	var c *canvas
	var imgs []int
	y := 0.0
	flush := func() {
		if c == nil {
			return
		}
		content, page := f.alloc(), f.alloc()
		f.stream(content, "", c.b.Bytes())
		var xo strings.Builder
		for i, im := range imgs {
			fmt.Fprintf(&xo, " /Q%d %d 0 R", i, im)
		}
		f.object(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >> /XObject <<%s >> >> /Contents %d 0 R >>",
			pages, num(pageW), num(pageH), fonts[0], fonts[1], fonts[2], xo.String(), content))
		kids = append(kids, page)
		c, imgs = nil, nil
	}
	newPage := func() {
		flush()
		c = &canvas{}
		c.rect(0, pageH-sheetHeadH, pageW, sheetHeadH, navy)
		head := "Signing sheet"
		if o.Title != "" {
			head += ": " + oneLine(o.Title)
		}
		c.text(helveticaBold, 12, margin, pageH-26, helveticaBold.fitText(winAnsi(head), 12, contentW-150), white)
		c.textRight(helvetica, 9, pageW-margin, pageH-26, winAnsi("batch "+o.BatchID), paleWhite)
		y = pageH - sheetHeadH - 20
		if !o.GeneratedAt.IsZero() {
			c.text(helvetica, 8, margin, 30, winAnsi("Generated "+human(o.GeneratedAt)), muted)
		}
		c.textRight(helvetica, 8, pageW-margin, 30, winAnsi(fmt.Sprintf("page %d", len(kids)+1)), muted)
	}
	newPage()
	for _, d := range docs {
		rows := (len(d.Signers) + sheetPerRow - 1) / sheetPerRow
		if rows == 0 {
			rows = 1
		}
		h := 30 + float64(rows)*(sheetQR+30)
		if y-h < 48 {
			newPage()
		}
		c.text(helveticaBold, 11, margin, y-12, helveticaBold.fitText(winAnsi(fmt.Sprintf("%d. %s", d.Order, oneLine(d.Title))), 11, contentW), ink)
		c.text(courier, 8.5, margin, y-25, winAnsi(fmt.Sprintf("%s  sha256 %s...  %s", d.ID, HashPrefix(d.SHA256), d.Status)), muted)
		y -= 30
		for i, s := range d.Signers {
			if i > 0 && i%sheetPerRow == 0 {
				y -= sheetQR + 30
			}
			x := margin + float64(i%sheetPerRow)*(contentW/sheetPerRow)
			if s.URL != "" {
				q, err := newQRImage(s.URL)
				if err != nil {
					return err
				}
				im := f.alloc()
				f.stream(im, q.dict(), q.rows)
				// 8 pt of white all round: the quiet zone the code itself omits.
				c.image(fmt.Sprintf("Q%d", len(imgs)), x+8, y-sheetQR+4, sheetQR-16)
				imgs = append(imgs, im)
			} else {
				c.rect(x+8, y-sheetQR+4, sheetQR-16, sheetQR-16, panel)
				c.textCenter(helvetica, 9, x+sheetQR/2, y-sheetQR/2-4, winAnsi(s.Status), statusColor(s.Status))
			}
			label := fmt.Sprintf("%d. %s", s.Order, s.Label)
			c.text(helvetica, 8, x+8, y-sheetQR-8, helvetica.fitText(winAnsi(label), 8, contentW/sheetPerRow-12), ink)
		}
		y -= sheetQR + 30
		c.hline(margin, y+6, contentW, hairline)
	}
	if len(docs) == 0 {
		c.text(helvetica, 11, margin, y-20, winAnsi("This batch has no documents to sign."), ink)
	}
	flush()
	ks := make([]string, len(kids))
	for i, k := range kids {
		ks[i] = fmt.Sprintf("%d 0 R", k)
	}
	f.object(pages, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(ks, " "), len(kids)))
	f.object(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	f.object(info, "<< /Title "+pdfString(winAnsi("Signing sheet "+o.BatchID))+" /Producer (qrsign export) >>")
	if f.err != nil {
		return f.err
	}
	return f.finish(catalog, info)
}

// WriteSheetHTML writes the same sheet as one HTML page; qrDataURL renders a
// signing link as a PNG data: URL.
func WriteSheetHTML(w io.Writer, o SheetOptions, docs []SheetDoc, qrDataURL func(string) (string, error)) error {
	type sg struct {
		SheetSigner
		QR template.URL
	}
	type doc struct {
		SheetDoc
		Prefix  string
		Signers []sg
	}
	var ds []doc
	for _, d := range docs {
		x := doc{SheetDoc: d, Prefix: HashPrefix(d.SHA256)}
		for _, s := range d.Signers {
			e := sg{SheetSigner: s}
			if s.URL != "" {
				u, err := qrDataURL(s.URL)
				if err != nil {
					return err
				}
				if !strings.HasPrefix(u, "data:image/png;base64,") {
					return errors.New("export: QR data URL must be a PNG data URL")
				}
				e.QR = template.URL(u)
			}
			x.Signers = append(x.Signers, e)
		}
		ds = append(ds, x)
	}
	return sheetTmpl.Execute(w, map[string]any{"O": o, "Docs": ds})
}

var sheetTmpl = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signing sheet {{.O.BatchID}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;color:#212529;margin:2rem}
h1{font-size:1.3rem;color:#173461}
section{border-top:1px solid #d1d8e2;padding:.6rem 0;break-inside:avoid}
h2{font-size:1rem;margin:.2rem 0}
code{color:#505a66}
ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;padding:0;margin:.4rem 0}
li{width:160px;text-align:center}
img{width:150px;height:150px;image-rendering:pixelated}
.done{display:flex;align-items:center;justify-content:center;width:150px;height:150px;background:#f3f6fa}
</style></head><body>
<h1>Signing sheet{{if .O.Title}}: {{.O.Title}}{{end}}</h1>
<p>Batch <code>{{.O.BatchID}}</code>. Scan the QR code of your name, document by document, in this order.</p>
{{range .Docs}}<section><h2>{{.Order}}. {{.Title}}</h2>
<p><code>{{.ID}}</code> · sha256 <code>{{.Prefix}}…</code> · {{.Status}}</p>
<ul>{{range .Signers}}<li>{{if .QR}}<a href="{{.URL}}"><img src="{{.QR}}" alt="QR code to sign as {{.Label}}"></a>{{else}}<div class="done">{{.Status}}</div>{{end}}
<div>{{.Order}}. {{.Label}}</div></li>{{end}}</ul></section>
{{end}}</body></html>
`))
