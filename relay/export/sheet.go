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
	sheetBlockH = 30 + sheetQR + 30
	sheetPerRow = 3
)

// WriteSheetPDF writes a printable signing sheet: every document in signing
// order with its title, hash prefix and one QR per signer, several documents
// to a page. Each QR is a 1-bit image, so pages stay small.
func WriteSheetPDF(w io.Writer, o SheetOptions, docs []SheetDoc) error {
	if o.Fonts == nil {
		return errors.New("export: sheet PDF needs SheetOptions.Fonts (LoadFonts)")
	}
	t := func(key string, args ...any) string { return msgs.T(o.Lang, key, args...) }
	c := newCanvas(o.Fonts, t("sheetTitle", o.BatchID))
	y, pages := 0.0, 0
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
		y = pageH - sheetHeadH - 20
		if !o.GeneratedAt.IsZero() {
			c.text(regular, 8, margin, 30, t("sheetGenerated", human(o.GeneratedAt)), muted)
		}
		c.textRight(regular, 8, pageW-margin, 30, t("sheetPage", pages), muted)
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
		c.text(bold, 11, margin, y-12, c.fitText(bold, fmt.Sprintf("%d. %s", d.Order, oneLine(d.Title)), 11, contentW), ink)
		c.text(code, 8.5, margin, y-25, fmt.Sprintf("%s  SHA-256 %s...  %s", d.ID, HashPrefix(d.SHA256), t(d.Status)), muted)
		y -= 30
		for i, s := range d.Signers {
			if i > 0 && i%sheetPerRow == 0 {
				y -= sheetQR + 30
			}
			x := margin + float64(i%sheetPerRow)*(contentW/sheetPerRow)
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
		y -= sheetQR + 30
		c.hline(margin, y+6, contentW, hairline)
	}
	if len(docs) == 0 {
		c.text(regular, 11, margin, y-20, t("sheetEmpty"), ink)
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
