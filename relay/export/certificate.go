package export

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// A4 in points, and the page furniture around the content.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 48.0
	contentW     = pageW - 2*margin
	bandH        = 112.0 // first page's title band
	contBandH    = 44.0  // continuation pages' band
	footerTop    = 74.0  // content stops above this
	qrSide       = 118.0
)

// certLayout lays out one document's certificate: usually one page, more
// when many signers or events would not fit (they continue, never clip).
type certLayout struct {
	o     Options
	r     Record
	d     model.DocumentView
	url   string
	ix    ledgerIndex
	pages []*canvas
	c     *canvas
	y     float64 // baseline cursor, moving down
}

func layoutCertificate(r Record, o Options) []*canvas {
	l := &certLayout{o: o, r: r, d: r.Document, url: VerifyURL(o.PublicURL, r.Document.ID), ix: indexEvents(r.Events)}
	l.firstPage()
	l.signatures()
	l.events()
	l.footers()
	return l.pages
}

func (l *certLayout) page() {
	l.c = &canvas{}
	l.pages = append(l.pages, l.c)
}

// need starts a continuation page unless h more points fit on this one.
func (l *certLayout) need(h float64) {
	if l.y-h < footerTop {
		l.continuation()
	}
}

func (l *certLayout) continuation() {
	l.page()
	l.c.rect(0, pageH-contBandH, pageW, contBandH, navy)
	l.c.text(helveticaBold, 12, margin, pageH-27, winAnsi(heading(l.d.Status)+" (continued)"), white)
	l.c.textRight(helvetica, 9, pageW-margin, pageH-27, winAnsi(l.d.ID), paleWhite)
	l.y = pageH - contBandH - 30
}

func (l *certLayout) firstPage() {
	l.page()
	c, d := l.c, l.d
	st := string(status(d))

	c.rect(0, pageH-bandH, pageW, bandH, navy)
	c.text(helveticaBold, 9, margin, pageH-34, winAnsi("QRSIGN  \u00b7  LEDGER RECORD"), paleWhite)
	c.text(helveticaBold, 24, margin, pageH-66, winAnsi(heading(d.Status)), white)
	c.text(helvetica, 10, margin, pageH-88, winAnsi("Electronic signatures recorded on a Hyperledger Fabric ledger"), paleWhite)
	bw := helveticaBold.width(winAnsi(st), 10) + 24
	c.rect(pageW-margin-bw, pageH-72, bw, 24, statusColor(st))
	c.textCenter(helveticaBold, 10, pageW-margin-bw/2, pageH-63.5, winAnsi(st), white)

	// Right column: the QR code that opens the public verification page.
	top := pageH - bandH - 28
	qx := pageW - margin - qrSide
	c.image("QR", qx, top-qrSide, qrSide)
	c.textCenter(helveticaBold, 9, qx+qrSide/2, top-qrSide-16, winAnsi("Scan to verify"), ink)
	uy := top - qrSide - 27
	for _, line := range courier.wrap(winAnsi(l.url), 6.5, qrSide+20) {
		c.textCenter(courier, 6.5, qx+qrSide/2, uy, line, muted)
		uy -= 8
	}

	// Left column: what the document is.
	leftW := qx - margin - 24
	y := top - 8
	c.text(helveticaBold, 7.5, margin, y, winAnsi("DOCUMENT"), muted)
	y -= 19
	title := helveticaBold.wrap(winAnsi(oneLine(d.Title)), 15, leftW)
	if len(title) > 3 { // titles run to 256 characters: three lines, then an ellipsis
		rest := bytes.Join(title[2:], []byte{' '})
		title = append(title[:2], helveticaBold.fitText(rest, 15, leftW))
	}
	for _, line := range title {
		c.text(helveticaBold, 15, margin, y, line, ink)
		y -= 19
	}
	y -= 8
	colW := leftW / 2
	closed := ""
	if d.ClosedAt != nil {
		closed = human(*d.ClosedAt)
	}
	grid := [][2][2]string{
		{{"Document ID", d.ID}, {"Type", d.DocType}},
		{{"Owner", d.Owner + " (" + d.OwnerMSP + ")"}, {"Size", size(d.Size) + ", " + d.MediaType}},
		{{"Registered", human(d.CreatedAt)}, {closedLabel(d.Status), orDash(closed)}},
	}
	for _, row := range grid {
		for i, cell := range row {
			x := margin + float64(i)*colW
			c.text(helveticaBold, 7, x, y, winAnsi(strings.ToUpper(cell[0])), muted)
			c.text(helvetica, 10, x, y-13, helvetica.fitText(winAnsi(cell[1]), 10, colW-10), ink)
		}
		y -= 32
	}
	if y > uy-6 {
		y = uy - 6
	}

	// The hash the signatures are bound to, in full, in a panel.
	y -= 6
	c.rect(margin, y-40, contentW, 44, panel)
	c.rect(margin, y-40, 3, 44, navy)
	c.text(helveticaBold, 7, margin+14, y-11, winAnsi("SHA-256 OF THE SIGNED DOCUMENT"), muted)
	c.text(courier, 10.5, margin+14, y-29, winAnsi(d.SHA256), ink)
	y -= 58

	// Where the record lives on the ledger.
	l.y = y
	l.txLine("Registered in", d.CreatedTxID)
	if d.ClosedTxID != "" {
		l.txLine(closedLabel(d.Status)+" in", d.ClosedTxID)
	}
	l.y -= 10
}

// txLine is "Label  <tx id>  block N" in small type.
func (l *certLayout) txLine(label, tx string) {
	l.c.text(helveticaBold, 7.5, margin, l.y, winAnsi(strings.ToUpper(label)), muted)
	l.c.text(courier, 7.5, margin+80, l.y, winAnsi(tx), ink)
	if b, ok := l.ix.block(tx); ok {
		l.c.text(helvetica, 8, margin+80+courier.width(winAnsi(tx), 7.5)+10, l.y, winAnsi("block "+strconv.FormatUint(b, 10)), ink)
	}
	l.y -= 12
}

func (l *certLayout) section(title string) {
	l.need(40)
	l.y -= 6
	l.c.text(helveticaBold, 12, margin, l.y, winAnsi(title), navy)
	l.y -= 7
	l.c.hline(margin, l.y, contentW, hairline)
	l.y -= 16
}

func (l *certLayout) signatures() {
	rows := signerRows(l.r)
	l.section(fmt.Sprintf("Signatures (%d)", len(rows)))
	const labelW = 86.0
	valueW := contentW - 16 - labelW
	for i, s := range rows {
		type detail struct {
			label string
			f     font
			size  float64
			lines [][]byte
		}
		var ds []detail
		add := func(label string, f font, size float64, v string) {
			if v != "" {
				ds = append(ds, detail{label, f, size, f.wrap(winAnsi(v), size, valueW)})
			}
		}
		add("Certificate subject", helvetica, 8.5, s.Subject)
		add("Issued by", helvetica, 8.5, s.Issuer)
		add("Serial number", courier, 7.5, s.Serial)
		add("Cert. fingerprint", courier, 7.5, s.Fingerprint)
		if s.TxID != "" {
			tx := s.TxID
			if s.HasBlock {
				tx += "  (block " + strconv.FormatUint(s.Block, 10) + ")"
			}
			add("Transaction", courier, 7.5, tx)
		}
		add("Reason", helvetica, 8.5, s.Reason)
		if s.Status == model.SignerPending {
			add("Awaiting", helvetica, 8.5, "No signature recorded yet.")
		}
		h := 30.0
		for _, d := range ds {
			h += 11 * float64(len(d.lines))
		}
		l.need(h + 8)
		c, top := l.c, l.y+12
		c.rect(margin, top-h, contentW, h, panel)
		c.rect(margin, top-h, 3, h, statusColor(string(s.Status)))
		// Right: status and time; left: name, then org and order in what
		// room is left (ids run to 64 characters).
		x := pageW - margin - 12
		if s.At != nil {
			when := winAnsi(human(*s.At))
			c.textRight(helvetica, 8.5, x, top-17, when, ink)
			x -= helvetica.width(when, 8.5) + 10
		}
		st := winAnsi(string(s.Status))
		c.textRight(helveticaBold, 8.5, x, top-17, st, statusColor(string(s.Status)))
		room := x - helveticaBold.width(st, 8.5) - 16 - (margin + 14)
		name := helveticaBold.fitText(winAnsi(fmt.Sprintf("%d.  %s", i+1, s.ID)), 11, room)
		c.text(helveticaBold, 11, margin+14, top-17, name, ink)
		if left := room - helveticaBold.width(name, 11) - 8; left > 40 {
			org := winAnsi(fmt.Sprintf("%s  \u00b7  routing order %d", s.MSPID, s.RoutingOrder))
			c.text(helvetica, 8.5, margin+14+helveticaBold.width(name, 11)+8, top-17, helvetica.fitText(org, 8.5, left), muted)
		}
		y := top - 32
		for _, d := range ds {
			c.text(helveticaBold, 7, margin+14, y, winAnsi(strings.ToUpper(d.label)), muted)
			for _, line := range d.lines {
				c.text(d.f, d.size, margin+14+labelW, y, line, ink)
				y -= 11
			}
		}
		l.y = top - h - 8 - 12
	}
}

func (l *certLayout) events() {
	if len(l.r.Events) == 0 {
		return
	}
	l.y -= 4
	l.section("Ledger events")
	cols := []float64{margin, margin + 28, margin + 150, margin + 262, margin + 312}
	head := func() {
		for i, h := range []string{"SEQ", "EVENT", "TIME (UTC)", "BLOCK", "TRANSACTION"} {
			l.c.text(helveticaBold, 7, cols[i], l.y, winAnsi(h), muted)
		}
		l.y -= 13
	}
	head()
	for _, e := range l.r.Events {
		if l.y-12 < footerTop {
			l.continuation()
			head()
		}
		ev := e.Event
		cells := []string{strconv.Itoa(ev.Seq), string(ev.Type), human(ev.Timestamp), strconv.FormatUint(e.BlockNumber, 10)}
		for i, v := range cells {
			l.c.text(helvetica, 8, cols[i], l.y, winAnsi(v), ink)
		}
		l.c.text(courier, 7, cols[4], l.y, courier.fitText(winAnsi(ev.TxID), 7, pageW-margin-cols[4]), ink)
		l.y -= 12
	}
}

// footers are drawn last, when the page count is known.
func (l *certLayout) footers() {
	for i, c := range l.pages {
		c.hline(margin, 56, contentW, hairline)
		by := "Generated from the ledger record"
		if l.o.Issuer != "" {
			by += " by " + l.o.Issuer
		}
		if !l.o.GeneratedAt.IsZero() {
			by += " on " + human(l.o.GeneratedAt)
		}
		c.text(helvetica, 7, margin, 44, helvetica.fitText(winAnsi(by+"."), 7, contentW-90), muted)
		c.text(helvetica, 7, margin, 34, helvetica.fitText(winAnsi("The ledger is authoritative; this certificate summarises it. Verify: "+l.url), 7, contentW-90), muted)
		c.textRight(helvetica, 7, pageW-margin, 44, winAnsi(fmt.Sprintf("Page %d of %d", i+1, len(l.pages))), muted)
	}
}

// heading names the page for what it is: only a completed document gets a
// certificate of completion; others get a record of where signing stands.
func heading(s model.Status) string {
	if s == model.StatusCompleted {
		return "Certificate of Completion"
	}
	return "Signature Record"
}

// human is a timestamp for people: unambiguous, UTC, no "T".
func human(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func orDash(s string) string {
	if s == "" {
		return "\u2014"
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
