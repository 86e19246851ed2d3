package export

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/qrsign/qrsign/relay/i18n"
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
	Lang           i18n.Lang // the sheet's words; zero is English
	Fonts          *Fonts    // required for PDF
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
	sheetDocH   = 30.0         // a document's heading: title and id line
	sheetRowH   = sheetQR + 30 // a row of QR codes with their labels
	sheetTop    = pageH - sheetHeadH - 20
	sheetBottom = 48.0 // rows end above this: the footer and a note go below
	sheetPerRow = 3
)

// sheetItem is a thing a sheet draws with its top at y on page (from 1):
// a document's heading (row -1; cont when it repeats on a continuation page)
// or a row of its QR codes.
type sheetItem struct {
	page, doc, row int
	cont           bool
	y              float64
}

// planSheet pages a sheet by rows of QR codes, a heading kept with the row
// under it, so a document of any number of signers (up to 32, 11 rows) fits.
func planSheet(docs []SheetDoc) []sheetItem {
	var items []sheetItem
	page, y := 1, sheetTop
	for di, d := range docs {
		rows := max(1, (len(d.Signers)+sheetPerRow-1)/sheetPerRow)
		for r := 0; r < rows; r++ {
			head := r == 0
			need := sheetRowH
			if head {
				need += sheetDocH
			}
			if y-need < sheetBottom { // a fresh page always has room: never a blank one
				page, y, head = page+1, sheetTop, true
			}
			if head {
				items = append(items, sheetItem{page: page, doc: di, row: -1, cont: r > 0, y: y})
				y -= sheetDocH
			}
			items = append(items, sheetItem{page: page, doc: di, row: r, y: y})
			y -= sheetRowH
		}
	}
	return items
}

// WriteSheetPDF writes a printable signing sheet: every document in signing
// order with its title, hash prefix and one QR per signer, several documents
// to a page; a document with more rows of signers than a page holds
// continues on the next, its heading repeated. Each QR is a 1-bit image, so
// pages stay small.
func WriteSheetPDF(w io.Writer, o SheetOptions, docs []SheetDoc) error {
	if o.Fonts == nil {
		return errors.New("export: sheet PDF needs SheetOptions.Fonts (LoadFonts)")
	}
	t := func(key string, args ...any) string { return msgs.T(o.Lang, key, args...) }
	c := newCanvas(o.Fonts, t("sheetTitle", o.BatchID))
	pages := 0
	newPage := func() {
		c.page()
		pages++
		c.rect(0, pageH-sheetHeadH, pageW, sheetHeadH, navy)
		head := t("sheet")
		if o.Title != "" {
			head = t("sheetTitle", oneLine(o.Title))
		}
		c.text(bold, 12, margin, pageH-26, c.fitText(bold, head, 12, contentW-150), white)
		c.textRight(regular, 9, pageW-margin, pageH-26, t("sheetBatch", o.BatchID), paleWhite)
		if !o.GeneratedAt.IsZero() {
			c.text(regular, 8, margin, 30, t("sheetGenerated", human(o.GeneratedAt)), muted)
		}
		c.textRight(regular, 8, pageW-margin, 30, t("sheetPage", pages), muted)
	}
	newPage()
	items := planSheet(docs)
	for i, it := range items {
		for pages < it.page {
			newPage()
		}
		d, y := docs[it.doc], it.y
		if it.row < 0 {
			title := fmt.Sprintf("%d. %s", d.Order, oneLine(d.Title))
			if it.cont {
				title = t("sheetContinued", c.fitText(bold, title, 11, contentW-c.width(bold, t("sheetContinued", ""), 11)))
			}
			c.text(bold, 11, margin, y-12, c.fitText(bold, title, 11, contentW), ink)
			c.text(code, 8.5, margin, y-25, fmt.Sprintf("%s  SHA-256 %s...  %s", d.ID, HashPrefix(d.SHA256), t(d.Status)), muted)
			continue
		}
		end := min(len(d.Signers), (it.row+1)*sheetPerRow)
		for j := it.row * sheetPerRow; j < end; j++ {
			s := d.Signers[j]
			x := margin + float64(j%sheetPerRow)*(contentW/sheetPerRow)
			if s.URL != "" {
				// 8 pt of white all round: the quiet zone the code itself omits.
				if err := c.qr(s.URL, x+8, y-sheetQR+4, sheetQR-16); err != nil {
					return err
				}
			} else {
				c.rect(x+8, y-sheetQR+4, sheetQR-16, sheetQR-16, panel)
				c.textCenter(regular, 9, x+sheetQR/2, y-sheetQR/2-4, t(s.Status), statusColor(s.Status))
			}
			label := fmt.Sprintf("%d. %s", s.Order, s.Label)
			c.text(regular, 8, x+8, y-sheetQR-8, c.fitText(regular, label, 8, contentW/sheetPerRow-12), ink)
		}
		if i+1 == len(items) || items[i+1].doc != it.doc || items[i+1].page != it.page {
			c.hline(margin, y-sheetRowH+6, contentW, hairline) // under a document, or its part of a page
		}
	}
	if len(docs) == 0 {
		c.text(regular, 11, margin, sheetTop-20, t("sheetEmpty"), ink)
	}
	if c.replaced { // once, on the first page, between the last row and the footer
		c.setPage(1)
		c.text(regular, 7, margin, 42, c.fitText(regular, t("sheetGlyphNote"), 7, contentW), muted)
		c.setPage(pages)
	}
	stampDates(c, o.GeneratedAt)
	return c.finish(w)
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
	t := func(key string, args ...any) string { return msgs.T(o.Lang, key, args...) }
	lang := o.Lang
	if lang == "" {
		lang = i18n.En
	}
	return template.Must(sheetTmpl.Clone()).Funcs(template.FuncMap{"t": t}).Execute(w, map[string]any{"O": o, "Docs": ds, "Lang": lang})
}

var sheetTmpl = template.Must(template.New("sheet").Funcs(template.FuncMap{"t": func(string, ...any) string { return "" }}).Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{t "sheetTitle" .O.BatchID}}</title>
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
<h1>{{if .O.Title}}{{t "sheetTitle" .O.Title}}{{else}}{{t "sheet"}}{{end}}</h1>
<p>{{t "sheetBatch" .O.BatchID}} · {{t "sheetIntro"}}</p>
{{range .Docs}}<section><h2>{{.Order}}. {{.Title}}</h2>
<p><code>{{.ID}}</code> · SHA-256 <code>{{.Prefix}}…</code> · {{t .Status}}</p>
<ul>{{range .Signers}}<li>{{if .QR}}<a href="{{.URL}}"><img src="{{.QR}}" alt="{{t "sheetQRAlt" .Label}}"></a>{{else}}<div class="done">{{t .Status}}</div>{{end}}
<div>{{.Order}}. {{.Label}}</div></li>{{end}}</ul></section>
{{end}}</body></html>
`))
